/**
 * @internal The alarms BackupMonitoring builds from what was added, and the measured-RPO
 * Lambda's view of each database. Every alarm goes through the typed methods of DrAlarms.
 */
import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import { Construct } from 'constructs';
import { BackupResourceType } from './backup-metrics';
import { DrAlarms } from './dr-alarms';
import { MeasuredRpoDatabase, MeasuredRpoVault } from './measured-rpo';
import {
  DEFAULT_MEASURED_RPO_LEVELS, DatabaseModel, LevelOptions, MonitoringModel, hasMeasuredSource, levelEntries, protectionWindow, resourceTypeOf, runnerWindow, vaultLabeler,
} from './monitoring-model';
import { S3ReplicationMetrics, S3ReplicationRule } from './s3-replication-metrics';
import { DatabaseResourceKind } from '../protection/protected-database';
import { RunnerCommand } from '../runner/backup-runner';
import { BackupBucket, IBackupBucket } from '../storage/backup-bucket';
import { BaselineCapture } from '../verification/baseline-capture';
import { RestoreVerification } from '../verification/restore-verification';

const DEFAULT_LAG_LEVELS = { warning: 50, critical: 100 };

/** @internal What of BackupMonitoring the builder reads. */
export interface MonitoringSources {
  readonly _restoreTested: Set<string>;
  readonly _verifications: RestoreVerification[];
  readonly _baselines: BaselineCapture[];
  readonly _replications: Array<{ bucket: IBackupBucket; options: { latencyThreshold?: Duration } }>;
  readonly _props: { readonly actionsEnabled?: boolean };
}

/** @internal Options of the alarm build. */
export interface AlarmBuildOptions {
  /** Build the series many databases share (vault jobs, bucket replication). */
  readonly shared: boolean;
  /** Build each database's own alarms and those of the verification functions. */
  readonly databases: boolean;
  readonly measuredRpoPeriod: Duration;
  readonly measuredRpoLevels?: LevelOptions;
  readonly replicaLagLevels?: LevelOptions;
}

/** @internal Builds every alarm of the model. */
export function buildMonitoringAlarms(scope: Construct & MonitoringSources, model: MonitoringModel, alarms: DrAlarms, o: AlarmBuildOptions): void {
  const databases = [...model.databases.values()];
  if (o.shared) vaultAlarms(scope, databases, alarms);
  for (const db of o.databases ? databases : []) {
    const name = db.objectives.name;
    if (db.objectives.rpo.isUnresolved()) continue;
    if (hasMeasuredSource(db)) {
      for (const [severity, pct] of levelEntries(o.measuredRpoLevels, DEFAULT_MEASURED_RPO_LEVELS)) {
        alarms.measuredRpo(name, db.objectives.rpo, severity, pct, o.measuredRpoPeriod);
      }
    }
    lagAlarms(db, alarms, o.replicaLagLevels);
    db.runners.forEach((entry, i) => {
      for (const job of entry.options.jobs ?? [RunnerCommand.BACKUP]) {
        const target = { database: name, engine: entry.runner.engine, job };
        // The first runner of a database keeps the short name; further engines are named.
        const subject = i === 0 ? `${name}-${job}` : `${name}-${entry.runner.engine}-${job}`;
        alarms.runnerJobFailed(subject, target);
        alarms.runnerSilent(subject, target, runnerWindow(db, entry));
      }
    });
    if (db.verifications.length > 0) {
      // Restore tests and drills of one database publish the same metrics: one alarm per condition,
      // the silence window the shortest of theirs.
      const window = db.verifications.map((v) => v.maxAge).reduce((a, b) => (b.toSeconds() < a.toSeconds() ? b : a));
      alarms.verificationFailed(name);
      alarms.verificationMissing(name, window);
      if (db.verifications.some((v) => v.drill) && !db.objectives.rto.isUnresolved()) alarms.drillRtoExceeded(name, db.objectives.rto);
    }
  }
  for (const v of o.databases ? scope._verifications : []) {
    alarms.validatorFailed(v.node.id, v.metricValidatorErrors(), v.databaseNames);
    alarms.deadLetters(`${v.node.id}-validator`, 'the restore validator', v.metricValidatorDeadLetters(), v.databaseNames);
    baselineAlarms(`${v.node.id}-baselines`, v.baselineCapture, alarms);
  }
  for (const b of o.databases ? scope._baselines : []) baselineAlarms(b.node.id, b, alarms);
  for (const r of o.shared ? replicationsOf(scope, model) : []) {
    const subject = `${r.databases[0] ?? r.bucketId}-${r.rule.ruleId}`;
    alarms.s3ReplicationFailed(subject, r.rule, r.databases);
    alarms.s3ReplicationLatency(subject, r.rule, r.databases, r.latency);
  }
  if (scope._props.actionsEnabled === false) {
    Annotations.of(scope).addWarningV2('@cdk-database-dr/monitoring:alarm-without-action', 'actionsEnabled is false: no alarm of this monitoring has an action, so none pages anyone');
  }
}

/** @internal Each replicated bucket's rule, its latency threshold and the databases whose runners write to it. */
export function replicationsOf(scope: MonitoringSources, model: MonitoringModel):
Array<{ rule: S3ReplicationRule; latency: Duration; databases: string[]; bucketId: string }> {
  return scope._replications.filter(({ bucket }) => bucket.replicaBucketName).map(({ bucket, options }) => ({
    rule: { sourceBucketName: bucket.bucket.bucketName, destinationBucketName: bucket.replicaBucketName!, ruleId: BackupBucket.REPLICATION_RULE_ID },
    latency: options.latencyThreshold ?? S3ReplicationMetrics.RTC_THRESHOLD,
    databases: [...model.databases.values()].filter((db) => db.runners.some((x) => x.runner.backupBucket === bucket)).map((db) => db.objectives.name),
    bucketId: bucket.node.id,
  }));
}

function baselineAlarms(subject: string, capture: BaselineCapture, alarms: DrAlarms): void {
  alarms.baselineCaptureFailed(subject, capture.metricErrors(), capture.databaseNames);
  alarms.deadLetters(subject, 'baseline capture', capture.metricDeadLetters(), capture.databaseNames);
}

/** Failed/expired backup jobs, failed copy and restore jobs, no successful backup: per vault and resource type. */
function vaultAlarms(scope: MonitoringSources, databases: DatabaseModel[], alarms: DrAlarms): void {
  interface VaultGroup { vault: string; resourceType: BackupResourceType; databases: string[]; window: Duration; restores: boolean }
  const groups = new Map<string, VaultGroup>();
  for (const db of databases) {
    for (const { protection } of db.protections) {
      const vault = protection.vault.backupVaultName;
      const resourceType = resourceTypeOf(protection);
      const window = protectionWindow(protection);
      const restores = scope._restoreTested.has(db.objectives.name);
      const key = `${vault}|${resourceType.value}`;
      const g = groups.get(key);
      if (!g) {
        groups.set(key, { vault, resourceType, databases: [db.objectives.name], window, restores });
      } else {
        if (!g.databases.includes(db.objectives.name)) g.databases.push(db.objectives.name);
        // The shortest interval among the databases sharing the series is the one to keep.
        if (window.toSeconds() < g.window.toSeconds()) g.window = window;
        g.restores = g.restores || restores;
      }
    }
  }
  const label = vaultLabeler();
  for (const g of groups.values()) {
    const t = { vaultName: g.vault, vaultLabel: label(g.vault), resourceType: g.resourceType, databases: g.databases };
    alarms.backupJobFailed(t);
    alarms.backupJobExpired(t);
    alarms.copyJobFailed(t);
    if (g.restores) alarms.restoreJobFailed(t);
    alarms.noSuccessfulBackup(t, g.window);
  }
}

function lagAlarms(db: DatabaseModel, alarms: DrAlarms, levels: LevelOptions | undefined): void {
  const name = db.objectives.name;
  const rpo = db.objectives.rpo;
  for (const { protection, options } of db.protections) {
    for (const [severity, pct] of levelEntries(levels, DEFAULT_LAG_LEVELS)) {
      for (const replica of options.rdsReadReplicaIdentifiers ?? []) alarms.replicaLag(name, replica, rpo, severity, pct);
      if (options.auroraHasReaders && protection.resourceKind === DatabaseResourceKind.AURORA_CLUSTER && protection.database.identifier) {
        alarms.auroraReplicaLag(name, protection.database.identifier, rpo, severity, pct);
      }
      if (options.globalSecondaryClusterIdentifier) {
        alarms.globalRpoLag(name, options.globalSecondaryClusterIdentifier, options.globalSourceRegion, rpo, severity, pct);
      }
    }
  }
}

/** @internal The measured-RPO Lambda's view of each database with a source or a long silence check. */
export function measuredRpoDatabases(model: MonitoringModel, silenceChecks: Map<string, MeasuredRpoDatabase['silenceChecks']>, withRpo = false): MeasuredRpoDatabase[] {
  const out: MeasuredRpoDatabase[] = [];
  for (const db of model.databases.values()) {
    const checks = silenceChecks.get(db.objectives.name);
    if (!hasMeasuredSource(db) && !checks?.length) continue;
    // A database selected by tags has no identifier to read recovery points by: the vault's job
    // metrics of its resource type watch it instead (vaultAlarms).
    const named = db.protections.filter(({ protection: p }) => p.database.identifier !== undefined);
    const protection = named[0]?.protection;
    const runner = db.runners[0]?.runner;
    const archive = db.runners.find((r) => r.runner.walArchivePrefix)?.runner;
    const aurora = protection?.resourceKind === DatabaseResourceKind.AURORA_CLUSTER;
    out.push({
      name: db.objectives.name,
      rdsInstanceIdentifier: protection && !aurora ? protection.database.identifier : undefined,
      auroraClusterIdentifier: protection && aurora ? protection.database.identifier : undefined,
      awsBackup: named.length > 0,
      backupVaults: named.flatMap(({ protection: p }) => [
        { vaultName: p.vault.backupVaultName },
        ...[p.drVault].filter((v): v is backup.IBackupVault => v !== undefined).map((v) => copyVault(p, v)),
      ]),
      runnerBackups: runner ? { bucket: runner.backupBucket.bucket, prefix: runner.backupPrefix } : undefined,
      walArchive: archive ? { bucket: archive.backupBucket.bucket, prefix: archive.walArchivePrefix! } : undefined,
      silenceChecks: checks,
      // Fleet alarms judge the measured RPO as a percentage of the RPO.
      ...(withRpo && hasMeasuredSource(db) && !db.objectives.rpo.isUnresolved() ? { rpo: db.objectives.rpo } : {}),
    });
  }
  return out;
}

/** A copy vault as the Lambda reads it: its Region when it is not this stack's. */
function copyVault(scope: Construct, vault: backup.IBackupVault): MeasuredRpoVault {
  const here = Stack.of(scope);
  const region = vault.env.region;
  const account = vault.env.account;
  return {
    vaultName: vault.backupVaultName,
    region: region && (Token.isUnresolved(region) || region !== here.region) ? region : undefined,
    accountId: account && !Token.isUnresolved(account) && account !== here.account ? account : undefined,
  };
}
