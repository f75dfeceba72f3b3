/**
 * Everything one database's runbooks print, gathered from the constructs at synthesis: names,
 * ARNs, Regions, buckets, the documents and the feasibility model's estimates. Pure data: the
 * Markdown renderer reads only this.
 */
import type { RecoveryProcedure } from '../../runtime/recovery';
import { AutomationContent } from './automation-content';
import { RunbookKind } from './runbook-kind';
import { StackValue } from './stack-value';

/** One estimate of the feasibility model (lib/plan/feasibility.ts), for one backup source. */
export interface EstimateFact {
  readonly source: string;
  readonly restoreMinutes: number;
  readonly recoveryPointMinutes?: number;
  readonly basis: string;
}

/** One SSM Automation document of the database. */
export interface DocumentFact {
  readonly kind: RunbookKind;
  readonly name: string;
  readonly region: string;
  readonly content: AutomationContent;
  /** The document's Database parameter for this database (a document serves the databases of one stack). */
  readonly database: string;
  /** A runner restore document (restores a logical dump with a task), not the page's AWS-side procedure. */
  readonly runnerRestore?: boolean;
  /** What the document's TargetName must start with (a token: production's generated identifier + `-restore-`). */
  readonly targetPrefix?: string;
}

/** A runner of the database: its engine and where its backups are in the bucket. */
export interface RunnerFact {
  readonly engine: string;
  readonly kind: 'logical' | 'physical' | 'unknown';
  readonly backupPrefix: string;
  readonly walArchivePrefix?: string;
}

/** The facts of one database's runbooks. */
export interface RunbookFacts {
  readonly plan: string;
  readonly database: string;
  readonly sqlDatabase: string;
  readonly engine?: string;
  /** `rds`, `aurora` or `self-managed`. */
  readonly deployment: string;
  readonly rpoMinutes?: number;
  readonly rtoMinutes?: number;
  readonly estimates: EstimateFact[];
  readonly primaryRegion: string;
  readonly drRegion?: string;
  /** RDS instance or Aurora cluster. */
  readonly source?: { readonly cluster: boolean; readonly identifier: StackValue; readonly arn: StackValue };
  readonly vault?: StackValue;
  readonly drVault?: StackValue;
  readonly restoreRole?: StackValue;
  readonly bucket?: StackValue;
  readonly replicaBucket?: StackValue;
  readonly runners: RunnerFact[];
  readonly documents: DocumentFact[];
  /** The procedures of runtime/recovery, one per kind (none when the engine is not known). */
  readonly procedures: RecoveryProcedure[];
  /** Why there are no procedures. */
  readonly noProcedures?: string;
  /** The Set up block's values, in order. */
  readonly values: StackValue[];
  /** The checks restore verification runs, by name and SQL. */
  readonly checks: Array<{ readonly name: string; readonly sql: string }>;
}

/** Where a database's runbooks are in the cloud assembly: `runbooks/<plan>/<database>/`. */
export function runbookFolder(plan: string, database: string): string {
  return `runbooks/${plan}/${database}`;
}
