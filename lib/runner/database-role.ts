/**
 * A role of one database whose statements go into the managed policies its stack's roles share
 * (a DatabasePolicyPool) instead of a policy of its own; it carries the tag that the shared
 * policies' `${aws:PrincipalTag/<key>}` resolves to: its database's name.
 */
import { Stack, Tags, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import type { DatabasePolicyPool } from './database-policy-pool';
import { isTemplatableDatabase, templateSegments } from './policy-template';

/** Properties of {@link DatabaseRole}. */
export interface DatabaseRoleProps extends iam.RoleProps {
  /** The database the role serves: the value of its principal tag. */
  readonly database: string;
  /** The pool whose shared managed policies hold the role's statements. */
  readonly policyPool: DatabasePolicyPool;
}

/** A wildcard-resource finding acknowledged on whichever shared policy holds the resource. */
export interface DatabaseRoleAcknowledgement {
  /** The resource as granted to this role (untemplated). */
  readonly resource: string;
  /** Why the wildcard is acceptable (must hold for every database of the shared policy). */
  readonly reason: string;
}

/**
 * An ECS task role of one database whose permissions live in the pool's shared managed policies:
 * its statements are collected and, at synthesis, templated with its database's name so roles of
 * different databases with the same statements share one policy. Its tag `<key>=<database>`
 * makes each role's effective permissions exactly its own statements.
 */
export class DatabaseRole extends iam.Role {
  /** The database the role serves (its principal tag's value). */
  public readonly database: string;
  /** The pool holding the role's statements. */
  public readonly policyPool: DatabasePolicyPool;
  /** Whether the name can be a tag value (else the role's statements are shared only when identical). */
  public readonly templatable: boolean;
  private readonly collected: iam.PolicyStatement[] = [];
  private readonly acks: DatabaseRoleAcknowledgement[] = [];

  constructor(scope: Construct, id: string, props: DatabaseRoleProps) {
    super(scope, id, props);
    this.database = props.database;
    this.policyPool = props.policyPool;
    this.templatable = isTemplatableDatabase(props.database);
    if (Stack.of(this) !== Stack.of(props.policyPool)) {
      throw new ConfigurationError(`DatabaseRole ${this.node.path}`, [`policyPool: must be in the role's stack ${Stack.of(this).node.path}, got one in ${Stack.of(props.policyPool).node.path}`]);
    }
    // The highest priority: no tag of the stack or app may replace the one the shared policies rely on
    // (the pool checks the rendered tag again at synthesis).
    if (this.templatable) Tags.of(this).add(props.policyPool.tagKey, props.database, { priority: 10000 });
    props.policyPool._addRole(this);
  }

  /** The statements added to the role so far (grants included), untemplated. */
  public get statements(): iam.PolicyStatement[] {
    return [...this.collected];
  }

  /** The wildcard-resource acknowledgements recorded for the role. */
  public get acknowledgements(): DatabaseRoleAcknowledgement[] {
    return [...this.acks];
  }

  /**
   * `value` as the shared policy holds it: each whole path segment equal to the database's name
   * replaced by the pool's policy variable (unchanged when the name cannot be a tag value).
   */
  public templated(value: string): string {
    return this.templatable ? templateSegments(value, this.database, this.policyPool.variable) : value;
  }

  /** Collects the statement for the pool; depending on the result's `policyDependable` waits for the shared policies. */
  public override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policyPool._assertOpen(`DatabaseRole ${this.node.path}: addToPrincipalPolicy`);
    this.collected.push(statement);
    return { statementAdded: true, policyDependable: this.policyPool };
  }

  /**
   * Acknowledges the AwsSolutions-IAM5 finding of a wildcard resource granted to this role, on the
   * shared policy that will hold it (with the resource templated as it is there).
   */
  public acknowledgeWildcardResource(resource: string, reason: string): void {
    this.policyPool._assertOpen(`DatabaseRole ${this.node.path}: acknowledgeWildcardResource`);
    this.acks.push({ resource, reason });
  }
}
