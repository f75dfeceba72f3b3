/**
 * BackupMonitoring composed from the constructs: what each add-method derives, each alarm's
 * metric, threshold, period, evaluation periods and missing-data treatment; what is refused at
 * synth (every problem at once, naming both values); the compliance packs.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ConfigurationError } from '../../lib/errors';
import { AlarmTopic, BackupMonitoring, BackupMonitoringProps } from '../../lib/monitoring';
import { DatabaseProtection, ProtectedDatabase } from '../../lib/protection';
import { RunnerCommand, RunnerEngine } from '../../lib/runner';
import { BackupVault } from '../../lib/storage';
import { nagFindings } from '../support/nag';
import { TestBucket, TestRunner } from '../support/monitoring-fixtures';

const ENV = { account: '111111111111', region: 'eu-west-1' };

interface Fixture {
  readonly app: App; readonly stack: Stack; readonly topic: AlarmTopic; readonly bucket: TestBucket;
  readonly protect: (name: string, arn: string, rpo: Duration, schedule?: string) => DatabaseProtection;
}

function fixture(): Fixture {
  const app = new App();
  const stack = new Stack(app, 'Monitoring', { env: ENV });
  const topic = new AlarmTopic(stack, 'AlarmTopic', { email: 'oncall@example.com' });
  const vault = BackupVault.fromBackupVaultName(stack, 'Vault', 'primary');
  const drVault = BackupVault.fromBackupVaultArn(stack, 'DrVault', 'arn:aws:backup:eu-central-1:111111111111:backup-vault:dr');
  const bucket = new TestBucket(stack, 'Backups', 'backups-src', 'backups-dr');
  const protect = (name: string, arn: string, rpo: Duration, schedule?: string) => new DatabaseProtection(stack, `Protect-${name}`, {
    database: arn.includes(':cluster:') ? ProtectedDatabase.fromClusterArn(arn) : ProtectedDatabase.fromInstanceArn(arn),
    vault, drVault, rpo, snapshotSchedule: schedule ? events.Schedule.expression(schedule) : undefined,
  });
  return { app, stack, topic, bucket, protect };
}

const ORDERS_ARN = 'arn:aws:rds:eu-west-1:111111111111:db:orders-db';
const LEDGER_ARN = 'arn:aws:rds:eu-west-1:111111111111:cluster:ledger-cluster';

/** Orders: RDS with a read replica, a pg-dump runner, replication; ledger: Aurora with readers and a global secondary. */
function example(extra: Partial<BackupMonitoringProps> = {}) {
  const f = fixture();
  const orders = f.protect('orders', ORDERS_ARN, Duration.minutes(15));
  const ledger = f.protect('ledger', LEDGER_ARN, Duration.minutes(5), 'cron(0 * * * ? *)');
  const runner = new TestRunner(f.stack, 'OrdersDump', 'orders', RunnerEngine.PG_DUMP, f.bucket);
  const monitoring = new BackupMonitoring(f.stack, 'Monitoring', {
    planName: 'example', alarmTopic: f.topic, measuredRpoInterval: Duration.minutes(2),
    databases: [{ name: 'orders', rpo: Duration.minutes(15), rto: Duration.hours(1) }, { name: 'ledger', rpo: Duration.minutes(5), rto: Duration.minutes(30) }],
    protections: [
      { protection: orders, database: 'orders', rdsReadReplicaIdentifiers: ['orders-replica'] },
      { protection: ledger, database: 'ledger', auroraHasReaders: true, globalSecondaryClusterIdentifier: 'ledger-secondary', globalSourceRegion: 'eu-central-1' },
    ],
    runners: [{ runner }],
    replications: [f.bucket],
    ...extra,
  });
  return { ...f, monitoring, template: Template.fromStack(f.stack) };
}

/** The measured-RPO configuration, tokens (references) read as TOKEN. */
function measuredRpoConfig(template: Template) {
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
  const value = fn.Properties.Environment.Variables.MEASURED_RPO_CONFIG;
  const text = typeof value === 'string' ? value : (value['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text);
}

function alarm(template: Template, name: string, props: Record<string, unknown>) {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: name, ...props });
}

describe('alarms derived from the constructs', () => {
  const { template, monitoring } = example();
  const topicAction = { AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }], OKActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }], ActionsEnabled: true };

  test('failed and expired backup jobs, failed copy jobs, per vault and the protection\'s resource type', () => {
    const dims = [{ Name: 'BackupVaultName', Value: 'primary' }, { Name: 'ResourceType', Value: 'RDS' }];
    for (const [kind, metricName, severity] of [
      ['backup-job-failed', 'NumberOfBackupJobsFailed', 'critical'],
      ['backup-job-expired', 'NumberOfBackupJobsExpired', 'warning'],
      ['copy-job-failed', 'NumberOfCopyJobsFailed', 'critical'],
    ]) {
      alarm(template, `example-primary-RDS-${kind}-${severity}`, {
        Namespace: 'AWS/Backup', MetricName: metricName, Dimensions: dims, Statistic: 'Sum', Period: 300,
        Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching', ...topicAction,
      });
    }
    alarm(template, 'example-primary-Aurora-backup-job-failed-critical', { Dimensions: [{ Name: 'BackupVaultName', Value: 'primary' }, { Name: 'ResourceType', Value: 'Aurora' }] });
    // No restore verification was added: no restore-job alarm.
    expect(monitoring.describeAlarms().some((d) => d.kind === 'restore-job-failed')).toBe(false);
  });

  test('dead man\'s switch: the protection\'s snapshot interval plus its start window, missing data breaching', () => {
    alarm(template, 'example-primary-RDS-no-successful-backup-critical', {
      Namespace: 'AWS/Backup', MetricName: 'NumberOfBackupJobsCompleted', Statistic: 'Sum', Period: 3600,
      EvaluationPeriods: 25, DatapointsToAlarm: 25, Threshold: 1, ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching', ...topicAction,
    });
    alarm(template, 'example-primary-Aurora-no-successful-backup-critical', { Period: 3600, EvaluationPeriods: 2, TreatMissingData: 'breaching' });
  });

  test('measured RPO: Warning at 80 %, Critical at 100 % of the RPO, period twice the measuring interval, missing data breaching', () => {
    for (const [db, rpo] of [['orders', 900], ['ledger', 300]] as const) {
      for (const [severity, threshold] of [['warning', rpo * 0.8], ['critical', rpo]] as const) {
        alarm(template, `example-${db}-measured-rpo-${severity}`, {
          Namespace: 'CdkDatabaseDr/Recovery', MetricName: 'MeasuredRpoSeconds', Dimensions: [{ Name: 'Database', Value: db }],
          Statistic: 'Maximum', Period: 240, Threshold: threshold, ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 1, TreatMissingData: 'breaching', ...topicAction,
        });
      }
    }
  });

  test('replication lag thresholds derive from the RPO, in each metric\'s unit; the cluster id comes from the protection', () => {
    alarm(template, 'example-orders-orders-replica-replica-lag-warning', {
      Namespace: 'AWS/RDS', MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'orders-replica' }],
      Statistic: 'Maximum', Period: 60, Threshold: 450, EvaluationPeriods: 3, DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'breaching',
    });
    alarm(template, 'example-orders-orders-replica-replica-lag-critical', { Threshold: 900 });
    alarm(template, 'example-ledger-aurora-replica-lag-critical', {
      MetricName: 'AuroraReplicaLag', Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'ledger-cluster' }, { Name: 'Role', Value: 'READER' }],
      Threshold: 300000, Period: 60, EvaluationPeriods: 3, TreatMissingData: 'breaching',
    });
    alarm(template, 'example-ledger-global-rpo-lag-warning', {
      MetricName: 'AuroraGlobalDBRPOLag', Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'ledger-secondary' }, { Name: 'SourceRegion', Value: 'eu-central-1' }],
      Threshold: 150000, Statistic: 'Maximum', Period: 60, TreatMissingData: 'breaching',
    });
  });

  test('S3 replication: the replica name and rule id come from the bucket', () => {
    // CDK renders dimensions sorted by name.
    const dims = [{ Name: 'DestinationBucket', Value: 'backups-dr' }, { Name: 'RuleId', Value: 'replicate-backups-to-dr' }, { Name: 'SourceBucket', Value: 'backups-src' }];
    alarm(template, 'example-orders-replicate-backups-to-dr-s3-replication-failed-critical', {
      Namespace: 'AWS/S3', MetricName: 'OperationsFailedReplication', Dimensions: dims, Statistic: 'Sum', Period: 300,
      Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching',
    });
    alarm(template, 'example-orders-replicate-backups-to-dr-s3-replication-latency-warning', {
      Namespace: 'AWS/S3', MetricName: 'ReplicationLatency', Dimensions: dims, Statistic: 'Maximum', Period: 300,
      Threshold: 900, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'ignore',
    });
  });

  test('runner failures and silence: engine from the runner, window its backup interval plus an hour', () => {
    const dims = [{ Name: 'Database', Value: 'orders' }, { Name: 'Engine', Value: 'pg-dump' }, { Name: 'Job', Value: 'backup' }];
    alarm(template, 'example-orders-backup-runner-job-failed-critical', {
      Namespace: 'CdkDatabaseDr/Runner', MetricName: 'JobFailure', Dimensions: dims, Statistic: 'Sum', Period: 300,
      Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching',
    });
    alarm(template, 'example-orders-backup-runner-silent-critical', {
      Namespace: 'CdkDatabaseDr/Runner', MetricName: 'JobSuccess', Dimensions: dims, Statistic: 'Sum', Period: 3600,
      EvaluationPeriods: 25, DatapointsToAlarm: 25, Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching',
    });
  });

  test('every alarm notifies the alarm topic and names its kind and docs page; describeAlarms matches the template', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const described = monitoring.describeAlarms();
    expect(Object.keys(alarms)).toHaveLength(described.length);
    expect(monitoring.alarms).toHaveLength(described.length);
    for (const a of Object.values(alarms)) {
      const p = a.Properties;
      expect(p.ActionsEnabled).toBe(true);
      expect(p.AlarmActions).toHaveLength(1);
      const d = described.find((x) => x.alarmName === p.AlarmName)!;
      expect(p.AlarmDescription).toMatch(new RegExp(`^\\[(Warning|Critical)\\] ${d.kind}: .* First response: docs/alarms/${d.kind}\\.md \\(cdk-database-dr\\)\\.$`));
      expect([d.threshold, d.periodSeconds, d.evaluationPeriods, d.datapointsToAlarm, d.treatMissingData, d.comparisonOperator])
        .toEqual([p.Threshold, p.Period, p.EvaluationPeriods, p.DatapointsToAlarm, p.TreatMissingData, p.ComparisonOperator]);
      expect(d.metric).toContain(p.MetricName);
    }
  });

  test('the measured-RPO Lambda reads what the constructs say: instance, vault and DR copy vault, the runner\'s real prefix', () => {
    const config = measuredRpoConfig(template);
    expect(config.databases[0]).toEqual(expect.objectContaining({
      name: 'orders', rds: { instanceIdentifier: 'orders-db' },
      awsBackup: expect.objectContaining({ vaults: [{ name: 'primary' }, { name: 'dr', region: 'eu-central-1' }] }),
      manifests: expect.objectContaining({ prefix: 'runner/orders/pg-dump/' }),
    }));
    expect(config.databases[1]).toEqual(expect.objectContaining({ name: 'ledger', rds: { clusterIdentifier: 'ledger-cluster' } }));
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toContain(':backup:eu-central-1:111111111111:backup-vault:dr');
    expect(policies).toContain('/runner/orders/pg-dump/*/manifest.json');
  });

  test('the dashboard draws the RPO and RTO as horizontal annotations', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Stack.of(monitoring).resolve(Object.values(dashboards)[0].Properties.DashboardBody));
    expect(Object.values(dashboards)[0].Properties.DashboardName).toBe('example-backup-dr');
    expect(body).toContain('\\"horizontal\\":[{\\"value\\":900,\\"label\\":\\"RPO 15 minutes\\"');
    expect(body).toContain('{\\"value\\":720,\\"label\\":\\"warning\\"');
    expect(body).toContain('{\\"value\\":300000,\\"label\\":\\"RPO\\"');
  });
});

describe('options', () => {
  test('custom levels, a disabled warning, a docs base URL and a topic of your own', () => {
    const f = fixture();
    const mine = new AlarmTopic(f.stack, 'Mine', { topic: sns.Topic.fromTopicArn(f.stack, 'Imported', 'arn:aws:sns:eu-west-1:111111111111:oncall') });
    const m = new BackupMonitoring(f.stack, 'M', {
      planName: 'p', alarmTopic: mine, docsBaseUrl: 'https://wiki.example.com/dr/',
      measuredRpoAlarm: { warning: { percentOfObjective: 50, enabled: false }, critical: { percentOfObjective: 120 } },
      databases: [{ name: 'orders', rpo: Duration.hours(1), rto: Duration.hours(4) }],
    });
    m.addProtection(f.protect('orders', ORDERS_ARN, Duration.hours(1)), { database: 'orders' });
    const t = Template.fromStack(f.stack);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'p-orders-measured-rpo-critical', Threshold: 4320, AlarmActions: ['arn:aws:sns:eu-west-1:111111111111:oncall'],
      AlarmDescription: Match.stringLikeRegexp('First response: https://wiki.example.com/dr/measured-rpo.md') });
    expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'p-orders-measured-rpo-warning' } }))).toHaveLength(0);
  });

  test('a runner silence window longer than 7 days is dated by the Lambda, and alarmed on SecondsSinceLastSuccess', () => {
    const f = fixture();
    const runner = new TestRunner(f.stack, 'Ledger', 'ledger', RunnerEngine.PGBACKREST, f.bucket, { walArchivePrefix: 'pgbackrest/archive/ledger' });
    new BackupMonitoring(f.stack, 'Monitoring', {
      planName: 'example', alarmTopic: f.topic, databases: [{ name: 'ledger', rpo: Duration.hours(1), rto: Duration.hours(4) }],
      runners: [{ runner, interval: Duration.days(10) }],
    });
    const template = Template.fromStack(f.stack);
    alarm(template, 'example-ledger-backup-runner-silent-critical', {
      MetricName: 'SecondsSinceLastSuccess', Dimensions: [{ Name: 'Check', Value: 'ledger-backup-runner-silent' }, { Name: 'Database', Value: 'ledger' }],
      Threshold: 10 * 86400, TreatMissingData: 'breaching',
    });
    const config = measuredRpoConfig(template);
    expect(config.databases[0]).toEqual(expect.objectContaining({
      name: 'ledger', walArchive: expect.objectContaining({ prefix: 'pgbackrest/archive/ledger/' }),
      silenceChecks: [expect.objectContaining({ check: 'ledger-backup-runner-silent', dimensions: { Database: 'ledger', Engine: 'pgbackrest', Job: 'backup' }, lookbackSeconds: 11 * 86400 })],
    }));
  });

  test('alarms without an action are a warning', () => {
    const { stack, template } = example({ actionsEnabled: false });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'example-orders-measured-rpo-critical', ActionsEnabled: false });
    Annotations.fromStack(stack).hasWarning('/Monitoring/Monitoring', Match.stringLikeRegexp('actionsEnabled is false'));
  });

  test('add-methods after the alarms were built are refused', () => {
    const { monitoring } = example();
    expect(() => monitoring.addDatabase({ name: 'late', rpo: Duration.hours(1), rto: Duration.hours(1) })).toThrow(/addDatabase: called after the alarms were built/);
  });
});

describe('refused at synth, every problem at once', () => {
  const problemsOf = (f: Fixture) => {
    try {
      f.app.synth();
    } catch (e) {
      if (!(e instanceof ConfigurationError)) throw e;
      return (e as ConfigurationError).problems;
    }
    throw new Error('expected a ConfigurationError');
  };

  test('a monitoring RPO beside another protection RPO names both', () => {
    const f = fixture();
    const m = new BackupMonitoring(f.stack, 'Monitoring', { planName: 'p', alarmTopic: f.topic, databases: [{ name: 'orders', rpo: Duration.hours(4), rto: Duration.hours(1) }] });
    m.addProtection(f.protect('orders', ORDERS_ARN, Duration.minutes(15)), { database: 'orders' });
    expect(problemsOf(f)).toEqual([
      "database 'orders': the monitoring rpo (4 hours) differs from the rpo of protection Monitoring/Protect-orders (15 minutes); give the database one rpo",
    ]);
  });

  test('no source meets the RPO: judged by the fastest source, naming both values', () => {
    const f = fixture();
    const daily = new TestRunner(f.stack, 'Dump', 'orders', RunnerEngine.PG_DUMP, f.bucket);
    const m = new BackupMonitoring(f.stack, 'Monitoring', { planName: 'p', alarmTopic: f.topic, databases: [{ name: 'orders', rpo: Duration.hours(4), rto: Duration.hours(1) }] });
    m.addRunner(daily);
    expect(problemsOf(f)).toEqual([
      "database 'orders': no recovery-point source meets its rpo (4 hours); the fastest is pg-dump backups every 1 day at worst (Monitoring/Dump), whose newest point can be 1 day old",
    ]);
  });

  test('a daily logical runner beside AWS Backup continuous backup is fine', () => {
    const f = fixture();
    const m = new BackupMonitoring(f.stack, 'Monitoring', { planName: 'p', alarmTopic: f.topic, databases: [{ name: 'orders', rpo: Duration.minutes(15), rto: Duration.hours(1) }] });
    m.addProtection(f.protect('orders', ORDERS_ARN, Duration.minutes(15)), { database: 'orders' });
    m.addRunner(new TestRunner(f.stack, 'Dump', 'orders', RunnerEngine.PG_DUMP, f.bucket));
    expect(() => f.app.synth()).not.toThrow();
  });

  test('a watched job that is not scheduled, a runner of an unmonitored database, a window below resolution, a bad plan name', () => {
    const f = fixture();
    const m = new BackupMonitoring(f.stack, 'Monitoring', { planName: 'my plan', alarmTopic: f.topic, databases: [{ name: 'orders', rpo: Duration.minutes(15), rto: Duration.hours(1) }] });
    m.addProtection(f.protect('orders', ORDERS_ARN, Duration.minutes(15)), { database: 'orders' });
    m.addRunner(new TestRunner(f.stack, 'Dump', 'orders', RunnerEngine.PG_DUMP, f.bucket), { jobs: [RunnerCommand.BACKUP, RunnerCommand.VERIFY], interval: Duration.seconds(20) });
    m.addRunner(new TestRunner(f.stack, 'Other', 'inventory', RunnerEngine.MYSQLDUMP, f.bucket));
    expect(problemsOf(f)).toEqual([
      "runner Monitoring/Other (mysqldump) is for database 'inventory', which is not a monitored database (addDatabase; monitored: orders)",
      "planName must be 1-100 letters, digits, - or _, got 'my plan'",
      "database 'orders': runner Monitoring/Dump (pg-dump): job 'verify' is watched but not scheduled (scheduled: backup, expire); its metrics would never exist",
      "database 'orders': the silence window of runner Monitoring/Dump (pg-dump) (20 seconds) is shorter than the metric's 1 minute resolution: the alarm cannot tell silence from a gap between data points",
    ]);
  });

  test('a database without any recovery-point source, twice, and an unreplicated bucket', () => {
    const f = fixture();
    new BackupMonitoring(f.stack, 'Monitoring', {
      planName: 'p', alarmTopic: f.topic, replications: [new TestBucket(f.stack, 'Plain', 'plain')],
      databases: [{ name: 'logs', rpo: Duration.hours(1), rto: Duration.hours(4) }, { name: 'logs', rpo: Duration.hours(1), rto: Duration.hours(4) }],
    });
    expect(problemsOf(f)).toEqual([
      "database 'logs' is added twice",
      "database 'logs': no recovery-point source (addProtection, or addRunner of a runner with a cron backup schedule or a WAL archive): its rpo (1 hour) cannot be met or measured",
      'replication of Monitoring/Plain: the bucket is not replicated (no replica bucket), so there is nothing to watch',
    ]);
  });

  test('an alarm period longer than the RPO', () => {
    const f = fixture();
    const m = new BackupMonitoring(f.stack, 'Monitoring', { planName: 'p', alarmTopic: f.topic, measuredRpoInterval: Duration.minutes(5),
      databases: [{ name: 'orders', rpo: Duration.minutes(8), rto: Duration.hours(1) }] });
    m.addProtection(f.protect('orders', ORDERS_ARN, Duration.minutes(8)), { database: 'orders' });
    expect(problemsOf(f)).toEqual([
      "database 'orders': the measured-RPO alarm period (600 s, twice measuredRpoInterval) is longer than the rpo (480 s): the alarm cannot resolve the objective; lower measuredRpoInterval to at most 4 minute(s)",
    ]);
  });

  test('an alarm topic nobody subscribes to', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    new AlarmTopic(stack, 'Silent');
    expect(() => app.synth()).toThrow(/the topic has no subscriber, so its alarms page no one/);
  });
});

describe('the four compliance packs', () => {
  test('find nothing in the monitoring, its topic and its Lambda', () => {
    const { stack } = example();
    expect(nagFindings(stack).filter((f) => !f.includes('/Backups/') && !f.includes('/Protect-'))).toEqual([]);
  });
});
