/**
 * BackupMonitoring: each alarm's metric, threshold, period, evaluation periods and missing-data
 * treatment; bad input; the compliance packs.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ConfigurationError } from '../../lib/errors';
import { BackupMonitoring, BackupMonitoringProps, MonitoredDatabase } from '../../lib/monitoring/backup-monitoring';
import { nagFindings } from '../support/nag';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function build(props: Partial<BackupMonitoringProps> & { databases: MonitoredDatabase[] }, withBucket?: (stack: Stack) => Partial<MonitoredDatabase>) {
  const app = new App();
  const stack = new Stack(app, 'Monitoring', { env: ENV });
  const extra = withBucket ? withBucket(stack) : {};
  const databases = props.databases.map((d, i) => (i === 0 ? { ...d, ...extra } : d));
  const monitoring = new BackupMonitoring(stack, 'Monitoring', { planName: 'example', ...props, databases });
  return { app, stack, monitoring, template: Template.fromStack(stack) };
}

const ORDERS: MonitoredDatabase = {
  name: 'orders',
  rpo: Duration.minutes(15),
  rto: Duration.hours(1),
  backupVaultNames: ['primary'],
  backupInterval: Duration.hours(25),
  rdsInstanceIdentifier: 'orders-db',
  rdsReadReplicaIdentifiers: ['orders-replica'],
  s3Replication: { sourceBucketName: 'backups-src', destinationBucketName: 'backups-dr', ruleId: 'to-dr' },
  runner: { engine: 'pg-dump', interval: Duration.hours(25) },
  verification: { maxAge: Duration.days(7) },
};

const LEDGER: MonitoredDatabase = {
  name: 'ledger',
  rpo: Duration.minutes(5),
  rto: Duration.minutes(30),
  backupVaultNames: ['primary'],
  backupInterval: Duration.hours(2),
  auroraClusterIdentifier: 'ledger-cluster',
  auroraHasReaders: true,
  globalSecondaryClusterIdentifier: 'ledger-secondary',
  globalSourceRegion: 'eu-central-1',
};

function alarm(template: Template, name: string, props: Record<string, unknown>) {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: name, ...props });
}

describe('alarms', () => {
  const { template, monitoring } = build({ databases: [ORDERS, LEDGER], measuredRpoInterval: Duration.minutes(2) });
  const topicAction = { AlarmActions: [{ Ref: Match.stringLikeRegexp('MonitoringTopic') }], OKActions: [{ Ref: Match.stringLikeRegexp('MonitoringTopic') }], ActionsEnabled: true };

  test('failed and expired backup jobs, failed copy and restore jobs, per vault and resource type', () => {
    const dims = [{ Name: 'BackupVaultName', Value: 'primary' }, { Name: 'ResourceType', Value: 'RDS' }];
    for (const [kind, metricName, severity] of [
      ['backup-job-failed', 'NumberOfBackupJobsFailed', 'critical'],
      ['backup-job-expired', 'NumberOfBackupJobsExpired', 'warning'],
      ['copy-job-failed', 'NumberOfCopyJobsFailed', 'critical'],
      ['restore-job-failed', 'NumberOfRestoreJobsFailed', 'critical'],
    ]) {
      alarm(template, `example-primary-RDS-${kind}-${severity}`, {
        Namespace: 'AWS/Backup', MetricName: metricName, Dimensions: dims, Statistic: 'Sum', Period: 300,
        Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching', ...topicAction,
      });
    }
    // Aurora jobs in the same vault get their own series.
    alarm(template, 'example-primary-Aurora-backup-job-failed-critical', { Dimensions: [{ Name: 'BackupVaultName', Value: 'primary' }, { Name: 'ResourceType', Value: 'Aurora' }] });
  });

  test('dead man\'s switch: no completed backup within the backup interval, missing data breaching', () => {
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

  test('replication lag thresholds derive from the RPO, in each metric\'s unit', () => {
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

  test('S3 replication: any failed operation, latency over the 15-minute RTC objective', () => {
    // CDK renders dimensions sorted by name.
    const dims = [{ Name: 'DestinationBucket', Value: 'backups-dr' }, { Name: 'RuleId', Value: 'to-dr' }, { Name: 'SourceBucket', Value: 'backups-src' }];
    alarm(template, 'example-orders-to-dr-s3-replication-failed-critical', {
      Namespace: 'AWS/S3', MetricName: 'OperationsFailedReplication', Dimensions: dims, Statistic: 'Sum', Period: 300,
      Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching',
    });
    alarm(template, 'example-orders-to-dr-s3-replication-latency-warning', {
      Namespace: 'AWS/S3', MetricName: 'ReplicationLatency', Dimensions: dims, Statistic: 'Maximum', Period: 300,
      Threshold: 900, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'ignore',
    });
  });

  test('runner failures and runner silence, with the runner\'s three dimensions', () => {
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

  test('failed and missing restore verifications', () => {
    const dims = [{ Name: 'Database', Value: 'orders' }];
    alarm(template, 'example-orders-verification-failed-critical', {
      Namespace: 'CdkDatabaseDr/Verification', MetricName: 'VerificationFailure', Dimensions: dims, Statistic: 'Sum', Period: 300,
      Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching',
    });
    alarm(template, 'example-orders-verification-missing-warning', {
      Namespace: 'CdkDatabaseDr/Verification', MetricName: 'VerificationSuccess', Dimensions: dims, Statistic: 'Sum', Period: 3600,
      EvaluationPeriods: 168, DatapointsToAlarm: 168, Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching',
    });
  });

  test('every alarm has the topic as action and a runbook link; describeAlarms matches the template', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const described = monitoring.describeAlarms();
    expect(Object.keys(alarms)).toHaveLength(described.length);
    expect(monitoring.alarms).toHaveLength(described.length);
    for (const a of Object.values(alarms)) {
      const p = a.Properties;
      expect(p.ActionsEnabled).toBe(true);
      expect(p.AlarmActions).toHaveLength(1);
      expect(p.AlarmDescription).toMatch(/^\[(Warning|Critical)\] .* Runbook: runbooks\/[a-z0-9-]+\.md$/);
      const d = described.find((x) => x.alarmName === p.AlarmName)!;
      expect(d).toBeDefined();
      expect([d.threshold, d.periodSeconds, d.evaluationPeriods, d.datapointsToAlarm, d.treatMissingData, d.comparisonOperator])
        .toEqual([p.Threshold, p.Period, p.EvaluationPeriods, p.DatapointsToAlarm, p.TreatMissingData, p.ComparisonOperator]);
      expect(d.metric).toContain(p.MetricName);
    }
    expect(described.map((d) => d.kind).sort()).toEqual(expect.arrayContaining([
      'backup-job-failed', 'copy-job-failed', 'no-successful-backup', 'measured-rpo', 'replica-lag', 'aurora-replica-lag',
      'global-rpo-lag', 's3-replication-failed', 's3-replication-latency', 'runner-job-failed', 'runner-silent',
      'verification-failed', 'verification-missing', 'restore-job-failed', 'backup-job-expired',
    ]));
  });

  test('the topic is KMS-encrypted, SSL-only, and CloudWatch may use its key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
  });

  test('the dashboard draws the RPO and RTO as horizontal annotations', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Stack.of(monitoring).resolve(Object.values(dashboards)[0].Properties.DashboardBody));
    expect(Object.values(dashboards)[0].Properties.DashboardName).toBe('example-backup-dr');
    expect(body).toContain('\\"horizontal\\":[{\\"value\\":900,\\"label\\":\\"RPO 15 minutes\\"');
    expect(body).toContain('{\\"value\\":720,\\"label\\":\\"warning\\"');
    expect(body).toContain('\\"label\\":\\"RTO 1 hour\\"');
    expect(body).toContain('{\\"value\\":300000,\\"label\\":\\"RPO\\"');
    expect(body).toContain('MeasuredRpoSeconds');
  });
});

describe('options', () => {
  test('custom levels, a disabled warning, a runbook base URL and a topic of your own', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const topic = new sns.Topic(stack, 'Mine', { enforceSSL: true });
    new BackupMonitoring(stack, 'M', {
      planName: 'p', topic, runbookBaseUrl: 'https://wiki.example.com/dr/',
      measuredRpoAlarm: { warning: { percentOfObjective: 50, enabled: false }, critical: { percentOfObjective: 120 } },
      databases: [{ name: 'orders', rpo: Duration.hours(1), rto: Duration.hours(4), rdsInstanceIdentifier: 'orders-db' }],
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'p-orders-measured-rpo-critical', Threshold: 4320, AlarmActions: [{ Ref: Match.stringLikeRegexp('Mine') }],
      AlarmDescription: Match.stringLikeRegexp('Runbook: https://wiki.example.com/dr/measured-rpo.md$') });
    expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'p-orders-measured-rpo-warning' } }))).toHaveLength(0);
  });

  test('a silence window longer than 7 days is dated by the Lambda, and alarmed on SecondsSinceLastSuccess', () => {
    const { template } = build({ databases: [
      { name: 'orders', rpo: Duration.hours(1), rto: Duration.hours(4), rdsInstanceIdentifier: 'orders-db', verification: { maxAge: Duration.days(8), awsBackupRestoreTesting: false } },
      // No recovery-point source: the Lambda still runs for its silence check.
      { name: 'ledger', rpo: Duration.hours(1), rto: Duration.hours(4), runner: { engine: 'pgbackrest', interval: Duration.days(10) } },
    ] });
    alarm(template, 'example-orders-verification-missing-warning', {
      Namespace: 'CdkDatabaseDr/Recovery', MetricName: 'SecondsSinceLastSuccess',
      Dimensions: [{ Name: 'Check', Value: 'verification-missing' }, { Name: 'Database', Value: 'orders' }],
      Statistic: 'Maximum', Period: 600, Threshold: 8 * 86400, ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1, TreatMissingData: 'breaching',
    });
    alarm(template, 'example-ledger-backup-runner-silent-critical', {
      MetricName: 'SecondsSinceLastSuccess', Dimensions: [{ Name: 'Check', Value: 'ledger-backup-runner-silent' }, { Name: 'Database', Value: 'ledger' }],
      Threshold: 10 * 86400, TreatMissingData: 'breaching',
    });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    const config = JSON.parse(fn.Properties.Environment.Variables.MEASURED_RPO_CONFIG);
    expect(config.databases).toEqual([
      expect.objectContaining({ name: 'orders', rds: { instanceIdentifier: 'orders-db' }, silenceChecks: [{
        check: 'verification-missing', namespace: 'CdkDatabaseDr/Verification', metricName: 'VerificationSuccess', dimensions: { Database: 'orders' }, lookbackSeconds: 9 * 86400,
      }] }),
      { name: 'ledger', silenceChecks: [{
        check: 'ledger-backup-runner-silent', namespace: 'CdkDatabaseDr/Runner', metricName: 'JobSuccess',
        dimensions: { Database: 'ledger', Engine: 'pgbackrest', Job: 'backup' }, lookbackSeconds: 11 * 86400,
      }] },
    ]);
    expect(JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'))).toContain('"cloudwatch:GetMetricData"');
  });

  test('the measured-RPO Lambda reads only what it is given', () => {
    const { template } = build({ databases: [{ ...ORDERS, copyVaults: [{ vaultName: 'dr', region: 'eu-central-1' }] }] },
      (stack) => ({ runnerBackups: { bucket: new s3.Bucket(stack, 'Backups'), prefix: 'orders/pg-dump' }, walArchive: { bucket: new s3.Bucket(stack, 'Wal'), prefix: 'archive/orders' } }));
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', ReservedConcurrentExecutions: 1,
      Environment: { Variables: { MEASURED_RPO_CONFIG: Match.anyValue() } } });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    // Permissions live in one customer-managed policy, none inline.
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toContain(':rds:eu-west-1:111111111111:db:orders-db');
    expect(policies).toContain(':backup:eu-central-1:111111111111:backup-vault:dr');
    expect(policies).toContain('/orders/pg-dump/*/manifest.json');
    expect(policies).toContain('"s3:prefix":["archive/orders/","archive/orders/*"]');
    expect(policies).toContain('"cloudwatch:namespace":"CdkDatabaseDr/Recovery"');
    expect(policies).not.toMatch(/"s3:\*"|"s3:GetObject\*"|"backup:\*"|"rds:\*"/);
  });

  test('a large plan keeps its measured-RPO configuration in SSM', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `database-number-${i}`, rpo: Duration.hours(1), rto: Duration.hours(4), rdsInstanceIdentifier: `instance-with-a-long-identifier-${i}` }));
    const { template } = build({ databases: many, dashboard: false });
    template.resourceCountIs('AWS::SSM::Parameter', 1);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { MEASURED_RPO_CONFIG_PARAMETER: Match.anyValue() } } });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});

describe('bad input', () => {
  const base: MonitoredDatabase = { name: 'orders', rpo: Duration.minutes(15), rto: Duration.hours(1), rdsInstanceIdentifier: 'orders-db' };
  const fails = (props: Partial<BackupMonitoringProps>, databases: MonitoredDatabase[]) => {
    try {
      build({ ...props, databases });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigurationError);
      return (e as ConfigurationError).problems;
    }
    throw new Error('expected a ConfigurationError');
  };

  test('an alarm period longer than the RPO names the database and the setting', () => {
    expect(fails({ measuredRpoInterval: Duration.minutes(5) }, [{ ...base, rpo: Duration.minutes(8) }])).toEqual([
      "database 'orders': the measured-RPO alarm period (600 s, twice measuredRpoInterval) is longer than the rpo (480 s): the alarm cannot resolve the objective; lower measuredRpoInterval to at most 4 minute(s)",
    ]);
  });

  test('a window below the metric\'s resolution', () => {
    expect(fails({}, [{ ...base, backupVaultNames: ['v'], backupInterval: Duration.minutes(2), verification: { maxAge: Duration.seconds(30) } }])).toEqual([
      "database 'orders': backupInterval (2 minutes) is shorter than the metric's 5 minutes resolution: the alarm cannot tell silence from a gap between data points",
      "database 'orders': verification.maxAge (30 seconds) is shorter than the metric's 1 minute resolution: the alarm cannot tell silence from a gap between data points",
    ]);
  });

  test('a replica-lag threshold below ReplicaLag\'s 1-second resolution', () => {
    expect(fails({ measuredRpoInterval: Duration.minutes(1) }, [{ name: 'fast', rpo: Duration.seconds(1), rto: Duration.minutes(5), rdsInstanceIdentifier: 'a', rdsReadReplicaIdentifiers: ['b'] }]))
      .toEqual(expect.arrayContaining([
        "database 'fast': the warning replica-lag threshold (0.5 s = 50 % of the rpo) is below ReplicaLag's 1-second resolution",
      ]));
  });

  test('without measuredRpoInterval the interval shrinks to fit the shortest RPO', () => {
    const { template } = build({ databases: [{ ...base, rpo: Duration.minutes(5) }, { ...base, name: 'other', rpo: Duration.hours(1) }] });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 minutes)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'example-orders-measured-rpo-critical', Period: 240, Threshold: 300 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'example-other-measured-rpo-critical', Period: 240, Threshold: 3600 });
  });

  test('a replication-lag alarm for a database with no replica', () => {
    expect(fails({}, [{ ...base, replicaLagAlarm: true }])).toEqual([
      "database 'orders': replicaLagAlarm is true but the database has no replica (set rdsReadReplicaIdentifiers, auroraHasReaders or globalSecondaryClusterIdentifier)",
    ]);
  });

  test('a window longer than CloudWatch keeps history for, duplicates and a bad plan name, all at once', () => {
    const problems = fails({ planName: 'my plan' }, [{ ...base, runner: { engine: 'pg-dump', interval: Duration.days(500) } }, base]);
    expect(problems).toEqual([
      "planName must be 1-100 letters, digits, - or _, got 'my plan'",
      "database 'orders': runner.interval (500 days) is longer than the 454 days CloudWatch keeps metric history for",
      "database 'orders' appears twice",
    ]);
  });

  test('alarms without an action are a warning naming the database and the setting', () => {
    const { stack, template } = build({ actionsEnabled: false, databases: [base] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'example-orders-measured-rpo-critical', ActionsEnabled: false });
    Annotations.fromStack(stack).hasWarning('/Monitoring/Monitoring', Match.stringLikeRegexp("database 'orders': actionsEnabled is false, so its 2 alarm\\(s\\) have no action"));
  });

  test('a database without any recovery-point source is a warning: its RPO is not measured', () => {
    const { stack, template } = build({ databases: [{ name: 'logs', rpo: Duration.hours(1), rto: Duration.hours(4), backupVaultNames: ['v'] }] });
    template.resourceCountIs('AWS::Lambda::Function', 0);
    Annotations.fromStack(stack).hasWarning('/Monitoring/Monitoring', Match.stringLikeRegexp("database 'logs' has no recovery-point source"));
  });

  test('S3 replication slower than the RPO is a warning', () => {
    const { stack } = build({ measuredRpoInterval: Duration.minutes(1), databases: [{ ...base, rpo: Duration.minutes(5), s3Replication: { sourceBucketName: 'a', destinationBucketName: 'b', ruleId: 'r' } }] });
    Annotations.fromStack(stack).hasWarning('/Monitoring/Monitoring', Match.stringLikeRegexp('replication latency threshold \\(15 minutes\\) is longer than the rpo'));
  });
});

describe('the four compliance packs', () => {
  test('pass on a stack with BackupMonitoring reading an existing bucket', () => {
    const { stack } = build({ databases: [ORDERS, LEDGER], measuredRpoInterval: Duration.minutes(2) }, (s) => ({
      runnerBackups: { bucket: s3.Bucket.fromBucketName(s, 'Backups', 'backups-src'), prefix: 'orders/pg-dump' },
    }));
    expect(nagFindings(stack)).toEqual([]);
  });

  test('find nothing in BackupMonitoring when it reads KMS-encrypted buckets of the same stack', () => {
    const { stack } = build({ databases: [ORDERS] }, (s) => ({
      runnerBackups: { bucket: new s3.Bucket(s, 'Backups', { encryption: s3.BucketEncryption.KMS }), prefix: 'orders/pg-dump' },
      walArchive: { bucket: new s3.Bucket(s, 'Wal', { encryption: s3.BucketEncryption.KMS }), prefix: 'archive/orders' },
    }));
    // The buckets themselves are a test fixture, not part of the construct under test.
    expect(nagFindings(stack).filter((f) => f.includes('Monitoring/Monitoring/'))).toEqual([]);
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
    expect(policy).toContain('"Action":"kms:Decrypt"');
  });
});

describe('several runner engines for one database', () => {
  test('each engine gets its own failure and silence alarms, named with the engine', () => {
    const { template } = build({ databases: [{
      ...ORDERS,
      additionalRunners: [{ engine: 'pgbackrest', interval: Duration.hours(26) }],
    }] });
    alarm(template, 'example-orders-backup-runner-job-failed-critical', {
      Dimensions: Match.arrayWith([{ Name: 'Engine', Value: 'pg-dump' }]),
    });
    alarm(template, 'example-orders-pgbackrest-backup-runner-job-failed-critical', {
      MetricName: 'JobFailure', Dimensions: Match.arrayWith([{ Name: 'Engine', Value: 'pgbackrest' }]),
    });
    alarm(template, 'example-orders-pgbackrest-backup-runner-silent-critical', { TreatMissingData: 'breaching' });
  });

  test('an additional runner whose window is below the metric resolution is refused by name', () => {
    expect(() => build({ databases: [{ ...ORDERS, additionalRunners: [{ engine: 'pgbackrest', interval: Duration.seconds(20) }] }] }))
      .toThrow(/additionalRunners\[0\]\.interval \(20 seconds\) is shorter than the metric's 1 minute resolution/);
  });
});
