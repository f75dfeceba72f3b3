/**
 * FleetAlarms: the per-database conditions of several BackupMonitorings as one multi-time-series
 * alarm per condition (each database a contributor), what the measured-RPO Lambda is configured
 * to publish for them, the Lambda's own dead man's switch, and what is refused.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigurationError } from '../../lib/errors';
import { AlarmTopic, BackupMonitoring, FleetAlarms, MonitoringCoverage } from '../../lib/monitoring';
import { MEASURED_RPO_ENV } from '../../runtime/contracts/measured-rpo';
import { DatabaseProtection, ProtectedDatabase } from '../../lib/protection';
import { RunnerCommand, RunnerEngine } from '../../lib/runner';
import { BackupVault } from '../../lib/storage';
import { TestBucket, TestRunner } from '../support/monitoring-fixtures';
import { joinedText } from '../support/templates';
import { thrownBy } from '../support/thrown';

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** Two stacks of databases, each with its own monitoring, sharing one FleetAlarms in the base stack. */
function fleetOf(count: number) {
  const app = new App();
  const base = new Stack(app, 'Base', { env: ENV });
  const topic = new AlarmTopic(base, 'AlarmTopic', { email: 'oncall@example.com' });
  const fleet = new FleetAlarms(base, 'Fleet', { planName: 'p', alarmTopic: topic });
  const monitorings: BackupMonitoring[] = [];
  for (const part of [0, 1]) {
    const stack = new Stack(app, `Databases${part}`, { env: ENV });
    const bucket = new TestBucket(stack, 'Backups', 'backups-src');
    const vault = BackupVault.fromBackupVaultName(stack, 'Vault', 'primary');
    const m = new BackupMonitoring(stack, 'Monitoring', { planName: 'p', alarmTopic: topic, fleetAlarms: fleet, dashboard: false, coverage: MonitoringCoverage.DATABASES });
    for (let i = 0; i < count; i++) {
      const rds = `rds${part}x${i}`;
      const dump = `dump${part}x${i}`;
      m.addDatabase({ name: rds, rpo: Duration.hours(1), rto: Duration.hours(4) });
      m.addProtection(new DatabaseProtection(stack, `Protect${i}`, {
        database: ProtectedDatabase.fromInstanceArn(`arn:aws:rds:eu-west-1:111111111111:db:${rds}`), vault, rpo: Duration.hours(1),
      }), { database: rds });
      m.addDatabase({ name: dump, rpo: Duration.hours(24), rto: Duration.hours(8) });
      m.addRunner(new TestRunner(stack, `Runner${i}`, dump, RunnerEngine.PG_DUMP, bucket, { scheduledCommands: [RunnerCommand.BACKUP, RunnerCommand.EXPIRE] }));
    }
    monitorings.push(m);
  }
  return { app, base, fleet, monitorings, topic };
}

function alarmsOf(stack: Stack): any[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((r: any) => r.Properties);
}

describe('one alarm per condition for the whole fleet', () => {
  const small = fleetOf(1);
  const large = fleetOf(6);

  test('the number of alarms does not grow with the databases', () => {
    const count = (f: ReturnType<typeof fleetOf>) => [f.base, ...f.monitorings.map((m) => Stack.of(m))].map((s) => alarmsOf(s).length);
    // Base: runner job failed and silent, measured RPO warning and critical. Each database stack: its Lambda's monitor-stopped.
    expect(count(small)).toEqual([4, 1, 1]);
    expect(count(large)).toEqual([4, 1, 1]);
  });

  test('each alarm is a Metrics Insights query grouped by database: every database a contributor, notified on ALARM and OK', () => {
    const alarms = alarmsOf(large.base);
    const byName = Object.fromEntries(alarms.map((a) => [a.AlarmName, a]));
    expect(Object.keys(byName).sort()).toEqual([
      'p-fleet-measured-rpo-critical', 'p-fleet-measured-rpo-warning', 'p-fleet-runner-job-failed-critical', 'p-fleet-runner-silent-critical',
    ]);
    const query = (name: string) => byName[name].Metrics[0].Expression;
    expect(query('p-fleet-runner-job-failed-critical'))
      .toBe('SELECT SUM(JobFailure) FROM SCHEMA("CdkDatabaseDr/Runner", Database, Engine, Job) GROUP BY Database, Engine, Job');
    expect(query('p-fleet-runner-silent-critical'))
      .toBe('SELECT MAX(SilencePercentOfWindow) FROM SCHEMA("CdkDatabaseDr/Recovery", Database, Check, Kind) WHERE Kind = \'runner-silent\' GROUP BY Database, Check');
    expect(query('p-fleet-measured-rpo-warning'))
      .toBe('SELECT MAX(MeasuredRpoPercentOfObjective) FROM SCHEMA("CdkDatabaseDr/Recovery", Database) GROUP BY Database');
    expect(byName['p-fleet-measured-rpo-warning']).toMatchObject({ Threshold: 80, ComparisonOperator: 'GreaterThanThreshold' });
    expect(byName['p-fleet-measured-rpo-critical']).toMatchObject({ Threshold: 100, ComparisonOperator: 'GreaterThanThreshold' });
    expect(byName['p-fleet-runner-silent-critical']).toMatchObject({ Threshold: 100, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    const topicRef = Template.fromStack(large.base).findResources('AWS::SNS::Topic');
    const [topicId] = Object.keys(topicRef);
    for (const a of alarms) {
      expect(a.Metrics).toHaveLength(1);
      expect(a.Metrics[0]).toMatchObject({ Period: 600, ReturnData: true });
      expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.OKActions).toEqual([{ Ref: topicId }]);
      expect(a.TreatMissingData).toBe('notBreaching');
    }
    // The descriptions count every database they watch (12 runner databases, 24 with a measured RPO).
    expect(byName['p-fleet-runner-job-failed-critical'].AlarmDescription).toContain('Databases: dump0x0, dump0x1, dump0x2, dump0x3, dump0x4, dump0x5, dump1x0,');
    expect(byName['p-fleet-runner-job-failed-critical'].AlarmDescription).toContain('dump1x5.');
    // 24 names do not fit CloudWatch's 1024 characters with the rest: counted, the first three named.
    expect(byName['p-fleet-measured-rpo-critical'].AlarmDescription).toMatch(/Databases: (24 \(rds0x0, dump0x0, rds0x1, …\)|rds0x0, .*dump1x5)\./);
  });

  test('each database stack\'s Lambda publishes the percentages the alarms judge: the RPO, each silence window and its kind', () => {
    const fn = Object.values(Template.fromStack(Stack.of(large.monitorings[0])).findResources('AWS::Lambda::Function'))
      .map((r: any) => r.Properties).find((p: any) => p.Environment?.Variables?.[MEASURED_RPO_ENV.config] || p.Environment?.Variables?.[MEASURED_RPO_ENV.configParameter]);
    expect(fn).toBeDefined();
    // The configuration as JSON with its references (bucket names) replaced by a placeholder.
    const flatten = (v: unknown) => joinedText(v);
    const params = Object.values(Template.fromStack(Stack.of(large.monitorings[0])).findResources('AWS::SSM::Parameter')).map((r: any) => flatten(r.Properties.Value));
    const raw = fn.Environment.Variables[MEASURED_RPO_ENV.config] ? flatten(fn.Environment.Variables[MEASURED_RPO_ENV.config]) : params.find((v) => v.includes('"databases"'));
    const config = JSON.parse(raw!);
    const rds = config.databases.find((d: any) => d.name === 'rds0x0');
    expect(rds.rpoSeconds).toBe(3600);
    const dump = config.databases.find((d: any) => d.name === 'dump0x0');
    expect(dump.rpoSeconds).toBe(86400);
    expect(dump.silenceChecks.map((c: any) => [c.check, c.kind, c.windowSeconds])).toEqual([
      // The backup job's (the jobs BackupMonitoring watches by default): its daily schedule's gap plus one hour.
      ['dump0x0-backup-runner-silent', 'runner-silent', 90000],
    ]);
    // No database of the other stack is measured here.
    expect(config.databases.some((d: any) => d.name.startsWith('rds1'))).toBe(false);
  });

  test('the Lambda of each database stack has a dead man\'s switch: an error or no run in a fleet period', () => {
    const [alarm] = alarmsOf(Stack.of(large.monitorings[1]));
    expect(alarm.AlarmName).toBe('p-measured-rpo-monitor-stopped-critical');
    expect(alarm.Metrics.find((m: any) => m.Expression).Expression).toBe('IF(FILL(errors, 0) > 0 || FILL(invocations, 0) < 1, 1, 0)');
    expect(alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => [m.Id, m.MetricStat.Metric.MetricName, m.MetricStat.Period])).toEqual([
      ['errors', 'Errors', 600], ['invocations', 'Invocations', 600],
    ]);
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'breaching' });
    expect(alarm.AlarmDescription).toContain('Databases: rds1x0, dump1x0, rds1x1,');
  });
});

describe('what is refused', () => {
  test('levels on the monitoring instead of the fleet, a Lambda slower than the fleet period, a bad period: every problem named', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const topic = new AlarmTopic(stack, 'AlarmTopic', { email: 'oncall@example.com' });
    expect(() => new FleetAlarms(stack, 'Bad', { planName: 'p', alarmTopic: topic, period: Duration.hours(4), measuredRpoAlarm: { warning: { percentOfObjective: 0 } } }))
      .toThrow(ConfigurationError);
    const refused = thrownBy(() => new FleetAlarms(stack, 'Bad2', {
      planName: 'p', alarmTopic: topic, period: Duration.seconds(90), measuredRpoAlarm: { critical: { percentOfObjective: -1 } },
    }));
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).problems).toEqual([
      'period: a whole number of minutes between 1 minute and 3 hours (Metrics Insights alarms read the last 3 hours), got 1 minute 30 seconds',
      'measuredRpoAlarm.critical.percentOfObjective must be above 0, got -1',
    ]);
    const fleet = new FleetAlarms(stack, 'Fleet', { planName: 'p', alarmTopic: topic, period: Duration.minutes(5) });
    const bucket = new TestBucket(stack, 'Backups', 'backups-src');
    const m = new BackupMonitoring(stack, 'M', {
      planName: 'p', alarmTopic: topic, fleetAlarms: fleet, measuredRpoInterval: Duration.minutes(15), measuredRpoAlarm: { warning: { percentOfObjective: 50 } },
    });
    m.addDatabase({ name: 'dump', rpo: Duration.hours(24), rto: Duration.hours(8) });
    m.addRunner(new TestRunner(stack, 'Runner', 'dump', RunnerEngine.PG_DUMP, bucket));
    const error = thrownBy(() => app.synth());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual(expect.arrayContaining([
      'measuredRpoAlarm: set the levels on the fleetAlarms that judge them (FleetAlarms measuredRpoAlarm), not here',
      'measuredRpoInterval: the measured-RPO Lambda must run at least once per fleet alarm period (5 minutes), got 15 minutes',
    ]));
  });
});
