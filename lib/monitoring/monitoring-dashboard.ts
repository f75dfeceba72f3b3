/**
 * @internal The dashboard of a BackupMonitoring: per database, measured values against the
 * RPO/RTO drawn as horizontal lines, the jobs of its vaults, runners and replication, and the
 * states of its alarms.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { AlarmFactory } from './alarm-factory';
import { BackupJobMetrics } from './backup-metrics';
import { DatabaseModel, hasMeasuredSource, resourceTypeOf } from './monitoring-model';
import { RecoveryMetrics } from './recovery-metrics';
import { ReplicationLagMetrics } from './replication-lag-metrics';
import { RunnerMetrics } from './runner-metrics';
import { S3ReplicationMetrics, S3ReplicationRule } from './s3-replication-metrics';
import { VerificationMetrics } from './verification-metrics';
import { DatabaseResourceKind } from '../protection/protected-database';
import { RunnerCommand } from '../runner/backup-runner';

/** @internal A replication rule on the dashboard, drawn in the row of the first database writing to the bucket. */
export interface DashboardReplication { readonly rule: S3ReplicationRule; readonly latency: Duration; readonly databases: string[] }

/** @internal Builds the `<plan>-backup-dr` dashboard. */
export function buildMonitoringDashboard(scope: Construct, dashboardName: string, databases: DatabaseModel[], factory: AlarmFactory,
  warningPercent: number | undefined, replications: DashboardReplication[]): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { dashboardName, defaultInterval: Duration.days(7) });
  dashboard.addWidgets(new cloudwatch.TextWidget({
    markdown: `# ${dashboardName.replace(/-backup-dr/, '')}: backups and disaster recovery\nHorizontal lines are the objectives: red = RPO/RTO (Critical), orange = Warning. Alarm descriptions link their docs page.`,
    width: 24, height: 2,
  }));
  for (const db of databases) {
    const { name, rpo: rpoDuration, rto } = db.objectives;
    const rpo = rpoDuration.toSeconds();
    const row: cloudwatch.IWidget[] = [];
    if (hasMeasuredSource(db)) {
      row.push(new cloudwatch.GraphWidget({
        title: 'Measured RPO (age of the newest recovery point, s)',
        left: [RecoveryMetrics.measuredRpo(name, { label: 'measured RPO' })],
        leftAnnotations: [
          { value: rpo, label: `RPO ${rpoDuration.toHumanString()}`, color: cloudwatch.Color.RED },
          ...(warningPercent !== undefined ? [{ value: (warningPercent / 100) * rpo, label: 'warning', color: cloudwatch.Color.ORANGE }] : []),
        ],
        // "No recovery point" is published as seconds since 1970; clip it so the RPO line stays readable.
        leftYAxis: { min: 0, max: rpo * 2, showUnits: false },
        width: 8,
      }));
    }
    const lagSeconds: cloudwatch.IMetric[] = [];
    const lagMs: cloudwatch.IMetric[] = [];
    for (const { protection, options } of db.protections) {
      for (const r of options.rdsReadReplicaIdentifiers ?? []) lagSeconds.push(ReplicationLagMetrics.rdsReplicaLag(r, { label: `${r} ReplicaLag (s)` }));
      if (options.auroraHasReaders && protection.resourceKind === DatabaseResourceKind.AURORA_CLUSTER && protection.database.identifier) {
        lagMs.push(ReplicationLagMetrics.auroraReplicaLag(protection.database.identifier, { label: 'AuroraReplicaLag (ms)' }));
      }
      if (options.globalSecondaryClusterIdentifier) {
        const o = { sourceRegion: options.globalSourceRegion };
        lagMs.push(ReplicationLagMetrics.auroraGlobalDbRpoLag(options.globalSecondaryClusterIdentifier, { ...o, label: 'AuroraGlobalDBRPOLag (ms)' }));
        lagMs.push(ReplicationLagMetrics.auroraGlobalDbReplicationLag(options.globalSecondaryClusterIdentifier, { ...o, label: 'AuroraGlobalDBReplicationLag (ms)' }));
      }
    }
    if (lagSeconds.length) {
      row.push(new cloudwatch.GraphWidget({ title: 'Read replica lag (s)', left: lagSeconds,
        leftAnnotations: [{ value: rpo, label: 'RPO', color: cloudwatch.Color.RED }], leftYAxis: { min: 0 }, width: 8 }));
    }
    if (lagMs.length) {
      row.push(new cloudwatch.GraphWidget({ title: 'Aurora replication lag (ms)', left: lagMs,
        leftAnnotations: [{ value: rpo * 1000, label: 'RPO', color: cloudwatch.Color.RED }], leftYAxis: { min: 0 }, width: 8 }));
    }
    if (db.verifications.length) {
      row.push(new cloudwatch.GraphWidget({
        title: 'Measured RTO and restored data age (s)',
        left: [VerificationMetrics.measuredRto(name, { label: 'measured RTO' })],
        leftAnnotations: [{ value: rto.toSeconds(), label: `RTO ${rto.toHumanString()}`, color: cloudwatch.Color.RED }],
        right: [VerificationMetrics.restoredDataAge(name, { label: 'restored data age' })],
        leftYAxis: { min: 0 }, width: 8,
      }));
      row.push(new cloudwatch.GraphWidget({ title: 'Restore verifications', left: [
        VerificationMetrics.success(name, { label: 'passed', period: Duration.hours(1), color: cloudwatch.Color.GREEN }),
        VerificationMetrics.failure(name, { label: 'failed', period: Duration.hours(1), color: cloudwatch.Color.RED }),
      ], width: 8 }));
    }
    for (const { protection } of db.protections) {
      const vault = protection.vault.backupVaultName;
      const o = { resourceType: resourceTypeOf(protection), period: Duration.hours(1) };
      row.push(new cloudwatch.GraphWidget({ title: `AWS Backup jobs in ${vault}`, left: [
        BackupJobMetrics.backupJobsCompleted(vault, { ...o, label: 'backups completed', color: cloudwatch.Color.GREEN }),
        BackupJobMetrics.backupJobsFailed(vault, { ...o, label: 'backups failed', color: cloudwatch.Color.RED }),
        BackupJobMetrics.copyJobsCompleted(vault, { ...o, label: 'copies completed', color: cloudwatch.Color.BLUE }),
        BackupJobMetrics.copyJobsFailed(vault, { ...o, label: 'copies failed', color: cloudwatch.Color.ORANGE }),
      ], width: 8 }));
    }
    for (const { runner, options } of db.runners) {
      for (const job of options.jobs ?? [RunnerCommand.BACKUP]) {
        const t = { database: name, engine: runner.engine, job };
        row.push(new cloudwatch.GraphWidget({ title: `Runner ${job} (${runner.engine})`,
          left: [RunnerMetrics.jobDuration(t, { label: 'duration (s)' })],
          right: [RunnerMetrics.jobSuccess(t, { label: 'succeeded', period: Duration.hours(1) }), RunnerMetrics.jobFailure(t, { label: 'failed', period: Duration.hours(1) })],
          leftYAxis: { min: 0 }, width: 8 }));
      }
    }
    for (const r of replications.filter((x) => x.databases[0] === name)) {
      row.push(new cloudwatch.GraphWidget({ title: `S3 replication ${r.rule.ruleId}`,
        left: [S3ReplicationMetrics.replicationLatency(r.rule, { label: 'latency (s)' })],
        leftAnnotations: [{ value: r.latency.toSeconds(), label: `threshold ${r.latency.toHumanString()}`, color: cloudwatch.Color.ORANGE }],
        right: [S3ReplicationMetrics.operationsPendingReplication(r.rule, { label: 'pending operations' }),
          S3ReplicationMetrics.operationsFailedReplication(r.rule, { label: 'failed operations' })],
        leftYAxis: { min: 0 }, width: 8 }));
    }
    const alarms = factory.alarmsFor(name);
    if (alarms.length) row.push(new cloudwatch.AlarmStatusWidget({ title: `${name} alarms`, alarms, width: 8, height: 6 }));
    dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `## ${name}\nRPO ${rpoDuration.toHumanString()} · RTO ${rto.toHumanString()}`, width: 24, height: 1 }));
    // Three 8-wide widgets per dashboard row.
    for (let i = 0; i < row.length; i += 3) dashboard.addWidgets(...row.slice(i, i + 3));
  }
  return dashboard;
}
