import { NestedStack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { guardStackLimits } from '../stack-limits';

/** Properties of a {@link DatabaseStack}. */
export interface DatabaseStackProps {
  /** Its place among the database stacks, from 1 (its construct id is `Databases<number>`). */
  readonly number: number;
  /** The plan's databases it holds, in plan order. */
  readonly databaseNames: string[];
}

/**
 * A nested stack holding the databases the DR app packs into it (stack-packing.ts). In the
 * primary stack: their protections, runners and roles, restore verification, drills, measured RPO
 * and the functions' alarms. The shared resources (vault, bucket, keys, cluster, logs, queue,
 * alarm topic, fleet alarms) stay in the primary stack. Databases are placed in plan order, so
 * adding a database at the end of the plan never moves another database's resources (their
 * logical ids stay the same). In the DR
 * stack, the same databases' DR-Region recovery: restore tasks, restore tests and DR documents.
 *
 * Nested rather than top-level stacks: one `cdk deploy` of the primary stack deploys them in
 * order, references to the shared resources are parameters (no cross-stack exports that would
 * block a later change), and each template has its own 500-resource limit.
 */
export class DatabaseStack extends NestedStack {
  /** Its place among the database stacks, from 1. */
  public readonly number: number;
  /** The plan's databases it holds. */
  public readonly databaseNames: string[];

  constructor(scope: Construct, id: string, props: DatabaseStackProps) {
    super(scope, id, { description: `cdk-database-dr: databases ${props.databaseNames.join(', ')}`.slice(0, 1024) });
    this.number = props.number;
    this.databaseNames = props.databaseNames;
    guardStackLimits(this);
  }
}
