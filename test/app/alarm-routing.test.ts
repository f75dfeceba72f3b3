/**
 * Alarm routing of the example apps: the DR app built from examples/backup-plan.json and the
 * composed example examples/existing-app/app.ts. Every alarm and every vault notification goes to
 * the stack's one alarm topic, every topic has a subscriber, no alarm is duplicated.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildDrApp } from '../../lib/app';
import { loadPlanFile } from '../../lib/plan';
import { alarmRoutingProblems, routingCounts } from '../support/alarm-routing';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

describe('the DR app built from examples/backup-plan.json', () => {
  const built = buildDrApp(new App(), loadPlanFile(join(ROOT, 'examples', 'backup-plan.json')));
  const primary = Template.fromStack(built.primary);
  const dr = Template.fromStack(built.dr);

  test('every alarm and vault notifies a subscribed topic; every topic has a subscriber; no alarm is duplicated', () => {
    expect(alarmRoutingProblems({ primary, dr })).toEqual([]);
  });

  test('one alarm topic per stack, subscribed by the plan\'s alarm_email', () => {
    const counts = { primary: routingCounts(primary), dr: routingCounts(dr) };
    process.stdout.write(`alarm routing of the example DR app: ${JSON.stringify(counts)}\n`);
    expect(counts.primary).toEqual({ alarms: 34, topics: 1, subscriptions: 1 });
    expect(counts.dr).toEqual({ alarms: 0, topics: 1, subscriptions: 1 });
    for (const t of [primary, dr]) {
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dr-oncall@example.com' });
    }
  });

  test('the verification constructs create no topic: their conditions are alarmed once, by BackupMonitoring', () => {
    const kinds = built.monitoring.describeAlarms().map((d) => `${d.kind} ${d.databases.join(',')}`);
    expect(kinds.filter((k) => k.startsWith('verification-')).sort()).toEqual([
      'verification-failed ledger', 'verification-failed orders', 'verification-missing ledger', 'verification-missing orders',
    ]);
  });
});

describe('the composed example examples/existing-app/app.ts', () => {
  test('routes every alarm and both vaults\' notifications to its stack\'s subscribed alarm topic', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-dr-routing-'));
    try {
      await run(process.execPath, ['--import', 'tsx', 'examples/existing-app/app.ts'], {
        cwd: ROOT, env: { ...process.env, CDK_OUTDIR: outdir, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      });
      const read = (name: string) => Template.fromJSON(JSON.parse(readFileSync(join(outdir, `${name}.template.json`), 'utf8')));
      const orders = read('Orders');
      const ordersDr = read('OrdersDr');
      expect(alarmRoutingProblems({ Orders: orders, OrdersDr: ordersDr })).toEqual([]);
      expect(routingCounts(orders).topics).toBe(1);
      expect(routingCounts(ordersDr).topics).toBe(1);
      expect(routingCounts(orders).alarms).toBeGreaterThan(5);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('the routing check itself', () => {
  test('finds an unsubscribed topic, an alarm without action, a duplicate, and accepts an imported topic ARN', () => {
    const template = Template.fromJSON({ Resources: {
      T: { Type: 'AWS::SNS::Topic', Properties: {} },
      A: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'N', MetricName: 'M', Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [{ Ref: 'T' }] } },
      B: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'N', MetricName: 'M', Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: ['arn:aws:sns:us-east-1:111122223333:mine'] } },
      C: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'N', MetricName: 'Other', Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' } },
    } });
    expect(alarmRoutingProblems({ s: template }, ['arn:aws:sns:us-east-1:111122223333:mine'])).toEqual([
      's: topic T has no AWS::SNS::Subscription',
      's: alarm A notifies topic T, which nobody subscribes to',
      's: alarms A and B watch the same metric, dimensions, threshold and comparison',
      's: alarm C has no AlarmActions',
    ]);
  });
});
