/**
 * The plan file, loaded and normalized: camelCase, defaults applied, the schedule parsed.
 * Pure types (no CDK import) so the CLI, the runner and tests can share them.
 */

/** Database engines a plan may name. */
export enum DatabaseEngine {
  POSTGRES = 'postgres',
  MYSQL = 'mysql',
  MARIADB = 'mariadb',
  MONGODB = 'mongodb',
}

/** Where the database runs. */
export enum DeploymentKind {
  /** An RDS DB instance. */
  RDS = 'rds',
  /** An Aurora DB cluster. */
  AURORA = 'aurora',
  /** The engine on EC2 (or elsewhere reachable), backed up by the runner task. */
  SELF_MANAGED = 'self-managed',
}

/** Continuous log archiving tool for self-managed databases. */
export enum ArchiveTool {
  PGBACKREST = 'pgbackrest',
  WAL_G = 'wal-g',
  BINLOG = 'binlog',
  OPLOG = 'oplog',
  NONE = 'none',
}

/** Whether AWS Backup continuous backup (PITR) is used for an RDS/Aurora database. */
export enum ContinuousBackupMode {
  /** Enabled when the RPO is shorter than the scheduled snapshot interval. */
  AUTO = 'auto',
  ENABLED = 'enabled',
  DISABLED = 'disabled',
}

export enum VaultLockMode {
  GOVERNANCE = 'governance',
  COMPLIANCE = 'compliance',
}

/** How the AWS Backup selection finds an RDS/Aurora database. */
export enum SelectionMode {
  /** Names the database by ARN (cdk-nag RDSInBackupPlan needs this). */
  ARN = 'arn',
  /** Every tag of the database's `tags` must match (AND semantics). */
  TAGS = 'tags',
}

export interface VaultLockConfig {
  readonly mode: VaultLockMode;
  readonly minRetentionDays: number;
  /** @default - no maximum */
  readonly maxRetentionDays?: number;
  /**
   * Compliance mode only.
   * @default - none (governance mode)
   */
  readonly changeableForHours?: number;
}

export interface HostConfig {
  readonly address: string;
  readonly port: number;
  /** Secrets Manager ARN of the backup user's credentials. */
  readonly secretArn: string;
  /** Databases to dump; empty means all. */
  readonly databaseNames: string[];
  /** Database user the runner connects as. */
  readonly user: string;
  /** PostgreSQL data directory on the host (pgBackRest pg1-path). */
  readonly pgDataPath: string;
  /**
   * pgBackRest: the runner's TLS identity for the host's `pgbackrest server`.
   * @default - not set in the plan (`host.tls_secret_arn`)
   */
  readonly tlsSecretArn?: string;
}

/** The VPC of runner tasks, drills, the validator and restored instances, by ids. */
export interface NetworkConfig {
  readonly vpcId: string;
  readonly availabilityZones: string[];
  readonly privateSubnetIds: string[];
}

/** How a plan check judges its query's result. */
export enum CheckExpect {
  EQUALS = 'equals',
  AT_LEAST = 'at_least',
  NOT_EMPTY = 'not_empty',
  NEWER_THAN = 'newer_than',
}

export interface PlanVerificationCheck {
  readonly name: string;
  readonly sql: string;
  readonly expect: CheckExpect;
  /**
   * Expected value (equals) or minimum (at_least); undefined = production's value at baseline time.
   * @default - production's value at baseline time
   */
  readonly expected?: string;
  /**
   * newer_than: largest allowed age of the newest row before the restore point.
   * @default - not set (only `newer_than` checks use it)
   */
  readonly maxAgeMinutes?: number;
}

export interface VerificationConfig {
  readonly scheduleCron: string;
  readonly maxAgeDays: number;
  readonly checks: PlanVerificationCheck[];
  /**
   * SQL database the checks connect to.
   * @default - the host's first database name, else the database's name
   */
  readonly databaseName?: string;
  /**
   * rds/aurora: master credentials (kept by the restored copy).
   * @default - not set in the plan
   */
  readonly masterSecretArn?: string;
  /**
   * rds/aurora: read-only user on production for the baseline.
   * @default - not set in the plan
   */
  readonly readOnlySecretArn?: string;
}

/** Retention of the scheduled backups, grandfather-father-son. */
export interface GfsRetention {
  /** Days each scheduled backup is kept. */
  readonly dailyDays: number;
  /** Number of weekly backups kept (0 = no weekly tier). Each is kept weeks x 7 days. */
  readonly weeklyCount: number;
  /** Number of monthly backups kept (0 = no monthly tier). Each is kept months x 31 days. */
  readonly monthlyCount: number;
}

export interface DatabaseConfig {
  /** Position in the plan's `databases` array, for messages (`databases[2]`). */
  readonly index: number;
  readonly name: string;
  readonly engine: DatabaseEngine;
  readonly deployment: DeploymentKind;
  readonly rpoMinutes: number;
  readonly rtoMinutes: number;
  /** AWS cron expression of the scheduled backup. */
  readonly scheduleCron: string;
  readonly retention: GfsRetention;
  /**
   * Undefined when the plan does not say.
   * @default - not given in the plan
   */
  readonly sizeGb?: number;
  readonly continuousBackup: ContinuousBackupMode;
  /**
   * Scheduled logical dumps by the runner; undefined = the default rule of `decideTiers`.
   * @default - the default rule of `decideTiers`
   */
  readonly logicalBackup?: boolean;
  readonly archive: ArchiveTool;
  readonly archiveTimeoutSeconds: number;
  /** @default - not set: the app passes the instance or cluster construct it defines */
  readonly existingResourceArn?: string;
  /** @default - not set in the plan (`host`) */
  readonly host?: HostConfig;
  /** @default - no restore verification of this database */
  readonly verification?: VerificationConfig;
  /** The plan's tags merged with the database's own (the database wins). */
  readonly tags: { [key: string]: string };
  /**
   * How the AWS Backup selection finds an rds/aurora database: `arn` when the plan says so or
   * gives `existing_resource_arn` (the default), otherwise `tags`.
   */
  readonly selection: SelectionMode;
  /**
   * The tags the AWS Backup selection matches, all of them (AND); empty when it names the ARN.
   * `selection: "tags"`: every tag of `tags`. No ARN and no `selection`: the database's own tags,
   * or `cdk-database-dr:database=<name>` when it has none.
   */
  readonly selectionTags: { [key: string]: string };
}

export interface BackupPlanConfig {
  /** The file (or other source) the plan came from, for messages. */
  readonly sourceName: string;
  readonly name: string;
  readonly primaryRegion: string;
  readonly drRegion: string;
  /** @default - not set in the plan (`account`) */
  readonly account?: string;
  /** @default - not set in the plan (`dr_account`) */
  readonly drAccount?: string;
  /** @default - no cross-account copy (`dr_vault_arn` not set) */
  readonly drVaultArn?: string;
  readonly tags: { [key: string]: string };
  /** @default - not set in the plan: the vaults keep BackupVault's default lock (governance, 7 days minimum) */
  readonly vaultLock?: VaultLockConfig;
  /** @default - no e-mail subscription (`alarm_email` not set) */
  readonly alarmEmail?: string;
  /** @default - not set in the plan (`sns_topic_arn`) */
  readonly snsTopicArn?: string;
  readonly auditEnabled: boolean;
  /**
   * Where tasks, functions and restored instances run; required by runners and verification.
   * @default - not set in the plan (`network`)
   */
  readonly network?: NetworkConfig;
  /**
   * Where a recovery runs in the DR Region: restore tasks and instances restored from the DR vault.
   * @default - not set in the plan (`dr_network`): no ECS cluster or security group in the DR Region
   */
  readonly drNetwork?: NetworkConfig;
  /**
   * URI of a pre-built runner image (tag or digest) to run instead of building the bundled Dockerfile.
   * @default - the bundled Dockerfile, built at deploy time
   */
  readonly runnerImage?: string;
  readonly databases: DatabaseConfig[];
}

/** Defaults applied by the loader, in one place so the docs and the code agree. */
export const PLAN_DEFAULTS = {
  name: 'database-dr',
  archiveTimeoutSeconds: 60,
  verificationScheduleCron: 'cron(0 5 ? * SUN *)',
  verificationMaxAgeDays: 8,
  auditEnabled: true,
  hostUser: 'backup',
  pgDataPath: '/var/lib/postgresql/15/main',
  /** The tag that selects an rds/aurora database that has neither an ARN nor tags of its own. */
  selectionTagKey: 'cdk-database-dr:database',
} as const;

/** The deployment of a database entry without one: MongoDB runs self-managed only, the others default to RDS. */
export function defaultDeployment(dbType: string): DeploymentKind {
  return dbType === DatabaseEngine.MONGODB ? DeploymentKind.SELF_MANAGED : DeploymentKind.RDS;
}

/** The name of a database entry without one: `<db_type>-<position>`, e.g. `postgres-1`. */
export function defaultDatabaseName(dbType: string, index: number): string {
  return `${dbType}-${index + 1}`;
}

/** `databases[2]` — the JSON path of a database, for messages. */
export function databasePath(db: { index: number }): string {
  return `databases[${db.index}]`;
}

/** `"orders" (postgres, rds)` — how messages name a database. */
export function databaseLabel(db: { name: string; engine: string; deployment: string }): string {
  return `"${db.name}" (${db.engine}, ${db.deployment})`;
}
