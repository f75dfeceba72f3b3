/**
 * The contract between the MeasuredRpo construct and the measured-RPO Lambda
 * (lambda/measured-rpo): environment-variable names and the configuration's shape.
 * Pure: no CDK import, so the handler can import it.
 */
import { ENGINES } from '../engines';

/** Environment variables of the measured-RPO Lambda. */
export const MEASURED_RPO_ENV = {
  /** The configuration as JSON (a MeasuredRpoConfig), when it fits in the environment. */
  config: 'MEASURED_RPO_CONFIG',
  /** Name of an SSM String parameter holding the configuration JSON, for large plans. */
  configParameter: 'MEASURED_RPO_CONFIG_PARAMETER',
} as const;

/** Above this size the construct stores the configuration in SSM (Lambda allows 4 KB of environment). */
export const MEASURED_RPO_INLINE_CONFIG_MAX_CHARS = 3000;

/** The runner writes one manifest per complete backup, named so, in the backup's folder. */
export const RUNNER_MANIFEST_NAME = 'manifest.json';

/**
 * Runner engines whose backup is consistent as of its **start** (a snapshot taken when the dump
 * begins), not its stop: for them the manifest's `startedAt` is the recovery point (the engine
 * catalog's `recoveryPointAt`).
 */
export const SNAPSHOT_AT_START_ENGINES: readonly string[] = ENGINES.filter((e) => e.recoveryPointAt === 'start').map((e) => e.name);

/**
 * The value published when a database has no recovery point at all (or none could be read):
 * seconds since the Unix epoch, the age of a recovery point "at the beginning of time". It is
 * larger than any objective, so the alarm breaches; it is never zero.
 */
export function noRecoveryPointAgeSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

/** An AWS Backup vault to search, possibly in another Region or account (copies). */
export interface MeasuredRpoVaultConfig {
  readonly name: string;
  /** @default - the Lambda's Region */
  readonly region?: string;
  /** @default - the Lambda's account */
  readonly accountId?: string;
}

/** Where the runner's manifests or the archived WAL live. */
export interface MeasuredRpoS3Location {
  readonly bucket: string;
  /** Key prefix; the folder that holds the backup folders (manifests) or the archive (WAL). */
  readonly prefix: string;
  /** @default - the Lambda's Region */
  readonly region?: string;
}

/** A success metric whose last non-zero data point the Lambda dates (SecondsSinceLastSuccess). */
export interface SilenceCheckConfig {
  /** The `Check` dimension of the published metric, e.g. `verification-missing`. */
  readonly check: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  /** How far back to search; older successes read as none. */
  readonly lookbackSeconds: number;
  /**
   * The silence window. With `kind`, the Lambda also publishes SilencePercentOfWindow
   * {Database, Check, Kind}: seconds since the last success as a percentage of it.
   * @default - SecondsSinceLastSuccess only
   */
  readonly windowSeconds?: number;
  /** The alarm kind watching the check (the `Kind` dimension), e.g. `runner-silent`. @default - none */
  readonly kind?: string;
}

/** The sources of one database; each present one is measured. */
export interface MeasuredRpoDatabaseConfig {
  /** The database name: the `Database` dimension of the metric. */
  readonly name: string;
  /** AWS Backup recovery points of these resources (RDS DB instance / Aurora cluster ARNs). */
  readonly awsBackup?: {
    readonly resourceArns: string[];
    /** Search these vaults; without it, every vault of the Lambda's Region (ListRecoveryPointsByResource). */
    readonly vaults?: MeasuredRpoVaultConfig[];
  };
  /** RDS `LatestRestorableTime` (point-in-time restore) of an instance or a cluster. */
  readonly rds?: {
    readonly instanceIdentifier?: string;
    readonly clusterIdentifier?: string;
    readonly region?: string;
  };
  /** The runner's newest manifest. */
  readonly manifests?: MeasuredRpoS3Location;
  /** The newest archived WAL segment (pgBackRest or wal-g archive). */
  readonly walArchive?: MeasuredRpoS3Location;
  /** Success metrics to date (published as SecondsSinceLastSuccess, not as the RPO). */
  readonly silenceChecks?: SilenceCheckConfig[];
  /**
   * The database's RPO in seconds: the Lambda also publishes MeasuredRpoPercentOfObjective.
   * @default - MeasuredRpoSeconds only
   */
  readonly rpoSeconds?: number;
}

/** The measured-RPO Lambda's configuration. */
export interface MeasuredRpoConfig {
  readonly databases: MeasuredRpoDatabaseConfig[];
}
