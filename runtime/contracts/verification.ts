/**
 * The contract between the RestoreVerification construct and its two Lambda handlers: the
 * environment-variable names and the JSON each one holds. Pure types and constants (no CDK
 * import), so the handlers import this file too.
 */

/** Environment variables of the restore validator Lambda. */
export const VALIDATOR_ENV = {
  /** JSON of ValidatorConfig. */
  config: 'VERIFICATION_CONFIG',
} as const;

/** Environment variables of the baseline capture Lambda. */
export const BASELINE_ENV = {
  /** JSON of BaselineCaptureConfig. */
  config: 'BASELINE_CONFIG',
} as const;

export type VerifiedEngineName = 'postgres' | 'mysql';

export interface UserCheckConfig {
  readonly name: string;
  readonly sql: string;
  readonly expect: 'equals' | 'atLeast' | 'notEmpty' | 'newerThan';
  readonly value?: string | number;
}

/** Where baselines live: `s3://bucket/<prefix><database>/baseline.json`, SSE-KMS with kmsKeyArn. */
export interface BaselineStoreConfig {
  readonly bucket: string;
  readonly prefix: string;
  readonly kmsKeyArn: string;
}

export function baselineKey(prefix: string, database: string): string {
  return `${prefix}${database}/baseline.json`;
}

export interface ValidatorDatabaseConfig {
  /** Logical name: metric dimension and baseline key. */
  readonly name: string;
  readonly engine: VerifiedEngineName;
  /**
   * ARN of the protected RDS instance or Aurora cluster (the restore job's SourceResourceArn, which
   * tells apart the databases of one shared restore testing selection); for
   * a database selected by tags, the ARN pattern of its resource type (`arn:*:rds:*:*:db:*`, `…:cluster:*`).
   */
  readonly sourceArn: string;
  /**
   * A database selected by tags: a restore whose source carries all these tags (and is of the
   * resource type of `sourceArn`) belongs to it.
   */
  readonly sourceTags?: { readonly [key: string]: string };
  /** Secret holding the source's master credentials, which the restored copy keeps. */
  readonly secretArn: string;
  /** SQL database to connect to. */
  readonly databaseName: string;
}

export interface ValidatorConfig {
  /** Restore jobs created by any other restore testing plan are ignored. */
  readonly restoreTestingPlanArn: string;
  readonly restoreTestingPlanName: string;
  readonly store: BaselineStoreConfig;
  /** TLS with certificate verification to the restored instance (false only in tests on loopback). */
  readonly tls: boolean;
  readonly rowCountAbsoluteTolerance: number;
  readonly rowCountGrowthRatePerDay: number;
  readonly databases: ValidatorDatabaseConfig[];
}

export interface BaselineDatabaseConfig {
  readonly name: string;
  readonly engine: VerifiedEngineName;
  /** Secret of the read-only user on production (username, password; host/port/dbname when present). */
  readonly secretArn: string;
  /** Production endpoint; falls back to the secret's host/port. */
  readonly host?: string;
  readonly port?: number;
  readonly databaseName: string;
  readonly largestTables: number;
  readonly userChecks: UserCheckConfig[];
}

export interface BaselineCaptureConfig {
  readonly store: BaselineStoreConfig;
  readonly tls: boolean;
  readonly databases: BaselineDatabaseConfig[];
}
