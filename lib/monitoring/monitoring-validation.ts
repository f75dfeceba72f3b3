/**
 * @internal What cannot be right in a BackupMonitoring, found at synth, every problem at once,
 * each naming the database and both values that disagree.
 */
import { Annotations, Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MonitoringSources } from './monitoring-alarms';
import {
  DatabaseModel, LevelOptions, MonitoringModel, hasMeasuredSource, levelEntries, protectionWindow, recoveryPointSources, runnerWindow, secondsOf,
} from './monitoring-model';
import { S3ReplicationMetrics } from './s3-replication-metrics';
import { DatabaseResourceKind } from '../protection/protected-database';
import { RunnerCommand } from '../runner/backup-runner';

/** AWS Backup publishes job counts every 5 minutes: the shortest window an alarm can resolve. */
const AWS_BACKUP_RESOLUTION = Duration.minutes(5);
/** EMF metrics from the runner and the verification resolve to the minute. */
const CUSTOM_METRIC_RESOLUTION = Duration.minutes(1);
/** Longer silence windows are dated from metric history (15 months kept; one day of lookback margin). */
const MAX_SILENCE_WINDOW = Duration.days(454);

/** @internal Every problem of the monitoring. */
export function monitoringProblems(scope: Construct & MonitoringSources & { readonly _props: MonitoringPropsView },
  model: MonitoringModel, interval: Duration, perDatabase = true): string[] {
  const props = scope._props;
  const problems: string[] = [...model.problems];
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(props.planName)) problems.push(`planName must be 1-100 letters, digits, - or _, got '${props.planName}'`);
  if (model.databases.size === 0) problems.push('no database is monitored: add each with addDatabase({ name, rpo, rto })');
  if (interval.isUnresolved() || interval.toSeconds() < 60 || interval.toSeconds() % 60 !== 0) {
    problems.push(`measuredRpoInterval must be a whole number of minutes of at least 1, got ${interval.toHumanString()}`);
  }
  problems.push(...levelProblems('measuredRpoAlarm', props.measuredRpoAlarm), ...levelProblems('replicaLagAlarm', props.replicaLagAlarm));
  // A monitoring of the shared series only leaves each database's checks to the one that watches it.
  for (const db of perDatabase ? model.databases.values() : []) problems.push(...databaseProblems(scope, db, interval, props.replicaLagAlarm as LevelOptions | undefined));
  for (const { bucket, options } of scope._replications) {
    if (!bucket.replicaBucketName) problems.push(`replication of ${bucket.node.path}: the bucket is not replicated (no replica bucket), so there is nothing to watch`);
    const lat = options.latencyThreshold;
    if (lat && (lat.isUnresolved() || lat.toSeconds() < 60)) problems.push(`replication of ${bucket.node.path}: latencyThreshold must be at least 1 minute (ReplicationLatency resolution), got ${lat.toHumanString()}`);
    const latency = lat ?? S3ReplicationMetrics.RTC_THRESHOLD;
    for (const db of model.databases.values()) {
      const rpo = secondsOf(db.objectives.rpo);
      if (rpo !== undefined && db.runners.some((r) => r.runner.backupBucket === bucket) && latency.toSeconds() > rpo) {
        Annotations.of(scope).addWarningV2('@cdk-database-dr/monitoring:replication-latency-above-rpo', `database '${db.objectives.name}': the S3 replication latency threshold (${latency.toHumanString()}) is longer than the rpo (${db.objectives.rpo.toHumanString()}): losing the primary Region can lose more than the RPO of replicated backups`);
      }
    }
  }
  return problems;
}

/** @internal The props the validation reads. */
export interface MonitoringPropsView {
  readonly planName: string;
  readonly measuredRpoAlarm?: LevelOptions;
  readonly replicaLagAlarm?: LevelOptions;
}

function databaseProblems(scope: MonitoringSources, db: DatabaseModel, interval: Duration, lagLevels: LevelOptions | undefined): string[] {
  const problems: string[] = [];
  const name = db.objectives.name;
  const d = `database '${name}'`;
  if (!name || name.length > 255) problems.push(`database name must be 1-255 characters, got '${name}'`);
  for (const [field, value] of [['rpo', db.objectives.rpo], ['rto', db.objectives.rto]] as const) {
    if (value.isUnresolved()) problems.push(`${d}: ${field} must be a concrete duration, got a token`);
    else if (value.toSeconds() <= 0) problems.push(`${d}: ${field} must be positive, got ${value.toHumanString()}`);
  }
  const rpo = secondsOf(db.objectives.rpo);
  if (rpo === undefined || rpo <= 0) return problems;
  const rpoText = db.objectives.rpo.toHumanString();

  for (const { protection, options } of db.protections) {
    const protectionRpo = secondsOf(protection.rpo);
    if (protectionRpo !== undefined && protectionRpo !== rpo) {
      problems.push(`${d}: the monitoring rpo (${rpoText}) differs from the rpo of protection ${protection.node.path} (${protection.rpo.toHumanString()}); give the database one rpo`);
    }
    const aurora = protection.resourceKind === DatabaseResourceKind.AURORA_CLUSTER;
    if (options.rdsReadReplicaIdentifiers?.length && aurora) problems.push(`${d}: rdsReadReplicaIdentifiers is for an RDS instance, but protection ${protection.node.path} covers an Aurora cluster`);
    if (options.auroraHasReaders && !aurora) problems.push(`${d}: auroraHasReaders is for an Aurora cluster, but protection ${protection.node.path} covers an RDS instance`);
    if (options.auroraHasReaders && aurora && protection.database.identifier === undefined) {
      problems.push(`${d}: auroraHasReaders needs the cluster's identifier, but protection ${protection.node.path} selects ${protection.database.description}; protect it by ARN to watch AuroraReplicaLag`);
    }
    window(problems, d, `the no-successful-backup window of ${protection.node.path} (snapshot interval + start window)`, protectionWindow(protection), AWS_BACKUP_RESOLUTION);
    if ((options.rdsReadReplicaIdentifiers?.length ?? 0) > 0) {
      // ReplicaLag is reported in whole seconds.
      for (const [severity, pct] of levelEntries(lagLevels, { warning: 50, critical: 100 })) {
        const threshold = (pct / 100) * rpo;
        if (threshold < 1) problems.push(`${d}: the ${severity} replica-lag threshold (${threshold} s = ${pct} % of the rpo) is below ReplicaLag's 1-second resolution`);
      }
    }
  }

  const sources = recoveryPointSources(db);
  if (sources.length === 0) {
    problems.push(`${d}: no recovery-point source (addProtection, or addRunner of a runner with a cron backup schedule or a WAL archive): its rpo (${rpoText}) cannot be met or measured`);
  } else {
    const fastest = sources.reduce((a, b) => (b.worstAge.toSeconds() < a.worstAge.toSeconds() ? b : a));
    if (fastest.worstAge.toSeconds() > rpo) {
      problems.push(`${d}: no recovery-point source meets its rpo (${rpoText}); the fastest is ${fastest.what}, whose newest point can be ${fastest.worstAge.toHumanString()} old`);
    }
  }
  if (hasMeasuredSource(db) && !interval.isUnresolved() && interval.toSeconds() * 2 > rpo) {
    problems.push(`${d}: the measured-RPO alarm period (${interval.toSeconds() * 2} s, twice measuredRpoInterval) is longer than the rpo (${rpo} s): the alarm cannot resolve the objective; lower measuredRpoInterval to at most ${Math.floor(rpo / 120)} minute(s)`);
  }

  for (const entry of db.runners) {
    const r = `runner ${entry.runner.node.path} (${entry.runner.engine})`;
    const jobs = entry.options.jobs ?? [RunnerCommand.BACKUP];
    if (jobs.length === 0) problems.push(`${d}: ${r}: jobs is empty; omit it to watch the backup job`);
    for (const job of jobs) {
      if (!entry.runner.scheduledCommands.includes(job)) {
        problems.push(`${d}: ${r}: job '${job}' is watched but not scheduled (scheduled: ${entry.runner.scheduledCommands.join(', ') || 'none'}); its metrics would never exist`);
      }
    }
    window(problems, d, `the silence window of ${r}`, runnerWindow(db, entry), CUSTOM_METRIC_RESOLUTION);
  }
  for (const v of db.verifications) window(problems, d, `the verification window of ${v.source}`, v.maxAge, CUSTOM_METRIC_RESOLUTION);
  void scope;
  return problems;
}

function window(problems: string[], d: string, what: string, w: Duration, resolution: Duration): void {
  if (w.isUnresolved()) {
    problems.push(`${d}: ${what} must be a concrete duration`);
    return;
  }
  if (w.toSeconds() < resolution.toSeconds()) {
    problems.push(`${d}: ${what} (${w.toHumanString()}) is shorter than the metric's ${resolution.toHumanString()} resolution: the alarm cannot tell silence from a gap between data points`);
  }
  if (w.toSeconds() > MAX_SILENCE_WINDOW.toSeconds()) {
    problems.push(`${d}: ${what} (${w.toHumanString()}) is longer than the ${MAX_SILENCE_WINDOW.toDays()} days CloudWatch keeps metric history for`);
  }
}

/** @internal The problems of Warning/Critical levels given as `name` (a percentage above 0 each). */
export function levelProblems(name: string, opts: LevelOptions | undefined): string[] {
  const problems: string[] = [];
  for (const level of ['warning', 'critical'] as const) {
    const pct = opts?.[level]?.percentOfObjective;
    if (pct !== undefined && !(pct > 0)) problems.push(`${name}.${level}.percentOfObjective must be above 0, got ${pct}`);
  }
  return problems;
}
