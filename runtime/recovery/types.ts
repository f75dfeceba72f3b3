/**
 * Recovery procedures as data: the types. A procedure is an ordered list of steps, each with the
 * exact command lines an operator (or an SSM Automation document, or a test) runs. Pure data: no
 * CDK, no runner code, so lib/ (runbooks, SSM documents), runner/ and tests read the same steps.
 *
 * Command lines hold named parameters as `{{Name}}` (the placeholder syntax of SSM Automation),
 * filled in with `substitute()` / `substituteArgv()` (parameters.ts).
 */
import type { DatabaseType } from '../engines/record';

/** Where the database runs (the plan's `deployment`). */
export type RecoveryDeployment = 'rds' | 'aurora' | 'self-managed';

/** The three standard procedures. */
export type ProcedureKind =
  /** Point-in-time recovery to a new instance (RDS/Aurora) or a new data directory (self-managed). */
  | 'point-in-time'
  /** Full recovery in the DR region from the copies there (DR vault, replica bucket). */
  | 'dr-region'
  /** Selective table restore from the logical backup into a scratch database, and back. */
  | 'table-restore';

/**
 * What a step is. `runner`: a runner CLI command (argv given); `aws`: an AWS-side action (an AWS
 * CLI line and, where it is one API call, the call for an SSM `aws:executeAwsApi` step); `manual`:
 * a command of an upstream tool or a check an operator runs; `approval`: a human decision that
 * must be taken before the next step (anything that replaces or redirects production).
 */
export type StepKind = 'runner' | 'aws' | 'manual' | 'approval';

/** Where a command runs. */
export type CommandPlace =
  /** A runner task (ECS run-task with the runner's task definition), or the runner CLI anywhere it can reach storage and the target. */
  | 'runner'
  /** The host that will run the restored server (a physical restore writes its data directory). */
  | 'restore-host'
  /** An operator's shell with the AWS CLI and credentials of a recovery role. */
  | 'operator';

/** One named parameter of a procedure, used as `{{Name}}` in its command lines. */
export interface RecoveryParameter {
  /** `TargetTime`, `TargetName`, `Tables`, ... (letters only: valid as an SSM parameter name). */
  readonly name: string;
  /** What it is and its exact format for this procedure. */
  readonly description: string;
  /** A value of the right shape, for documents and forms. */
  readonly example: string;
  /** Whether the procedure cannot run without it (no default). */
  readonly required: boolean;
  /** Value used when none is given (only for optional parameters). */
  readonly default?: string;
}

/** One command line of a step. */
export interface RecoveryCommand {
  /** Where it runs. */
  readonly runsOn: CommandPlace;
  /**
   * The command as one shell line, placeholders unexpanded. Values are shell-quoted once
   * substituted (`renderLine`); pipelines and loops appear only in `manual` steps.
   */
  readonly line: string;
  /**
   * The argument vector (runner and aws commands), program first, placeholders unexpanded; absent
   * for shell pipelines. `runner` commands start with `runner` (the image's entry point).
   */
  readonly argv?: readonly string[];
  /** Environment variables the command reads (names only: values come from Secrets Manager or the operator). */
  readonly env?: readonly string[];
}

/** An AWS API call of an `aws` step (the input of an SSM `aws:executeAwsApi` step). */
export interface AwsApiCall {
  /** SSM's service name, e.g. `rds`, `backup`, `ecs`. */
  readonly service: string;
  /** The API, e.g. `RestoreDBInstanceToPointInTime`. */
  readonly api: string;
  /** Its input; string values may hold `{{Name}}` placeholders. */
  readonly input: Readonly<Record<string, unknown>>;
  /** Region the call goes to. */
  readonly region: string;
}

/** One step of a procedure. */
export interface RecoveryStep {
  /** Stable id within the procedure (`restore`, `approve-redirect`, ...): SSM step names, anchors. */
  readonly id: string;
  readonly title: string;
  readonly kind: StepKind;
  /** What the step does and what to look at, one or two sentences. */
  readonly description: string;
  /** The command lines, in order (empty for an approval). */
  readonly commands: readonly RecoveryCommand[];
  /** The API call behind an `aws` step, when it is a single call. */
  readonly awsApi?: AwsApiCall;
  /** True when the step (or the one it approves) replaces or redirects production. */
  readonly touchesProduction: boolean;
  /** The share of the procedure's estimate this step takes, when known (minutes). */
  readonly estimateMinutes?: number;
}

/** One procedure for one database. */
export interface RecoveryProcedure {
  readonly kind: ProcedureKind;
  readonly title: string;
  /** The protected database's name. */
  readonly database: string;
  /** Whether this database can follow the procedure; when false, `unavailableReason` says why and the step lists are empty. */
  readonly available: boolean;
  /** Why the procedure is not available (no logical backup, no DR region, ...). */
  readonly unavailableReason?: string;
  /** One paragraph: what the procedure achieves and what it restores to. */
  readonly summary: string;
  /** Region the restore runs in. */
  readonly region: string;
  /** Named parameters its command lines use. */
  readonly parameters: readonly RecoveryParameter[];
  /** The steps with this library's runner and the AWS APIs. */
  readonly steps: readonly RecoveryStep[];
  /**
   * The same recovery by hand with the upstream tools only (aws s3 cp, sha256sum, zstd,
   * pg_restore, psql, mysql, pgbackrest, mariabackup, mysqlbinlog): no lock-in.
   */
  readonly byHand: readonly RecoveryStep[];
  /** The recovery model's estimate of the whole procedure (minutes), when known. */
  readonly estimateMinutes?: number;
}

/** The backup storage of the runner's backups. Exactly one of `bucket` and `posixRepo`. */
export interface RecoveryStorage {
  /** S3 bucket of the runner's backups in the primary region. */
  readonly bucket?: string;
  /** Key prefix inside the bucket. @default 'runner' */
  readonly prefix?: string;
  /** The replica bucket in the DR region (S3 replication target). */
  readonly replicaBucket?: string;
  /** A directory used as the repository instead of S3 (a mounted volume, tests). */
  readonly posixRepo?: string;
}

/** The runner's ECS tasks, per region. */
export interface RecoveryRunnerTasks {
  /** ECS cluster of the runner tasks (name or ARN). */
  readonly cluster: string;
  /** Task definition (family or ARN) per engine name, e.g. `{ 'pg-dump': 'orders-pg-dump' }`. */
  readonly taskDefinitions: Readonly<Record<string, string>>;
  /** Private subnets of the tasks. */
  readonly subnets: readonly string[];
  /** Security groups of the tasks. */
  readonly securityGroups: readonly string[];
  /** Container name in the task definitions. @default 'runner' */
  readonly containerName?: string;
}

/** RDS / Aurora specifics. */
export interface RecoveryManagedDatabase {
  /** DB instance identifier (RDS) or DB cluster identifier (Aurora). */
  readonly identifier: string;
  /** Its ARN. */
  readonly arn: string;
  /** The primary-region backup vault's name. */
  readonly vaultName: string;
  /** The DR-region backup vault's name (copies), when the plan has a DR region. */
  readonly drVaultName?: string;
  /** IAM role AWS Backup restores with (iam:PassRole for the operator). */
  readonly restoreRoleArn: string;
  /** DB subnet group for restored instances (same name in the DR region when it has one). */
  readonly subnetGroupName?: string;
  /** DB subnet group in the DR region. @default - subnetGroupName */
  readonly drSubnetGroupName?: string;
  /** Instance class for restored instances. @default - the source's class (RDS chooses) */
  readonly instanceClass?: string;
}

/** A self-managed database's host (for the by-hand commands and the copy-back). */
export interface RecoveryHost {
  readonly address: string;
  readonly port: number;
  /** The database user the procedures connect as. */
  readonly user: string;
  /** The SQL database the application uses (the logical dump's database). */
  readonly databaseName?: string;
  /** PostgreSQL data directory on the host (pgBackRest pg1-path). */
  readonly dataDirectory?: string;
}

/** The recovery model's estimates, minutes. */
export interface RecoveryEstimates {
  readonly pointInTimeMinutes?: number;
  readonly drRegionMinutes?: number;
  readonly tableRestoreMinutes?: number;
}

/** Everything the procedures need to know about one database. */
export interface DatabaseRecoveryDescription {
  /** The plan's database name (`runner --database`). */
  readonly name: string;
  /** The plan's `db_type`. */
  readonly databaseType: DatabaseType;
  readonly deployment: RecoveryDeployment;
  readonly primaryRegion: string;
  /** The DR region, when the plan has one. */
  readonly drRegion?: string;
  /** The catalog engine of the physical / continuous tier run by the runner (pgbackrest, wal-g, mariabackup, xtrabackup). */
  readonly physicalEngine?: string;
  /** The catalog engine of the logical tier (pg-dump, mysqldump, mongodump). */
  readonly logicalEngine?: string;
  /** pgBackRest stanza (by-hand commands). @default - the database name */
  readonly pgbackrestStanza?: string;
  /** mariabackup/xtrabackup: the directory holding the shipped binlogs on the restore host. */
  readonly binlogDir?: string;
  /** Storage of the runner's backups (absent for AWS Backup-only databases). */
  readonly storage?: RecoveryStorage;
  /** Runner tasks in the primary region. */
  readonly runner?: RecoveryRunnerTasks;
  /** Runner tasks in the DR region. */
  readonly drRunner?: RecoveryRunnerTasks;
  /** RDS / Aurora specifics (deployment rds or aurora). */
  readonly managed?: RecoveryManagedDatabase;
  /** Self-managed host. */
  readonly host?: RecoveryHost;
  readonly estimates?: RecoveryEstimates;
  /**
   * Extra flags on every runner command line, as `--name value` pairs (name without dashes), for
   * what a runner task's environment would otherwise carry (tests: --spool-dir, --s3-endpoint).
   * @default - none
   */
  readonly runnerFlags?: Readonly<Record<string, string>>;
}
