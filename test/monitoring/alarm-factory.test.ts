/**
 * AlarmFactory: names, actions, descriptions and catalog defaults applied uniformly; caller
 * overrides after the defaults; one alarm per condition.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AlarmCatalog, AlarmFactory, AlarmSeverity, RunnerMetrics, VerificationMetrics } from '../../lib/monitoring';
import { RunnerCommand } from '../../lib/runner';

function setup(docsBaseUrl?: string) {
  const stack = new Stack(new App(), 'S');
  const topic = new sns.Topic(stack, 'Topic');
  return { stack, factory: new AlarmFactory(stack, { alarmNamePrefix: 'plan', topic, docsBaseUrl }) };
}

test('the kind\'s comparison and missing-data treatment apply unless the caller overrides them', () => {
  const { stack, factory } = setup();
  const silent = AlarmCatalog.kind('runner-silent');
  factory.createAlarm({ kind: silent, subject: 'orders-backup', severity: AlarmSeverity.CRITICAL, databases: ['orders'], meaning: 'no backup',
    metric: RunnerMetrics.jobSuccess({ database: 'orders', engine: 'pg-dump', job: RunnerCommand.BACKUP }, { period: Duration.hours(1) }), thresholdUnit: 'jobs', evaluationPeriods: 25 });
  factory.createAlarm({ kind: silent, subject: 'orders-expire', severity: AlarmSeverity.CRITICAL, databases: ['orders'], meaning: 'no expiry',
    metric: RunnerMetrics.jobSuccess({ database: 'orders', engine: 'pg-dump', job: RunnerCommand.EXPIRE }), thresholdUnit: 'jobs',
    treatMissingData: cloudwatch.TreatMissingData.IGNORE });
  const t = Template.fromStack(stack);
  t.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'plan-orders-backup-runner-silent-critical', ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching',
    Threshold: 1, EvaluationPeriods: 25, DatapointsToAlarm: 25, AlarmActions: [{ Ref: stack.getLogicalId(stack.node.findChild('Topic').node.defaultChild as sns.CfnTopic) }],
  });
  t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'plan-orders-expire-runner-silent-critical', TreatMissingData: 'ignore' });
});

test('a second alarm on the same condition is the first one, watching both databases (its description names both)', () => {
  const { stack, factory } = setup('https://wiki.example.com/dr/');
  const failed = AlarmCatalog.kind('verification-failed');
  const a = factory.createAlarm({ kind: failed, subject: 'orders', severity: AlarmSeverity.CRITICAL, databases: ['orders'], meaning: 'restore test failed',
    metric: VerificationMetrics.failure('orders'), thresholdUnit: 'verifications' });
  const b = factory.createAlarm({ kind: failed, subject: 'orders-drill', severity: AlarmSeverity.CRITICAL, databases: ['orders-copy'], meaning: 'drill failed',
    metric: VerificationMetrics.failure('orders'), thresholdUnit: 'verifications' });
  expect(b).toBe(a);
  expect(factory.alarms).toHaveLength(1);
  expect(factory.describeAlarms()[0].databases).toEqual(['orders', 'orders-copy']);
  expect(factory.alarmsFor('orders-copy')).toEqual([a]);
  Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 1);
  expect(factory.describeAlarms()[0].docsPage).toBe('https://wiki.example.com/dr/verification-failed.md');
  Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmDescription: '[Critical] verification-failed: restore test failed. Databases: orders, orders-copy. Fires when VerificationFailure (Sum) >= 1 verifications in 1 of 1 period(s) of 300 s; missing data: notBreaching. First response: https://wiki.example.com/dr/verification-failed.md (cdk-database-dr).',
  });
});
