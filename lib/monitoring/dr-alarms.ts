/**
 * One typed method per alarm kind of the catalog. Each builds its metric from the metric
 * factories, spreads the kind's defaults first and the caller's overrides after, and creates the
 * alarm through the one AlarmFactory.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmFactory, AlarmOverrides } from './alarm-factory';
import { AlarmKind, AlarmSeverity } from './alarms/alarm-kind';
import { AURORA_REPLICA_LAG } from './alarms/aurora-replica-lag';
import { BACKUP_JOB_EXPIRED } from './alarms/backup-job-expired';
import { BACKUP_JOB_FAILED } from './alarms/backup-job-failed';
import { BASELINE_CAPTURE_FAILED } from './alarms/baseline-capture-failed';
import { COPY_JOB_FAILED } from './alarms/copy-job-failed';
import { DEAD_LETTERS } from './alarms/dead-letters';
import { DRILL_RTO_EXCEEDED } from './alarms/drill-rto-exceeded';
import type { FleetAlarms } from './fleet-alarms';
import { GLOBAL_RPO_LAG } from './alarms/global-rpo-lag';
import { MEASURED_RPO } from './alarms/measured-rpo';
import { NO_SUCCESSFUL_BACKUP } from './alarms/no-successful-backup';
import { REPLICA_LAG } from './alarms/replica-lag';
import { RESTORE_JOB_FAILED } from './alarms/restore-job-failed';
import { RUNNER_JOB_FAILED } from './alarms/runner-job-failed';
import { RUNNER_SILENT } from './alarms/runner-silent';
import { S3_REPLICATION_FAILED } from './alarms/s3-replication-failed';
import { S3_REPLICATION_LATENCY } from './alarms/s3-replication-latency';
import { VALIDATOR_FAILED } from './alarms/validator-failed';
import { VERIFICATION_FAILED } from './alarms/verification-failed';
import { VERIFICATION_MISSING } from './alarms/verification-missing';
import { BackupJobMetrics, BackupResourceType } from './backup-metrics';
import { RecoveryMetrics } from './recovery-metrics';
import { ReplicationLagMetrics } from './replication-lag-metrics';
import { RunnerJob, RunnerMetrics } from './runner-metrics';
import { S3ReplicationMetrics, S3ReplicationRule } from './s3-replication-metrics';
import { VerificationMetrics } from './verification-metrics';

/** Period × evaluation periods may not exceed 7 days (1 day when the period is under an hour). */
export const MAX_ALARM_WINDOW = Duration.days(7);

/** The AWS Backup job counts of one vault (and resource type), shared by the databases in it. */
export interface VaultAlarmTarget {
  /** The vault name (may be a token). */
  readonly vaultName: string;
  /** The vault as it appears in alarm names and ids (a generated name is a token). */
  readonly vaultLabel: string;
  /**
   * Only jobs of this resource type.
   * @default - every resource type
   */
  readonly resourceType?: BackupResourceType;
  /** The databases whose recovery points go to the vault. */
  readonly databases: string[];
}

/** A success metric whose silence window exceeds what an alarm can evaluate: the measured-RPO Lambda dates it. */
export interface LongSilence {
  /** The database that owns the check. */
  readonly database: string;
  /** The `Check` dimension. */
  readonly check: string;
  /** The success metric. */
  readonly success: cloudwatch.Metric;
  /** The window. */
  readonly window: Duration;
  /**
   * The alarm kind judging it as a percentage of the window (fleet alarms).
   * @default - judged on SecondsSinceLastSuccess
   */
  readonly kind?: string;
}

/** Registers a long silence and returns the `SecondsSinceLastSuccess` metric to alarm on. */
export type LongSilenceHandler = (silence: LongSilence) => cloudwatch.Metric;

/** A window as an alarm can express it: "no data point ≥ 1 in N periods". */
function silenceWindow(window: Duration): { period: Duration; evaluationPeriods: number } {
  const seconds = Math.ceil(window.toSeconds() / 60) * 60;
  if (seconds <= 3600) return { period: Duration.seconds(seconds), evaluationPeriods: 1 };
  return { period: Duration.hours(1), evaluationPeriods: Math.ceil(seconds / 3600) };
}

/** @internal The typed alarm methods over one AlarmFactory (BackupMonitoring's, not public API). */
export class DrAlarms {
  /**
   * @param fleet when given, the per-database conditions (runner job failed and silent, measured
   * RPO, verification failed and missing, drill RTO) go to its multi-time-series alarms, and every
   * silence is dated by the measured-RPO Lambda as a percentage of its window.
   */
  constructor(private readonly factory: AlarmFactory, private readonly longSilence: LongSilenceHandler, private readonly fleet?: FleetAlarms) {}

  /** `backup-job-failed` of one vault and resource type. */
  public backupJobFailed(t: VaultAlarmTarget, o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.vaultCount(BACKUP_JOB_FAILED, t, `an AWS Backup job failed (${jobsIn(t)})`, BackupJobMetrics.backupJobsFailed(t.vaultName, { resourceType: t.resourceType }), o);
  }

  /** `backup-job-expired` of one vault and resource type. */
  public backupJobExpired(t: VaultAlarmTarget, o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.vaultCount(BACKUP_JOB_EXPIRED, t, `an AWS Backup job could not start within its start window (${jobsIn(t)})`, BackupJobMetrics.backupJobsExpired(t.vaultName, { resourceType: t.resourceType }), o, AlarmSeverity.WARNING);
  }

  /** `copy-job-failed` of one vault and resource type. */
  public copyJobFailed(t: VaultAlarmTarget, o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.vaultCount(COPY_JOB_FAILED, t, `a copy of a recovery point to the DR vault failed (${jobsIn(t)})`, BackupJobMetrics.copyJobsFailed(t.vaultName, { resourceType: t.resourceType }), o);
  }

  /** `restore-job-failed` of one vault and resource type. */
  public restoreJobFailed(t: VaultAlarmTarget, o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.vaultCount(RESTORE_JOB_FAILED, t, `a restore (restore test) failed (${jobsIn(t)})`, BackupJobMetrics.restoreJobsFailed(t.vaultName, { resourceType: t.resourceType }), o);
  }

  /** `no-successful-backup` of one vault and resource type within `window`. */
  public noSuccessfulBackup(t: VaultAlarmTarget, window: Duration, o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.silence(NO_SUCCESSFUL_BACKUP, subjectOf(t), AlarmSeverity.CRITICAL, t.databases,
      `no AWS Backup job completed within ${window.toHumanString()} (${jobsIn(t)}): the dead man's switch`,
      (period) => BackupJobMetrics.backupJobsCompleted(t.vaultName, { resourceType: t.resourceType, period }), window, 'jobs', o);
  }

  /** `measured-rpo` of one database at one level (a percentage of its RPO), over `period`. */
  public measuredRpo(database: string, rpo: Duration, severity: AlarmSeverity, percent: number, period: Duration, o: AlarmOverrides = {}): cloudwatch.Alarm | undefined {
    if (this.fleet) return this.fleet._measuredRpo(database, severity);
    return this.factory.createAlarm({
      kind: MEASURED_RPO, subject: database, severity, databases: [database],
      meaning: `the newest recovery point of ${database} is older than ${percent} % of its RPO (${rpo.toHumanString()}); no recovery point at all reads as seconds since 1970`,
      metric: RecoveryMetrics.measuredRpo(database, { period }), threshold: Math.round((percent / 100) * rpo.toSeconds()), thresholdUnit: 'seconds',
      ...o,
    });
  }

  /** `replica-lag` of one RDS read replica at one level. */
  public replicaLag(database: string, replica: string, rpo: Duration, severity: AlarmSeverity, percent: number, o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.factory.createAlarm({
      kind: REPLICA_LAG, subject: `${database}-${replica}`, severity, databases: [database],
      meaning: `read replica ${replica} of ${database} lags more than ${percent} % of the RPO; a failover to it would lose that much`,
      metric: ReplicationLagMetrics.rdsReplicaLag(replica), threshold: (percent / 100) * rpo.toSeconds(), thresholdUnit: 'seconds',
      ...lagPoints(), ...o,
    });
  }

  /** `aurora-replica-lag` of one cluster's readers at one level. */
  public auroraReplicaLag(database: string, cluster: string, rpo: Duration, severity: AlarmSeverity, percent: number, o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.factory.createAlarm({
      kind: AURORA_REPLICA_LAG, subject: database, severity, databases: [database],
      meaning: `Aurora readers of ${cluster} lag more than ${percent} % of the RPO`,
      metric: ReplicationLagMetrics.auroraReplicaLag(cluster), threshold: (percent / 100) * rpo.toSeconds() * 1000, thresholdUnit: 'milliseconds',
      ...lagPoints(), ...o,
    });
  }

  /** `global-rpo-lag` of one Aurora Global Database secondary at one level. */
  public globalRpoLag(database: string, secondary: string, sourceRegion: string | undefined, rpo: Duration, severity: AlarmSeverity, percent: number, o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.factory.createAlarm({
      kind: GLOBAL_RPO_LAG, subject: database, severity, databases: [database],
      meaning: `the Aurora Global Database secondary ${secondary} would lose more than ${percent} % of the RPO in an unplanned failover`,
      metric: ReplicationLagMetrics.auroraGlobalDbRpoLag(secondary, { sourceRegion }), threshold: (percent / 100) * rpo.toSeconds() * 1000, thresholdUnit: 'milliseconds',
      ...lagPoints(), ...o,
    });
  }

  /** `s3-replication-failed` of one replication rule. */
  public s3ReplicationFailed(subject: string, rule: S3ReplicationRule, databases: string[], o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.factory.createAlarm({
      kind: S3_REPLICATION_FAILED, subject, severity: AlarmSeverity.CRITICAL, databases,
      meaning: `objects of ${rule.sourceBucketName} failed to replicate to ${rule.destinationBucketName} (rule ${rule.ruleId})`,
      metric: S3ReplicationMetrics.operationsFailedReplication(rule), threshold: 1, thresholdUnit: 'operations', ...o,
    });
  }

  /** `s3-replication-latency` of one replication rule. */
  public s3ReplicationLatency(subject: string, rule: S3ReplicationRule, databases: string[], latency: Duration, o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.factory.createAlarm({
      kind: S3_REPLICATION_LATENCY, subject, severity: AlarmSeverity.WARNING, databases,
      meaning: `${rule.destinationBucketName} is more than ${latency.toHumanString()} behind ${rule.sourceBucketName} (rule ${rule.ruleId}; Replication Time Control promises 15 minutes)`,
      metric: S3ReplicationMetrics.replicationLatency(rule), threshold: latency.toSeconds(), thresholdUnit: 'seconds', ...o,
    });
  }

  /** `runner-job-failed` of one runner job. */
  public runnerJobFailed(subject: string, job: RunnerJob, o: AlarmOverrides = {}): cloudwatch.Alarm {
    if (this.fleet) return this.fleet._runnerJobFailed(job.database);
    return this.factory.createAlarm({
      kind: RUNNER_JOB_FAILED, subject, severity: AlarmSeverity.CRITICAL, databases: [job.database],
      meaning: `the runner's ${job.job} job (${job.engine}) failed for ${job.database}`,
      metric: RunnerMetrics.jobFailure(job), threshold: 1, thresholdUnit: 'jobs', ...o,
    });
  }

  /** `runner-silent`: no success of one runner job within `window`. */
  public runnerSilent(subject: string, job: RunnerJob, window: Duration, o: AlarmOverrides = {}): cloudwatch.Alarm {
    if (this.fleet) {
      this.fleetSilence(RUNNER_SILENT, subject, job.database, (period) => RunnerMetrics.jobSuccess(job, { period }), window);
      return this.fleet._runnerSilent(job.database);
    }
    return this.silence(RUNNER_SILENT, subject, AlarmSeverity.CRITICAL, [job.database],
      `the runner's ${job.job} job (${job.engine}) has not succeeded for ${job.database} within ${window.toHumanString()}`,
      (period) => RunnerMetrics.jobSuccess(job, { period }), window, 'jobs', o);
  }

  /** `verification-failed` of one database (restore tests and drills publish the same metric). */
  public verificationFailed(database: string, o: AlarmOverrides = {}): cloudwatch.Alarm {
    if (this.fleet) return this.fleet._verificationFailed(database);
    return this.factory.createAlarm({
      kind: VERIFICATION_FAILED, subject: database, severity: AlarmSeverity.CRITICAL, databases: [database],
      meaning: `a restore verification of ${database} failed: its backups may not be restorable`,
      metric: VerificationMetrics.failure(database), threshold: 1, thresholdUnit: 'verifications', ...o,
    });
  }

  /** `verification-missing`: no successful verification of one database within `window`. */
  public verificationMissing(database: string, window: Duration, o: AlarmOverrides = {}): cloudwatch.Alarm {
    if (this.fleet) {
      this.fleetSilence(VERIFICATION_MISSING, database, database, (period) => VerificationMetrics.success(database, { period }), window);
      return this.fleet._verificationMissing(database);
    }
    return this.silence(VERIFICATION_MISSING, database, AlarmSeverity.WARNING, [database],
      `no restore verification of ${database} succeeded within ${window.toHumanString()}`,
      (period) => VerificationMetrics.success(database, { period }), window, 'verifications', o);
  }

  /** `drill-rto-exceeded`: a verified restore of one database took longer than its RTO (drill start, or restore job start, to verified). */
  public drillRtoExceeded(database: string, rto: Duration, o: AlarmOverrides = {}): cloudwatch.Alarm {
    if (this.fleet) return this.fleet._drillRtoExceeded(database);
    return this.factory.createAlarm({
      kind: DRILL_RTO_EXCEEDED, subject: database, severity: AlarmSeverity.WARNING, databases: [database],
      meaning: `a recovery drill of ${database} took longer than its RTO of ${rto.toHumanString()} to a verified copy`,
      // One datapoint per drill: an hour-long period keeps the breach visible after the drill ends.
      metric: VerificationMetrics.measuredRto(database, { period: Duration.hours(1) }), threshold: rto.toSeconds(), thresholdUnit: 'seconds', ...o,
    });
  }

  /** `validator-failed`: errors of a restore validator function. */
  public validatorFailed(subject: string, errors: cloudwatch.Metric, databases: string[], o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.factory.createAlarm({
      kind: VALIDATOR_FAILED, subject, severity: AlarmSeverity.CRITICAL, databases,
      meaning: 'the restore validator could not deliver a verdict (AWS Backup shows no validation result)',
      metric: errors, threshold: 1, thresholdUnit: 'errors', ...o,
    });
  }

  /** `baseline-capture-failed`: errors of a baseline capture function. */
  public baselineCaptureFailed(subject: string, errors: cloudwatch.Metric, databases: string[], o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.factory.createAlarm({
      kind: BASELINE_CAPTURE_FAILED, subject, severity: AlarmSeverity.CRITICAL, databases,
      meaning: 'baseline capture failed: restore tests and drills compare with a stale or missing baseline',
      metric: errors, threshold: 1, thresholdUnit: 'errors', ...o,
    });
  }

  /** `dead-letters`: events waiting in a function's dead-letter queue. */
  public deadLetters(subject: string, what: string, visible: cloudwatch.Metric, databases: string[], o: AlarmOverrides = {}): cloudwatch.Alarm {
    return this.factory.createAlarm({
      kind: DEAD_LETTERS, subject, severity: AlarmSeverity.CRITICAL, databases,
      meaning: `${what}: events that failed every retry are waiting in the dead-letter queue`,
      metric: visible, threshold: 1, thresholdUnit: 'messages', ...o,
    });
  }

  /** A silence the measured-RPO Lambda dates and publishes as a percentage of its window, for the fleet alarm of `kind`. */
  private fleetSilence(kind: AlarmKind, subject: string, database: string, success: (period: Duration) => cloudwatch.Metric, window: Duration): void {
    this.longSilence({ database, check: checkOf(kind, subject, database), success: success(Duration.minutes(5)), window, kind: kind.id });
  }

  private vaultCount(kind: AlarmKind, t: VaultAlarmTarget, meaning: string, metric: cloudwatch.Metric, o: AlarmOverrides,
    severity = AlarmSeverity.CRITICAL): cloudwatch.Alarm {
    return this.factory.createAlarm({ kind, subject: subjectOf(t), severity, databases: t.databases, meaning, metric, threshold: 1, thresholdUnit: 'jobs', ...o });
  }

  /**
   * "No success within the window": a native alarm (all periods empty, missing data breaching)
   * when CloudWatch can evaluate the window (≤ 7 days); beyond that, the measured-RPO Lambda dates
   * the last success from the metric's history and the alarm watches its SecondsSinceLastSuccess.
   */
  private silence(kind: AlarmKind, subject: string, severity: AlarmSeverity, databases: string[], meaning: string,
    success: (period: Duration) => cloudwatch.Metric, window: Duration, unit: string, o: AlarmOverrides): cloudwatch.Alarm {
    if (window.toSeconds() <= MAX_ALARM_WINDOW.toSeconds()) {
      const w = silenceWindow(window);
      return this.factory.createAlarm({ kind, subject, severity, databases, meaning, metric: success(w.period),
        threshold: 1, thresholdUnit: unit, evaluationPeriods: w.evaluationPeriods, ...o });
    }
    const owner = databases[0];
    const metric = this.longSilence({ database: owner, check: checkOf(kind, subject, owner), success: success(Duration.minutes(5)), window });
    return this.factory.createAlarm({ kind, subject, severity, databases,
      meaning: `${meaning} (dated by the measured-RPO Lambda: the window exceeds the 7 days an alarm can evaluate)`,
      metric, threshold: window.toSeconds(), thresholdUnit: 'seconds', comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, ...o });
  }
}

/** The `Check` dimension of a silence the measured-RPO Lambda dates: the kind, prefixed by the subject when it is not the database. */
function checkOf(kind: AlarmKind, subject: string, database: string): string {
  return subject === database ? kind.id : `${subject}-${kind.id}`;
}

/** Replica lag is judged over 3 consecutive 1-minute data points, so a single spike does not page. */
function lagPoints(): AlarmOverrides {
  return { evaluationPeriods: 3, datapointsToAlarm: 3 };
}

function subjectOf(t: VaultAlarmTarget): string {
  return t.resourceType ? `${t.vaultLabel}-${t.resourceType.value}` : t.vaultLabel;
}

function jobsIn(t: VaultAlarmTarget): string {
  return `${t.resourceType ? `${t.resourceType.value} ` : ''}jobs in vault ${t.vaultName}`;
}
