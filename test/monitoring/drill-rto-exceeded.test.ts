/**
 * The `drill-rto-exceeded` alarm: BackupMonitoring.addDrill alarms on the drill's measured RTO
 * above the database's RTO, and RunnerDrill passes the database's objectives to the drill task.
 */
import { join } from 'node:path';
import { App, Duration, Stack, aws_ec2 as ec2, aws_ecs as ecs } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AlarmTopic, BackupMonitoring, FleetAlarms, VerificationMetrics } from '../../lib/monitoring';
import { ConfigurationError } from '../../lib/errors';
import { BackupRunner } from '../../lib/runner/backup-runner';
import { BackupBucket } from '../../lib/storage/backup-bucket';
import { RunnerDrill } from '../../lib/verification';

// A fixed image context: assets/runner is rebuilt by concurrent test runs.
const image = ecs.ContainerImage.fromAsset(join(__dirname, '..', 'runner', 'construct', 'fixtures', 'image'));

function setup(drillProps: Partial<ConstructorParameters<typeof RunnerDrill>[2]> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Db', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const bucket = new BackupBucket(stack, 'Backups');
  const runner = BackupRunner.pgDump(stack, 'Runner', { database: 'orders', backupBucket: bucket, vpc, host: 'db.internal', user: 'backup', databaseName: 'orders',
    passwordSecret: new secretsmanager.Secret(stack, 'Password'), image });
  const drill = () => new RunnerDrill(stack, 'Drill', { runner, backupBucket: bucket, baselineBucket: bucket.bucket, baselineEncryptionKey: bucket.encryptionKey,
    databaseName: 'orders', image, ...drillProps });
  const topic = new AlarmTopic(stack, 'Alarms', { email: 'oncall@example.com' });
  return { stack, drill, topic, runner };
}

describe('drill-rto-exceeded', () => {
  test('addDrill alarms when MeasuredRtoSeconds of the database exceeds its RTO, through the stack\'s alarm topic', () => {
    const { stack, drill, topic, runner } = setup();
    const monitoring = new BackupMonitoring(stack, 'Monitoring', {
      planName: 'p', alarmTopic: topic, databases: [{ name: 'orders', rpo: Duration.days(2), rto: Duration.hours(4) }], runners: [{ runner }], drills: [drill()],
    });
    const rto = monitoring.describeAlarms().filter((d) => d.kind === 'drill-rto-exceeded');
    expect(rto).toEqual([expect.objectContaining({
      severity: 'Warning', databases: ['orders'], threshold: 14400, thresholdUnit: 'seconds', comparisonOperator: 'GreaterThanThreshold',
      periodSeconds: 3600, evaluationPeriods: 1, treatMissingData: 'notBreaching', metric: expect.stringContaining('MeasuredRtoSeconds'),
    })]);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('drill-rto-exceeded'),
      Namespace: 'CdkDatabaseDr/Verification', MetricName: 'MeasuredRtoSeconds', Dimensions: [{ Name: 'Database', Value: 'orders' }],
      Statistic: 'Maximum', Period: 3600, Threshold: 14400, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: stack.getLogicalId(topic.topic.node.defaultChild as any) }],
      AlarmDescription: Match.stringLikeRegexp('docs/alarms/drill-rto-exceeded\\.md'),
    });
  });

  test('with fleet alarms: one alarm on RtoObjectiveMet for every drilled database; a drill without the database\'s RTO, or another one, is refused', () => {
    const objectives = [{ name: 'orders', rpo: Duration.days(2), rto: Duration.hours(4) }];
    const ok = setup({ rto: Duration.hours(4) });
    const fleet = new FleetAlarms(ok.stack, 'Fleet', { planName: 'p', alarmTopic: ok.topic });
    new BackupMonitoring(ok.stack, 'Monitoring', { planName: 'p', alarmTopic: ok.topic, fleetAlarms: fleet, databases: objectives, runners: [{ runner: ok.runner }], drills: [ok.drill()] });
    // The monitoring builds its alarms at synthesis.
    Template.fromStack(ok.stack);
    expect(fleet.alarmFactory.describeAlarms().filter((d) => d.kind === 'drill-rto-exceeded')).toEqual([expect.objectContaining({
      databases: ['orders'], threshold: 1, comparisonOperator: 'LessThanThreshold', periodSeconds: 3600,
      metric: 'SELECT MIN(RtoObjectiveMet) FROM SCHEMA("CdkDatabaseDr/Verification", Database) GROUP BY Database',
    })]);

    for (const [rto, problem] of [
      [undefined, /drill Db\/Drill: with fleetAlarms, drill-rto-exceeded judges the drill's RtoObjectiveMet, which it publishes only when given rto: give it the RTO of orders \(4 hours\)/],
      [Duration.hours(8), /drill Db\/Drill: rto 8 hours differs from the RTO of orders \(4 hours\)/],
    ] as const) {
      const bad = setup(rto ? { rto } : {});
      const badFleet = new FleetAlarms(bad.stack, 'Fleet', { planName: 'p', alarmTopic: bad.topic });
      new BackupMonitoring(bad.stack, 'Monitoring', { planName: 'p', alarmTopic: bad.topic, fleetAlarms: badFleet, databases: objectives, runners: [{ runner: bad.runner }], drills: [bad.drill()] });
      expect(() => Template.fromStack(bad.stack)).toThrow(ConfigurationError);
      expect(() => Template.fromStack(bad.stack)).toThrow(problem);
    }
  });

  test('no drill, no alarm: the database\'s other alarms only', () => {
    const { stack, topic } = setup();
    const monitoring = new BackupMonitoring(stack, 'Monitoring', { planName: 'p', alarmTopic: topic, databases: [{ name: 'orders', rpo: Duration.days(1), rto: Duration.hours(4) }] });
    expect(monitoring.describeAlarms().filter((d) => d.kind === 'drill-rto-exceeded')).toEqual([]);
  });

  test('RunnerDrill passes the objectives to the drill task in whole seconds', () => {
    const { stack, drill } = setup({ rto: Duration.hours(4), rpo: Duration.minutes(90) });
    drill();
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Name: 'drill', Command: Match.arrayWith(['--rto-objective-seconds', '14400', '--rpo-objective-seconds', '5400']) })],
    });
  });

  test('without objectives the drill gets none', () => {
    const { stack, drill } = setup();
    drill();
    const td = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition')).find((r: any) => r.Properties.ContainerDefinitions[0].Name === 'drill') as any;
    expect(JSON.stringify(td.Properties.ContainerDefinitions[0].Command)).not.toContain('objective');
  });

  test('objectives below a second or with a fraction of a second are refused, both at once', () => {
    const { drill } = setup({ rto: Duration.millis(1500), rpo: Duration.millis(0) });
    expect(drill).toThrow(/2 problems[\s\S]*rto must be a whole number of seconds, at least 1, got 1\.5 s[\s\S]*rpo must be a whole number of seconds, at least 1, got 0 s/);
  });

  test('metric factories for the drill\'s objective verdicts (Minimum: one miss in the period shows)', () => {
    for (const [m, name] of [[VerificationMetrics.rtoObjectiveMet('orders'), 'RtoObjectiveMet'], [VerificationMetrics.rpoObjectiveMet('orders'), 'RpoObjectiveMet']] as const) {
      expect([m.namespace, m.metricName, m.dimensions, m.statistic]).toEqual(['CdkDatabaseDr/Verification', name, { Database: 'orders' }, 'Minimum']);
    }
  });
});
