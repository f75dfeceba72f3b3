/**
 * Names of the custom CloudWatch metrics this library publishes, shared by the constructs (which
 * alarm on them), the runner (which emits them as Embedded Metric Format lines) and the Lambda
 * handlers. Pure constants: no CDK import, so runner/ and lambda/ may import this file.
 */

/** Emitted by the runner CLI (runner/) for every job, as EMF on stdout. */
export const RUNNER_METRICS = {
  namespace: 'CdkDatabaseDr/Runner',
  /** Dimensions on every runner metric. */
  dimensions: { database: 'Database', engine: 'Engine', job: 'Job' },
  /** 1 on success (0 otherwise). */
  success: 'JobSuccess',
  /** 1 on failure (0 otherwise). */
  failure: 'JobFailure',
  durationSeconds: 'JobDurationSeconds',
  bytesRaw: 'BytesRaw',
  bytesStored: 'BytesStored',
  throughputBytesPerSecond: 'ThroughputBytesPerSecond',
  /** Unix epoch seconds of the last successful job (emitted on success only). */
  lastSuccessEpochSeconds: 'LastSuccessEpochSeconds',
} as const;

/** Emitted by the restore validator Lambda and the runner's restore drills. */
export const VERIFICATION_METRICS = {
  namespace: 'CdkDatabaseDr/Verification',
  dimensions: { database: 'Database' },
  success: 'VerificationSuccess',
  failure: 'VerificationFailure',
  durationSeconds: 'VerificationDurationSeconds',
  /** Measured RTO: time from restore start to a verified, usable copy. */
  measuredRtoSeconds: 'MeasuredRtoSeconds',
  /** Measured RPO of the restore: age of the newest data found in the restored copy. */
  restoredDataAgeSeconds: 'RestoredDataAgeSeconds',
  /** Drills given an RTO objective: 1 when MeasuredRtoSeconds was within it, 0 when not (a failed drill did not meet it). */
  rtoObjectiveMet: 'RtoObjectiveMet',
  /** Drills given an RPO objective: 1 when the restored recovery point was within it of the drill's start, 0 when not. */
  rpoObjectiveMet: 'RpoObjectiveMet',
} as const;

/** Emitted by the measured-RPO Lambda. */
export const RECOVERY_METRICS = {
  namespace: 'CdkDatabaseDr/Recovery',
  dimensions: { database: 'Database', check: 'Check', kind: 'Kind' },
  /** Age in seconds of the newest recovery point the database could be restored from. */
  measuredRpoSeconds: 'MeasuredRpoSeconds',
  /**
   * MeasuredRpoSeconds as a percentage of the database's RPO (dimension Database), published
   * when the configuration gives the RPO: one threshold fits every database, so one
   * multi-time-series alarm watches a whole fleet.
   */
  measuredRpoPercentOfObjective: 'MeasuredRpoPercentOfObjective',
  /**
   * SecondsSinceLastSuccess as a percentage of the check's silence window (dimensions Database,
   * Check and Kind, the alarm kind), published when the configuration gives the window.
   */
  silencePercentOfWindow: 'SilencePercentOfWindow',
  /**
   * Seconds since a success metric (e.g. VerificationSuccess) last counted, dimensions Database
   * and Check: the clock for "no success within N days" when N exceeds the 7 days a CloudWatch
   * alarm can evaluate.
   */
  secondsSinceLastSuccess: 'SecondsSinceLastSuccess',
} as const;
