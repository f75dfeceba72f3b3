/**
 * BackupMonitoring: the alarms and the dashboard of a backup plan. Silence is not success: every
 * "nothing happened" (no backup, no runner success, no verification, no measured RPO) is an
 * alarm with missing data treated as breaching.
 *
 * Metrics come from the factories in this folder; this construct only adds alarms, their one
 * SNS topic, the measured-RPO Lambda and the dashboard. Thresholds are documented in
 * lib/monitoring/README.md.
 */
import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { BackupJobMetrics, BackupResourceType } from './backup-metrics';
import { BackupLocation, MeasuredRpo, MeasuredRpoDatabase, MeasuredRpoVault, SilenceCheck } from './measured-rpo';
import { RecoveryMetrics } from './recovery-metrics';
import { ReplicationLagMetrics } from './replication-lag-metrics';
import { RunnerMetrics } from './runner-metrics';
import { S3ReplicationMetrics, S3ReplicationRule } from './s3-replication-metrics';
import { VerificationMetrics } from './verification-metrics';

/** How urgent an alarm is. Both go to the same topic; the severity is in the name and description. */
export enum AlarmSeverity {
  /** Act within the working day: the objective is at risk. */
  WARNING = 'Warning',
  /** Act now: the objective is missed or a backup failed. */
  CRITICAL = 'Critical',
}

/** One severity level of an alarm whose threshold is a share of an objective (RPO). */
export interface ObjectiveAlarmLevel {
  /** The threshold, as a percentage of the objective (100 = the objective itself). */
  readonly percentOfObjective: number;
  /**
   * Whether to create this level's alarm.
   * @default true
   */
  readonly enabled?: boolean;
}

/** Warning and Critical levels of an objective-derived alarm. */
export interface ObjectiveAlarmOptions {
  /**
   * The Warning level.
   * @default - see the alarm's documentation
   */
  readonly warning?: ObjectiveAlarmLevel;
  /**
   * The Critical level.
   * @default - see the alarm's documentation
   */
  readonly critical?: ObjectiveAlarmLevel;
}

/** An S3 replication rule that copies a database's backups to another Region. */
export interface MonitoredS3Replication extends S3ReplicationRule {
  /**
   * Alarm when `ReplicationLatency` exceeds this.
   * @default Duration.minutes(15) - the Replication Time Control objective
   */
  readonly latencyThreshold?: Duration;
}

/** The runner's jobs for a database. */
export interface MonitoredRunner {
  /** The engine the runner runs (`--engine`), a dimension of its metrics. */
  readonly engine: string;
  /**
   * The runner commands to watch for failures and silence.
   * @default ['backup']
   */
  readonly jobs?: string[];
  /**
   * The longest expected time between two successful runs of each job: the runner-silence alarm
   * fires when no job succeeds within it.
   * @default - the database's backupInterval
   */
  readonly interval?: Duration;
}

/** Restore verification of a database. */
export interface MonitoredVerification {
  /**
   * The longest expected time between two successful verifications: the missing-verification
   * alarm fires when none succeeds within it (at most 7 days, CloudWatch's evaluation limit).
   */
  readonly maxAge: Duration;
  /**
   * Whether verification restores through AWS Backup restore testing, whose restore jobs then
   * count in the database's vaults (alarm on failed restore jobs).
   * @default true when the database has backupVaultNames
   */
  readonly awsBackupRestoreTesting?: boolean;
}

/** One protected database and what protects it. */
export interface MonitoredDatabase {
  /** The database name, as the runner and the verification publish it (`Database` dimension). */
  readonly name: string;
  /** Recovery point objective: the most data, in time, the database may lose. */
  readonly rpo: Duration;
  /** Recovery time objective: the longest a restore may take. Drawn on the dashboard. */
  readonly rto: Duration;
  /**
   * AWS Backup vaults that receive this database's recovery points in this Region: failed
   * backup/copy jobs and the no-successful-backup alarm are per vault.
   * @default - no AWS Backup alarms
   */
  readonly backupVaultNames?: string[];
  /**
   * The AWS Backup `ResourceType` of the database, to count only its jobs in a shared vault.
   * @default - RDS for rdsInstanceIdentifier, AURORA for auroraClusterIdentifier, else every type
   */
  readonly backupResourceType?: BackupResourceType;
  /**
   * The longest expected time between two successful AWS Backup jobs (the snapshot schedule,
   * plus its start and completion windows): the no-successful-backup alarm fires when no backup
   * job completes within it.
   * @default - the rpo
   */
  readonly backupInterval?: Duration;
  /**
   * Copy vaults (DR Region or account) whose recovery points also count for the measured RPO.
   * @default - none
   */
  readonly copyVaults?: MeasuredRpoVault[];
  /**
   * The RDS DB instance (PITR and AWS Backup recovery points for the measured RPO).
   * @default - none
   */
  readonly rdsInstanceIdentifier?: string;
  /**
   * RDS read replicas of the instance whose `ReplicaLag` is alarmed.
   * @default - none
   */
  readonly rdsReadReplicaIdentifiers?: string[];
  /**
   * The Aurora DB cluster.
   * @default - none
   */
  readonly auroraClusterIdentifier?: string;
  /**
   * Whether the Aurora cluster has reader instances (alarm on `AuroraReplicaLag`).
   * @default false
   */
  readonly auroraHasReaders?: boolean;
  /**
   * The Aurora Global Database secondary cluster in **this stack's Region** (its
   * `AuroraGlobalDBRPOLag` is alarmed; the metric exists only in the secondary's Region).
   * @default - none
   */
  readonly globalSecondaryClusterIdentifier?: string;
  /**
   * The primary cluster's Region, the `SourceRegion` dimension of the global lag metrics.
   * @default - no SourceRegion dimension
   */
  readonly globalSourceRegion?: string;
  /**
   * Whether to alarm on replication lag. Setting true for a database without a replica is an error.
   * @default true when the database has a replica (read replicas, readers, a global secondary)
   */
  readonly replicaLagAlarm?: boolean;
  /**
   * S3 replication of the database's backup bucket to the DR Region.
   * @default - none
   */
  readonly s3Replication?: MonitoredS3Replication;
  /**
   * The runner's jobs for this database.
   * @default - no runner alarms
   */
  readonly runner?: MonitoredRunner;
  /**
   * Further runner engines of this database (e.g. pgBackRest beside pg_dump): each gets the same
   * failure and silence alarms, named with its engine.
   * @default - none
   */
  readonly additionalRunners?: MonitoredRunner[];
  /**
   * The runner's backup folders (manifests), a measured-RPO source.
   * @default - none
   */
  readonly runnerBackups?: BackupLocation;
  /**
   * The pgBackRest / wal-g WAL archive, a measured-RPO source.
   * @default - none
   */
  readonly walArchive?: BackupLocation;
  /**
   * Restore verification of this database.
   * @default - no verification alarms
   */
  readonly verification?: MonitoredVerification;
}

/** Properties of BackupMonitoring. */
export interface BackupMonitoringProps {
  /** The plan's name: prefixes alarm names and names the dashboard (letters, digits, - and _). */
  readonly planName: string;
  /** The databases of the plan. */
  readonly databases: MonitoredDatabase[];
  /**
   * The topic every alarm notifies (ALARM and OK). A topic you bring must let
   * cloudwatch.amazonaws.com publish (and use its KMS key).
   * @default - a new KMS-encrypted, SSL-only topic
   */
  readonly topic?: sns.ITopic;
  /**
   * The key for the new topic and the measured-RPO logs.
   * @default - a new KMS key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Base of the runbook links in alarm descriptions: each alarm links `<base><alarm kind>.md`.
   * @default 'runbooks/' - the runbooks generated into the repository's docs
   */
  readonly runbookBaseUrl?: string;
  /**
   * How often the measured-RPO Lambda runs. The measured-RPO alarm's period is twice this, and
   * may not exceed any database's RPO.
   * @default - 5 minutes, or the whole minutes that fit twice into the shortest RPO (at least 1)
   */
  readonly measuredRpoInterval?: Duration;
  /**
   * Measured-RPO alarm levels.
   * @default - Warning at 80 %, Critical at 100 % of the RPO
   */
  readonly measuredRpoAlarm?: ObjectiveAlarmOptions;
  /**
   * Replication-lag alarm levels.
   * @default - Warning at 50 %, Critical at 100 % of the RPO
   */
  readonly replicaLagAlarm?: ObjectiveAlarmOptions;
  /**
   * Whether alarm actions are enabled. False leaves every alarm without an action (a warning).
   * @default true
   */
  readonly actionsEnabled?: boolean;
  /**
   * Whether to create the dashboard.
   * @default true
   */
  readonly dashboard?: boolean;
}

/** One alarm, for reports and runbooks. */
export interface AlarmDescription {
  /** The alarm's name. */
  readonly alarmName: string;
  /** The alarm's kind; its runbook is `<runbookBaseUrl><kind>.md`. */
  readonly kind: string;
  /** Warning or Critical. */
  readonly severity: AlarmSeverity;
  /** The databases it watches. */
  readonly databases: string[];
  /** What it means when it fires. */
  readonly meaning: string;
  /** `Namespace MetricName {dimensions}`. */
  readonly metric: string;
  /** The statistic. */
  readonly statistic: string;
  /** The comparison, e.g. GreaterThanThreshold. */
  readonly comparisonOperator: string;
  /** The threshold, in the metric's unit. */
  readonly threshold: number;
  /** The metric's unit, for reading the threshold. */
  readonly thresholdUnit: string;
  /** The period, in seconds. */
  readonly periodSeconds: number;
  /** Evaluation periods. */
  readonly evaluationPeriods: number;
  /** Data points that must breach within the evaluation periods. */
  readonly datapointsToAlarm: number;
  /** How missing data is treated. */
  readonly treatMissingData: string;
  /** The runbook link. */
  readonly runbook: string;
}

interface AlarmSpec {
  readonly subject: string;
  readonly kind: string;
  readonly severity: AlarmSeverity;
  readonly databases: string[];
  readonly meaning: string;
  readonly metric: cloudwatch.Metric;
  readonly threshold: number;
  readonly thresholdUnit: string;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
}

/** AWS Backup publishes job counts every 5 minutes: the shortest window an alarm can resolve. */
const AWS_BACKUP_RESOLUTION = Duration.minutes(5);
/** EMF metrics from the runner and the verification resolve to the minute. */
const CUSTOM_METRIC_RESOLUTION = Duration.minutes(1);
/** Period × evaluation periods may not exceed 7 days (1 day when the period is under an hour). */
const MAX_ALARM_WINDOW = Duration.days(7);
/** Longer silence windows are dated by the measured-RPO Lambda from metric history (15 months kept; one day of lookback margin). */
const MAX_SILENCE_WINDOW = Duration.days(454);
/** Replica lag is judged over 3 consecutive 1-minute data points, so a single spike does not page. */
const LAG_POINTS = 3;

const DEFAULT_MEASURED_RPO_LEVELS = { warning: 80, critical: 100 };
const DEFAULT_LAG_LEVELS = { warning: 50, critical: 100 };

/** A window as an alarm can express it: "no data point ≥ 1 in N periods". */
function silenceWindow(window: Duration): { period: Duration; evaluationPeriods: number } {
  const seconds = Math.ceil(window.toSeconds() / 60) * 60;
  if (seconds <= 3600) return { period: Duration.seconds(seconds), evaluationPeriods: 1 };
  return { period: Duration.hours(1), evaluationPeriods: Math.ceil(seconds / 3600) };
}

/**
 * Alarms (Warning/Critical, to one SNS topic) and a dashboard for the databases of one backup
 * plan, plus the measured-RPO Lambda they rely on.
 */
export class BackupMonitoring extends Construct {
  /** The topic every alarm notifies. */
  public readonly topic: sns.ITopic;
  /** Every alarm created. */
  public readonly alarms: cloudwatch.IAlarm[] = [];
  /** The measured-RPO Lambda (absent when no database has a recovery-point source). */
  public readonly measuredRpo?: MeasuredRpo;
  /** The dashboard (absent when `dashboard: false`). */
  public readonly dashboard?: cloudwatch.Dashboard;

  private readonly descriptions: AlarmDescription[] = [];
  private readonly alarmsByDatabase = new Map<string, cloudwatch.IAlarm[]>();
  private readonly planName: string;
  private readonly runbookBaseUrl: string;
  private readonly actionsEnabled: boolean;
  private readonly measuredRpoInterval: Duration;
  private readonly measuredRpoWarningPercent?: number;
  private readonly silenceChecks = new Map<string, SilenceCheck[]>();

  constructor(scope: Construct, id: string, props: BackupMonitoringProps) {
    super(scope, id);
    this.planName = props.planName;
    this.runbookBaseUrl = props.runbookBaseUrl ?? 'runbooks/';
    this.actionsEnabled = props.actionsEnabled ?? true;
    this.measuredRpoInterval = props.measuredRpoInterval ?? defaultMeasuredRpoInterval(props.databases);
    this.measuredRpoWarningPercent = levels(props.measuredRpoAlarm, DEFAULT_MEASURED_RPO_LEVELS).warning;

    const problems = this.check(props);
    if (problems.length > 0) throw new ConfigurationError(`BackupMonitoring '${props.planName}'`, problems);

    let key = props.encryptionKey;
    if (props.topic) {
      this.topic = props.topic;
    } else {
      key = key ?? new kms.Key(this, 'Key', { enableKeyRotation: true, description: `Encrypts the ${props.planName} backup alarm topic and logs` });
      // CloudWatch alarms publish to an encrypted topic only when they may use its key.
      key.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }));
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: `${props.planName} backup and DR alarms`,
        masterKey: key,
        enforceSSL: true,
      });
    }

    this.addVaultAlarms(props.databases);
    for (const db of props.databases) {
      if (hasRecoveryPointSource(db)) this.addMeasuredRpoAlarms(db, props.measuredRpoAlarm);
      else Annotations.of(this).addWarningV2('@cdk-database-dr/monitoring:no-measured-rpo', `database '${db.name}' has no recovery-point source for the measured RPO (set rdsInstanceIdentifier, auroraClusterIdentifier, runnerBackups or walArchive): its RPO is not measured`);
      this.addReplicaLagAlarms(db, props.replicaLagAlarm);
      if (db.s3Replication) this.addS3ReplicationAlarms(db, db.s3Replication);
      if (db.runner) this.addRunnerAlarms(db, db.runner, false);
      for (const extra of db.additionalRunners ?? []) this.addRunnerAlarms(db, extra, true);
      if (db.verification) this.addVerificationAlarms(db, db.verification);
      if (!this.actionsEnabled) {
        Annotations.of(this).addWarningV2('@cdk-database-dr/monitoring:alarm-without-action', `database '${db.name}': actionsEnabled is false, so its ${this.alarmsByDatabase.get(db.name)?.length ?? 0} alarm(s) have no action and page no one`);
      }
    }

    // The Lambda measures the RPO of databases with a recovery-point source, and dates the
    // successes of silence windows too long for an alarm.
    const measured = props.databases.filter((d) => hasRecoveryPointSource(d) || this.silenceChecks.has(d.name));
    if (measured.length > 0) {
      this.measuredRpo = new MeasuredRpo(this, 'MeasuredRpo', {
        interval: this.measuredRpoInterval,
        encryptionKey: key,
        databases: measured.map((d): MeasuredRpoDatabase => ({
          name: d.name,
          rdsInstanceIdentifier: d.auroraClusterIdentifier ? undefined : d.rdsInstanceIdentifier,
          auroraClusterIdentifier: d.auroraClusterIdentifier,
          awsBackup: (d.backupVaultNames?.length ?? 0) > 0 || (d.copyVaults?.length ?? 0) > 0,
          backupVaults: [...(d.backupVaultNames ?? []).map((vaultName) => ({ vaultName })), ...(d.copyVaults ?? [])],
          runnerBackups: d.runnerBackups,
          walArchive: d.walArchive,
          silenceChecks: this.silenceChecks.get(d.name),
        })),
      });
    }

    if (props.dashboard ?? true) this.dashboard = this.buildDashboard(props.databases);
  }

  /** Name, metric, threshold, period and missing-data treatment of every alarm. */
  public describeAlarms(): AlarmDescription[] {
    return [...this.descriptions];
  }

  /** The alarms that watch one database. */
  public alarmsFor(database: string): cloudwatch.IAlarm[] {
    return [...(this.alarmsByDatabase.get(database) ?? [])];
  }

  // -------------------------------------------------------------------------------------------
  // Validation: every problem at once, naming the database and the setting.

  private check(props: BackupMonitoringProps): string[] {
    const problems: string[] = [];
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(props.planName)) problems.push(`planName must be 1-100 letters, digits, - or _, got '${props.planName}'`);
    if (props.databases.length === 0) problems.push('databases is empty: nothing to monitor');
    const interval = this.measuredRpoInterval;
    if (interval.isUnresolved() || interval.toSeconds() < 60 || interval.toSeconds() % 60 !== 0) {
      problems.push(`measuredRpoInterval must be a whole number of minutes of at least 1, got ${interval.toHumanString()}`);
    }
    for (const [name, opts] of [['measuredRpoAlarm', props.measuredRpoAlarm], ['replicaLagAlarm', props.replicaLagAlarm]] as const) {
      for (const level of ['warning', 'critical'] as const) {
        const pct = opts?.[level]?.percentOfObjective;
        if (pct !== undefined && !(pct > 0)) problems.push(`${name}.${level}.percentOfObjective must be above 0, got ${pct}`);
      }
    }
    const seen = new Set<string>();
    const lagLevels = levels(props.replicaLagAlarm, DEFAULT_LAG_LEVELS);
    for (const db of props.databases) {
      const d = `database '${db.name}'`;
      if (!db.name || db.name.length > 255) problems.push(`database name must be 1-255 characters, got '${db.name}'`);
      if (seen.has(db.name)) problems.push(`${d} appears twice`);
      seen.add(db.name);
      for (const [field, value] of [['rpo', db.rpo], ['rto', db.rto]] as const) {
        if (value.isUnresolved()) problems.push(`${d}: ${field} must be a concrete duration, got a token`);
        else if (value.toSeconds() <= 0) problems.push(`${d}: ${field} must be positive, got ${value.toHumanString()}`);
      }
      if (db.rpo.isUnresolved() || db.rpo.toSeconds() <= 0) continue;
      const rpoSeconds = db.rpo.toSeconds();

      if (hasRecoveryPointSource(db) && !interval.isUnresolved() && interval.toSeconds() * 2 > rpoSeconds) {
        problems.push(`${d}: the measured-RPO alarm period (${interval.toSeconds() * 2} s, twice measuredRpoInterval) is longer than the rpo (${rpoSeconds} s): the alarm cannot resolve the objective; lower measuredRpoInterval to at most ${Math.floor(rpoSeconds / 120)} minute(s)`);
      }
      if (db.rdsInstanceIdentifier && db.auroraClusterIdentifier) problems.push(`${d}: set rdsInstanceIdentifier or auroraClusterIdentifier, not both`);
      if (db.rdsReadReplicaIdentifiers?.length && !db.rdsInstanceIdentifier) problems.push(`${d}: rdsReadReplicaIdentifiers needs rdsInstanceIdentifier`);

      const hasReplica = replicaCount(db) > 0;
      if (db.replicaLagAlarm === true && !hasReplica) {
        problems.push(`${d}: replicaLagAlarm is true but the database has no replica (set rdsReadReplicaIdentifiers, auroraHasReaders or globalSecondaryClusterIdentifier)`);
      }
      if (hasReplica && db.replicaLagAlarm !== false && (db.rdsReadReplicaIdentifiers?.length ?? 0) > 0) {
        // ReplicaLag is reported in whole seconds.
        for (const [level, pct] of Object.entries(lagLevels)) {
          const threshold = (pct / 100) * rpoSeconds;
          if (threshold < 1) problems.push(`${d}: the ${level} replica-lag threshold (${threshold} s = ${pct} % of the rpo) is below ReplicaLag's 1-second resolution`);
        }
      }

      const windows: Array<[string, Duration | undefined, Duration]> = [];
      if (db.backupVaultNames?.length) windows.push(['backupInterval', db.backupInterval ?? db.rpo, AWS_BACKUP_RESOLUTION]);
      if (db.runner) windows.push(['runner.interval', db.runner.interval ?? db.backupInterval ?? db.rpo, CUSTOM_METRIC_RESOLUTION]);
      (db.additionalRunners ?? []).forEach((r, i) => windows.push([`additionalRunners[${i}].interval`, r.interval ?? db.backupInterval ?? db.rpo, CUSTOM_METRIC_RESOLUTION]));
      if (db.verification) windows.push(['verification.maxAge', db.verification.maxAge, CUSTOM_METRIC_RESOLUTION]);
      for (const [field, window, resolution] of windows) {
        if (!window || window.isUnresolved()) { problems.push(`${d}: ${field} must be a concrete duration`); continue; }
        if (window.toSeconds() < resolution.toSeconds()) {
          problems.push(`${d}: ${field} (${window.toHumanString()}) is shorter than the metric's ${resolution.toHumanString()} resolution: the alarm cannot tell silence from a gap between data points`);
        }
        if (window.toSeconds() > MAX_SILENCE_WINDOW.toSeconds()) {
          problems.push(`${d}: ${field} (${window.toHumanString()}) is longer than the ${MAX_SILENCE_WINDOW.toDays()} days CloudWatch keeps metric history for`);
        }
      }
      if (db.backupVaultNames?.length === 0) problems.push(`${d}: backupVaultNames is empty; omit it when the database has no AWS Backup vault`);
      if (db.runner && (db.runner.jobs?.length === 0)) problems.push(`${d}: runner.jobs is empty; omit it to watch the backup job`);
      const lat = db.s3Replication?.latencyThreshold;
      if (lat && (lat.isUnresolved() || lat.toSeconds() < 60)) problems.push(`${d}: s3Replication.latencyThreshold must be at least 1 minute (ReplicationLatency resolution), got ${lat.toHumanString()}`);
      if (db.s3Replication && (lat ?? S3ReplicationMetrics.RTC_THRESHOLD).toSeconds() > rpoSeconds) {
        Annotations.of(this).addWarningV2('@cdk-database-dr/monitoring:replication-latency-above-rpo', `database '${db.name}': the S3 replication latency threshold (${(lat ?? S3ReplicationMetrics.RTC_THRESHOLD).toHumanString()}) is longer than the rpo (${db.rpo.toHumanString()}): losing the primary Region can lose more than the RPO of replicated backups`);
      }
    }
    return problems;
  }

  // -------------------------------------------------------------------------------------------
  // Alarms

  /** Failed/expired backup jobs, failed copy jobs, failed restore jobs, no successful backup: per vault and resource type. */
  private addVaultAlarms(databases: MonitoredDatabase[]): void {
    interface VaultGroup { vault: string; resourceType?: BackupResourceType; databases: string[]; window: Duration; restores: boolean }
    const groups = new Map<string, VaultGroup>();
    for (const db of databases) {
      const resourceType = db.backupResourceType ?? (db.auroraClusterIdentifier ? BackupResourceType.AURORA : db.rdsInstanceIdentifier ? BackupResourceType.RDS : undefined);
      const window = db.backupInterval ?? db.rpo;
      const restores = !!db.verification && (db.verification.awsBackupRestoreTesting ?? true);
      for (const vault of db.backupVaultNames ?? []) {
        const key = `${vault}|${resourceType?.value ?? ''}`;
        const g = groups.get(key);
        if (!g) groups.set(key, { vault, resourceType, databases: [db.name], window, restores });
        else {
          g.databases.push(db.name);
          // The shortest interval among the databases sharing the series is the one to keep.
          if (window.toSeconds() < g.window.toSeconds()) g.window = window;
          g.restores = g.restores || restores;
        }
      }
    }
    const vaultLabels = new Map<string, string>();
    for (const g of groups.values()) {
      const opts = { resourceType: g.resourceType };
      // A generated vault name is a token: construct ids and alarm names derived from it would
      // change with every synth (token numbering), replacing the alarms on each deploy.
      if (!vaultLabels.has(g.vault)) {
        vaultLabels.set(g.vault, Token.isUnresolved(g.vault) ? `vault${vaultLabels.size + 1}` : g.vault);
      }
      const vaultLabel = vaultLabels.get(g.vault)!;
      const subject = g.resourceType ? `${vaultLabel}-${g.resourceType.value}` : vaultLabel;
      const jobs = `${g.resourceType ? `${g.resourceType.value} ` : ''}jobs in vault ${g.vault}`;
      const any = { threshold: 1, thresholdUnit: 'jobs', comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING };
      this.addAlarm({ subject, kind: 'backup-job-failed', severity: AlarmSeverity.CRITICAL, databases: g.databases,
        meaning: `an AWS Backup job failed (${jobs})`, metric: BackupJobMetrics.backupJobsFailed(g.vault, opts), ...any });
      this.addAlarm({ subject, kind: 'backup-job-expired', severity: AlarmSeverity.WARNING, databases: g.databases,
        meaning: `an AWS Backup job could not start within its start window (${jobs})`, metric: BackupJobMetrics.backupJobsExpired(g.vault, opts), ...any });
      this.addAlarm({ subject, kind: 'copy-job-failed', severity: AlarmSeverity.CRITICAL, databases: g.databases,
        meaning: `a copy of a recovery point to the DR vault failed (${jobs})`, metric: BackupJobMetrics.copyJobsFailed(g.vault, opts), ...any });
      if (g.restores) {
        this.addAlarm({ subject, kind: 'restore-job-failed', severity: AlarmSeverity.CRITICAL, databases: g.databases,
          meaning: `a restore (restore test) failed (${jobs})`, metric: BackupJobMetrics.restoreJobsFailed(g.vault, opts), ...any });
      }
      this.addSilenceAlarm({ subject, kind: 'no-successful-backup', severity: AlarmSeverity.CRITICAL, databases: g.databases,
        meaning: `no AWS Backup job completed within ${g.window.toHumanString()} (${jobs}): the dead man's switch`,
        success: (period) => BackupJobMetrics.backupJobsCompleted(g.vault, { ...opts, period }), window: g.window, unit: 'jobs' });
    }
  }

  private addMeasuredRpoAlarms(db: MonitoredDatabase, options: ObjectiveAlarmOptions | undefined): void {
    const period = Duration.seconds(this.measuredRpoInterval.toSeconds() * 2);
    for (const [severity, pct] of levelEntries(options, DEFAULT_MEASURED_RPO_LEVELS)) {
      const threshold = Math.round((pct / 100) * db.rpo.toSeconds());
      this.addAlarm({ subject: db.name, kind: 'measured-rpo', severity, databases: [db.name],
        meaning: `the newest recovery point of ${db.name} is older than ${pct} % of its RPO (${db.rpo.toHumanString()}); no recovery point at all reads as seconds since 1970`,
        metric: RecoveryMetrics.measuredRpo(db.name, { period }),
        threshold, thresholdUnit: 'seconds', comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.BREACHING });
    }
  }

  private addReplicaLagAlarms(db: MonitoredDatabase, options: ObjectiveAlarmOptions | undefined): void {
    if (db.replicaLagAlarm === false || replicaCount(db) === 0) return;
    const rpoSeconds = db.rpo.toSeconds();
    const lag = { comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods: LAG_POINTS, datapointsToAlarm: LAG_POINTS,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING };
    for (const [severity, pct] of levelEntries(options, DEFAULT_LAG_LEVELS)) {
      for (const replica of db.rdsReadReplicaIdentifiers ?? []) {
        this.addAlarm({ subject: `${db.name}-${replica}`, kind: 'replica-lag', severity, databases: [db.name],
          meaning: `read replica ${replica} of ${db.name} lags more than ${pct} % of the RPO; a failover to it would lose that much`,
          metric: ReplicationLagMetrics.rdsReplicaLag(replica), threshold: (pct / 100) * rpoSeconds, thresholdUnit: 'seconds', ...lag });
      }
      if (db.auroraClusterIdentifier && db.auroraHasReaders) {
        this.addAlarm({ subject: db.name, kind: 'aurora-replica-lag', severity, databases: [db.name],
          meaning: `Aurora readers of ${db.auroraClusterIdentifier} lag more than ${pct} % of the RPO`,
          metric: ReplicationLagMetrics.auroraReplicaLag(db.auroraClusterIdentifier), threshold: (pct / 100) * rpoSeconds * 1000, thresholdUnit: 'milliseconds', ...lag });
      }
      if (db.globalSecondaryClusterIdentifier) {
        this.addAlarm({ subject: db.name, kind: 'global-rpo-lag', severity, databases: [db.name],
          meaning: `the Aurora Global Database secondary ${db.globalSecondaryClusterIdentifier} would lose more than ${pct} % of the RPO in an unplanned failover`,
          metric: ReplicationLagMetrics.auroraGlobalDbRpoLag(db.globalSecondaryClusterIdentifier, { sourceRegion: db.globalSourceRegion }),
          threshold: (pct / 100) * rpoSeconds * 1000, thresholdUnit: 'milliseconds', ...lag });
      }
    }
  }

  private addS3ReplicationAlarms(db: MonitoredDatabase, rule: MonitoredS3Replication): void {
    const subject = `${db.name}-${rule.ruleId}`;
    this.addAlarm({ subject, kind: 's3-replication-failed', severity: AlarmSeverity.CRITICAL, databases: [db.name],
      meaning: `objects of ${rule.sourceBucketName} failed to replicate to ${rule.destinationBucketName} (rule ${rule.ruleId})`,
      metric: S3ReplicationMetrics.operationsFailedReplication(rule), threshold: 1, thresholdUnit: 'operations',
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING });
    const latency = rule.latencyThreshold ?? S3ReplicationMetrics.RTC_THRESHOLD;
    // AWS advises missing data "ignore" for replication alarms: no pending object publishes nothing.
    this.addAlarm({ subject, kind: 's3-replication-latency', severity: AlarmSeverity.WARNING, databases: [db.name],
      meaning: `${rule.destinationBucketName} is more than ${latency.toHumanString()} behind ${rule.sourceBucketName} (rule ${rule.ruleId}; Replication Time Control promises 15 minutes)`,
      metric: S3ReplicationMetrics.replicationLatency(rule), threshold: latency.toSeconds(), thresholdUnit: 'seconds',
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE });
  }

  private addRunnerAlarms(db: MonitoredDatabase, runner: MonitoredRunner, nameEngine: boolean): void {
    const window = runner.interval ?? db.backupInterval ?? db.rpo;
    for (const job of runner.jobs ?? ['backup']) {
      const target = { database: db.name, engine: runner.engine, job };
      const subject = nameEngine ? `${db.name}-${runner.engine}-${job}` : `${db.name}-${job}`;
      this.addAlarm({ subject, kind: 'runner-job-failed', severity: AlarmSeverity.CRITICAL, databases: [db.name],
        meaning: `the runner's ${job} job (${runner.engine}) failed for ${db.name}`,
        metric: RunnerMetrics.jobFailure(target), threshold: 1, thresholdUnit: 'jobs',
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING });
      this.addSilenceAlarm({ subject, kind: 'runner-silent', severity: AlarmSeverity.CRITICAL, databases: [db.name],
        meaning: `the runner's ${job} job (${runner.engine}) has not succeeded for ${db.name} within ${window.toHumanString()}`,
        success: (period) => RunnerMetrics.jobSuccess(target, { period }), window, unit: 'jobs' });
    }
  }

  private addVerificationAlarms(db: MonitoredDatabase, verification: MonitoredVerification): void {
    this.addAlarm({ subject: db.name, kind: 'verification-failed', severity: AlarmSeverity.CRITICAL, databases: [db.name],
      meaning: `a restore verification of ${db.name} failed: its backups may not be restorable`,
      metric: VerificationMetrics.failure(db.name), threshold: 1, thresholdUnit: 'verifications',
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING });
    this.addSilenceAlarm({ subject: db.name, kind: 'verification-missing', severity: AlarmSeverity.WARNING, databases: [db.name],
      meaning: `no restore verification of ${db.name} succeeded within ${verification.maxAge.toHumanString()}`,
      success: (period) => VerificationMetrics.success(db.name, { period }), window: verification.maxAge, unit: 'verifications' });
  }

  /**
   * "No success within the window": a native alarm (all periods empty, missing data breaching)
   * when CloudWatch can evaluate the window (≤ 7 days); beyond that, the measured-RPO Lambda dates
   * the last success from the metric's history and the alarm watches its SecondsSinceLastSuccess.
   */
  private addSilenceAlarm(s: {
    subject: string; kind: string; severity: AlarmSeverity; databases: string[]; meaning: string;
    success: (period: Duration) => cloudwatch.Metric; window: Duration; unit: string;
  }): void {
    const base = { subject: s.subject, kind: s.kind, severity: s.severity, databases: s.databases, meaning: s.meaning,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING };
    if (s.window.toSeconds() <= MAX_ALARM_WINDOW.toSeconds()) {
      const w = silenceWindow(s.window);
      this.addAlarm({ ...base, metric: s.success(w.period), threshold: 1, thresholdUnit: s.unit,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, evaluationPeriods: w.evaluationPeriods });
      return;
    }
    const owner = s.databases[0];
    const check = s.subject === owner ? s.kind : `${s.subject}-${s.kind}`;
    const checks = this.silenceChecks.get(owner) ?? [];
    checks.push({ check, metric: s.success(Duration.minutes(5)), window: s.window });
    this.silenceChecks.set(owner, checks);
    this.addAlarm({ ...base,
      meaning: `${s.meaning} (dated by the measured-RPO Lambda: the window exceeds the 7 days an alarm can evaluate)`,
      metric: RecoveryMetrics.secondsSinceLastSuccess(owner, check, { period: Duration.seconds(this.measuredRpoInterval.toSeconds() * 2) }),
      threshold: s.window.toSeconds(), thresholdUnit: 'seconds', comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1 });
  }

  private addAlarm(spec: AlarmSpec): cloudwatch.Alarm {
    const severityTag = spec.severity.toLowerCase();
    const alarmName = `${this.planName}-${spec.subject}-${spec.kind}-${severityTag}`;
    const runbook = `${this.runbookBaseUrl}${spec.kind}.md`;
    const datapointsToAlarm = spec.datapointsToAlarm ?? spec.evaluationPeriods;
    const periodSeconds = spec.metric.period.toSeconds();
    const comparisonText = {
      [cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD]: '>',
      [cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD]: '>=',
      [cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD]: '<',
    }[spec.comparison as string] ?? spec.comparison;
    const description = [
      `[${spec.severity}] ${spec.meaning}.`,
      `Databases: ${spec.databases.join(', ')}.`,
      `Fires when ${spec.metric.metricName} (${spec.metric.statistic}) ${comparisonText} ${spec.threshold} ${spec.thresholdUnit} in ${datapointsToAlarm} of ${spec.evaluationPeriods} period(s) of ${periodSeconds} s; missing data: ${spec.treatMissingData}.`,
      `Runbook: ${runbook}`,
    ].join(' ');
    const alarm = new cloudwatch.Alarm(this, `${spec.subject}-${spec.kind}-${severityTag}`.replace(/[^A-Za-z0-9-]/g, '_'), {
      alarmName,
      alarmDescription: description.slice(0, 1024),
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm,
      treatMissingData: spec.treatMissingData,
      actionsEnabled: this.actionsEnabled,
    });
    const action = new cwActions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    for (const db of spec.databases) {
      const list = this.alarmsByDatabase.get(db) ?? [];
      list.push(alarm);
      this.alarmsByDatabase.set(db, list);
    }
    const dims = Object.entries(spec.metric.dimensions ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(', ');
    this.descriptions.push({
      alarmName, kind: spec.kind, severity: spec.severity, databases: [...spec.databases], meaning: spec.meaning,
      metric: `${spec.metric.namespace} ${spec.metric.metricName} {${dims}}`, statistic: spec.metric.statistic,
      comparisonOperator: spec.comparison, threshold: spec.threshold, thresholdUnit: spec.thresholdUnit,
      periodSeconds, evaluationPeriods: spec.evaluationPeriods, datapointsToAlarm,
      treatMissingData: spec.treatMissingData, runbook,
    });
    return alarm;
  }

  // -------------------------------------------------------------------------------------------
  // Dashboard: per database, measured values against the RPO/RTO drawn as horizontal lines.

  private buildDashboard(databases: MonitoredDatabase[]): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.planName}-backup-dr`,
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(new cloudwatch.TextWidget({
      markdown: `# ${this.planName}: backups and disaster recovery\nHorizontal lines are the objectives: red = RPO/RTO (Critical), orange = Warning. Alarm descriptions link their runbook.`,
      width: 24, height: 2,
    }));
    for (const db of databases) {
      const rpo = db.rpo.toSeconds();
      const widgets: cloudwatch.IWidget[] = [];
      widgets.push(new cloudwatch.TextWidget({
        markdown: `## ${db.name}\nRPO ${db.rpo.toHumanString()} · RTO ${db.rto.toHumanString()}`, width: 24, height: 1,
      }));
      const row: cloudwatch.IWidget[] = [];
      if (hasRecoveryPointSource(db)) {
        row.push(new cloudwatch.GraphWidget({
          title: 'Measured RPO (age of the newest recovery point, s)',
          left: [RecoveryMetrics.measuredRpo(db.name, { label: 'measured RPO' })],
          leftAnnotations: [
            { value: rpo, label: `RPO ${db.rpo.toHumanString()}`, color: cloudwatch.Color.RED },
            ...(this.measuredRpoWarningPercent !== undefined
              ? [{ value: (this.measuredRpoWarningPercent / 100) * rpo, label: 'warning', color: cloudwatch.Color.ORANGE }] : []),
          ],
          // "No recovery point" is published as seconds since 1970; clip it so the RPO line stays readable.
          leftYAxis: { min: 0, max: rpo * 2, showUnits: false },
          width: 8,
        }));
      }
      const lagSeconds: cloudwatch.IMetric[] = (db.rdsReadReplicaIdentifiers ?? []).map((r) => ReplicationLagMetrics.rdsReplicaLag(r, { label: `${r} ReplicaLag (s)` }));
      if (lagSeconds.length) {
        row.push(new cloudwatch.GraphWidget({ title: 'Read replica lag (s)', left: lagSeconds,
          leftAnnotations: [{ value: rpo, label: 'RPO', color: cloudwatch.Color.RED }], leftYAxis: { min: 0 }, width: 8 }));
      }
      const lagMs: cloudwatch.IMetric[] = [];
      if (db.auroraClusterIdentifier && db.auroraHasReaders) lagMs.push(ReplicationLagMetrics.auroraReplicaLag(db.auroraClusterIdentifier, { label: 'AuroraReplicaLag (ms)' }));
      if (db.globalSecondaryClusterIdentifier) {
        const o = { sourceRegion: db.globalSourceRegion };
        lagMs.push(ReplicationLagMetrics.auroraGlobalDbRpoLag(db.globalSecondaryClusterIdentifier, { ...o, label: 'AuroraGlobalDBRPOLag (ms)' }));
        lagMs.push(ReplicationLagMetrics.auroraGlobalDbReplicationLag(db.globalSecondaryClusterIdentifier, { ...o, label: 'AuroraGlobalDBReplicationLag (ms)' }));
      }
      if (lagMs.length) {
        row.push(new cloudwatch.GraphWidget({ title: 'Aurora replication lag (ms)', left: lagMs,
          leftAnnotations: [{ value: rpo * 1000, label: 'RPO', color: cloudwatch.Color.RED }], leftYAxis: { min: 0 }, width: 8 }));
      }
      if (db.verification) {
        row.push(new cloudwatch.GraphWidget({
          title: 'Measured RTO and restored data age (s)',
          left: [VerificationMetrics.measuredRto(db.name, { label: 'measured RTO' })],
          leftAnnotations: [{ value: db.rto.toSeconds(), label: `RTO ${db.rto.toHumanString()}`, color: cloudwatch.Color.RED }],
          right: [VerificationMetrics.restoredDataAge(db.name, { label: 'restored data age' })],
          leftYAxis: { min: 0 }, width: 8,
        }));
        row.push(new cloudwatch.GraphWidget({ title: 'Restore verifications', left: [
          VerificationMetrics.success(db.name, { label: 'passed', period: Duration.hours(1), color: cloudwatch.Color.GREEN }),
          VerificationMetrics.failure(db.name, { label: 'failed', period: Duration.hours(1), color: cloudwatch.Color.RED }),
        ], width: 8 }));
      }
      const resourceType = db.backupResourceType ?? (db.auroraClusterIdentifier ? BackupResourceType.AURORA : db.rdsInstanceIdentifier ? BackupResourceType.RDS : undefined);
      for (const vault of db.backupVaultNames ?? []) {
        const o = { resourceType, period: Duration.hours(1) };
        row.push(new cloudwatch.GraphWidget({ title: `AWS Backup jobs in ${vault}`, left: [
          BackupJobMetrics.backupJobsCompleted(vault, { ...o, label: 'backups completed', color: cloudwatch.Color.GREEN }),
          BackupJobMetrics.backupJobsFailed(vault, { ...o, label: 'backups failed', color: cloudwatch.Color.RED }),
          BackupJobMetrics.copyJobsCompleted(vault, { ...o, label: 'copies completed', color: cloudwatch.Color.BLUE }),
          BackupJobMetrics.copyJobsFailed(vault, { ...o, label: 'copies failed', color: cloudwatch.Color.ORANGE }),
        ], width: 8 }));
      }
      if (db.s3Replication) {
        const latency = db.s3Replication.latencyThreshold ?? S3ReplicationMetrics.RTC_THRESHOLD;
        row.push(new cloudwatch.GraphWidget({ title: `S3 replication ${db.s3Replication.ruleId}`,
          left: [S3ReplicationMetrics.replicationLatency(db.s3Replication, { label: 'latency (s)' })],
          leftAnnotations: [{ value: latency.toSeconds(), label: `threshold ${latency.toHumanString()}`, color: cloudwatch.Color.ORANGE }],
          right: [S3ReplicationMetrics.operationsPendingReplication(db.s3Replication, { label: 'pending operations' }),
            S3ReplicationMetrics.operationsFailedReplication(db.s3Replication, { label: 'failed operations' })],
          leftYAxis: { min: 0 }, width: 8 }));
      }
      for (const runner of [...(db.runner ? [db.runner] : []), ...(db.additionalRunners ?? [])]) {
        for (const job of runner.jobs ?? ['backup']) {
          const t = { database: db.name, engine: runner.engine, job };
          row.push(new cloudwatch.GraphWidget({ title: `Runner ${job} (${runner.engine})`,
            left: [RunnerMetrics.jobDuration(t, { label: 'duration (s)' })],
            right: [RunnerMetrics.jobSuccess(t, { label: 'succeeded', period: Duration.hours(1) }), RunnerMetrics.jobFailure(t, { label: 'failed', period: Duration.hours(1) })],
            leftYAxis: { min: 0 }, width: 8 }));
        }
      }
      const alarms = this.alarmsByDatabase.get(db.name) ?? [];
      if (alarms.length) row.push(new cloudwatch.AlarmStatusWidget({ title: `${db.name} alarms`, alarms, width: 8, height: 6 }));
      dashboard.addWidgets(...widgets);
      // Three 8-wide widgets per dashboard row.
      for (let i = 0; i < row.length; i += 3) dashboard.addWidgets(...row.slice(i, i + 3));
    }
    return dashboard;
  }
}

/** 5 minutes, shortened so that twice the interval fits in the shortest RPO of a measured database. */
function defaultMeasuredRpoInterval(databases: MonitoredDatabase[]): Duration {
  let minutes = 5;
  for (const db of databases) {
    if (!hasRecoveryPointSource(db) || db.rpo.isUnresolved()) continue;
    minutes = Math.min(minutes, Math.max(1, Math.floor(db.rpo.toSeconds() / 120)));
  }
  return Duration.minutes(minutes);
}

function hasRecoveryPointSource(db: MonitoredDatabase): boolean {
  return !!(db.rdsInstanceIdentifier || db.auroraClusterIdentifier || db.runnerBackups || db.walArchive);
}

function replicaCount(db: MonitoredDatabase): number {
  return (db.rdsReadReplicaIdentifiers?.length ?? 0) + (db.auroraClusterIdentifier && db.auroraHasReaders ? 1 : 0) + (db.globalSecondaryClusterIdentifier ? 1 : 0);
}

function levels(options: ObjectiveAlarmOptions | undefined, defaults: { warning: number; critical: number }): Record<string, number> {
  return Object.fromEntries(levelEntries(options, defaults).map(([s, p]) => [s.toLowerCase(), p]));
}

function levelEntries(options: ObjectiveAlarmOptions | undefined, defaults: { warning: number; critical: number }): Array<[AlarmSeverity, number]> {
  const out: Array<[AlarmSeverity, number]> = [];
  if (options?.warning?.enabled !== false) out.push([AlarmSeverity.WARNING, options?.warning?.percentOfObjective ?? defaults.warning]);
  if (options?.critical?.enabled !== false) out.push([AlarmSeverity.CRITICAL, options?.critical?.percentOfObjective ?? defaults.critical]);
  return out;
}
