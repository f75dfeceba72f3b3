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
import { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DrApp, buildDrApp } from '../../lib/app';
import { loadPlanFile } from '../../lib/plan';
import { alarmRoutingProblems, routingCounts } from '../support/alarm-routing';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/**
 * The primary stack with its database stacks' resources merged in, each parameter reference of a
 * database stack replaced by the value the primary stack passes to it (so an alarm's action is the
 * primary stack's topic again): the routing and duplicate checks then see the whole app at once.
 */
function withDatabaseStacks(built: DrApp): Template {
  const parent = Template.fromStack(built.primary).toJSON();
  const resources = { ...parent.Resources };
  for (const nested of built.databaseStacks) {
    const stackResource = parent.Resources[built.primary.resolve((nested.nestedStackResource as CfnElement).logicalId)];
    const passed: Record<string, unknown> = stackResource?.Properties.Parameters ?? {};
    const substitute = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(substitute);
      if (v && typeof v === 'object') {
        const ref = (v as { Ref?: string }).Ref;
        if (typeof ref === 'string' && ref in passed) return passed[ref];
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]));
      }
      return v;
    };
    for (const [id, r] of Object.entries(Template.fromStack(nested).toJSON().Resources)) resources[`${nested.node.id}${id}`] = substitute(r);
  }
  return Template.fromJSON({ Resources: resources });
}

describe('the DR app built from examples/backup-plan.json', () => {
  const built = buildDrApp(new App(), loadPlanFile(join(ROOT, 'examples', 'backup-plan.json')));
  const primary = withDatabaseStacks(built);
  const dr = Template.fromStack(built.dr);

  test('every alarm and vault notifies a subscribed topic; every topic has a subscriber; no alarm is duplicated', () => {
    expect(alarmRoutingProblems({ primary, dr })).toEqual([]);
  });

  test('one alarm topic per stack, subscribed by the plan\'s alarm_email', () => {
    const counts = { primary: routingCounts(primary), dr: routingCounts(dr) };
    process.stdout.write(`alarm routing of the example DR app: ${JSON.stringify(counts)}\n`);
    // 23: the shared series (vault jobs, replication), the functions' alarms of the database stack
    // (validator, baseline capture, monitor-stopped) and one fleet alarm per condition of the
    // databases' own (runner job failed and silent, measured RPO at two levels, verification failed
    // and missing, drill RTO), each database a contributor.
    expect(counts.primary).toEqual({ alarms: 23, topics: 1, subscriptions: 1 });
    // DR: a failed restore and no completed restore of the DR vault's copies, for RDS (orders) and Aurora (billing).
    expect(counts.dr).toEqual({ alarms: 4, topics: 1, subscriptions: 1 });
    for (const t of [primary, dr]) {
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dr-oncall@example.com' });
    }
  });

  test('the verification constructs create no topic: their conditions are alarmed once, by BackupMonitoring', () => {
    const kinds = [...[built.monitoring, ...built.databaseMonitorings].flatMap((m) => m.describeAlarms()), ...built.fleetAlarms.alarmFactory.describeAlarms()]
      .map((d) => `${d.kind} ${[...d.databases].sort().join(',')}`);
    expect(kinds.filter((k) => k.startsWith('verification-')).sort()).toEqual(['verification-failed ledger,orders', 'verification-missing ledger,orders']);
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
