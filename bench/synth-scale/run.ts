/**
 * Synth at fleet scale: plans of 10, 100 and 300 databases made of the example plan's three
 * databases (RDS PostgreSQL with restore verification, Aurora MySQL with a dump, self-managed
 * PostgreSQL with pgBackRest, a dump and a drill), renamed, each synthesized by the DR app in a
 * fresh Node process exactly as bin/app.ts does (four compliance packs, aws-cdk-lib's template
 * validation), next to the 3-database example itself. Prints per size: synth time and its ratio to
 * the example's, stacks, the largest stack's resources and template size, resources per added
 * database, KMS keys, alarms, schedules and the fixed monthly cost of the DR infrastructure per
 * database.
 *
 *   node --import tsx bench/synth-scale/run.ts                 (sizes 10, 100, 300)
 *   BENCH_SIZES=10,100 node --import tsx bench/synth-scale/run.ts
 *   BENCH_PACKS=0 ...                                          (without the compliance packs)
 *
 * Not part of the test suite (test/app/fleet.test.ts checks 25 databases).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { applyCompliancePacks, buildDrApp } from '../../lib/app';
import { parsePlan } from '../../lib/plan';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE_PLAN = join(ROOT, 'examples', 'backup-plan.json');

/**
 * List prices used for the fixed monthly cost (AWS public prices, us-east-1, as given in the
 * project's issue 12 brief on 2026-12-03; not re-checked online from this offline machine).
 */
export const PRICES = {
  date: '2026-12-03',
  region: 'us-east-1',
  kmsKeyMonth: 1.0,
  standardAlarmMonth: 0.1,
  schedulerFreeInvocationsPerMonth: 14_000_000,
  schedulerPerMillionAfterFreeTier: 1.0,
};

/** One size's figures (printed by the child process as JSON). */
interface Measure {
  databases: number;
  synthSeconds: number;
  stacks: number;
  resources: number;
  maxResources: number;
  maxTemplateKb: number;
  kmsKeys: number;
  alarms: number;
  schedules: number;
  rules: number;
  iamRoles: number;
  managedPolicies: number;
  backupPlans: number;
  /** Metrics Insights multi-time-series alarms (FleetAlarms) and the time series they analyze (one per database they watch). */
  fleetAlarms: number;
  fleetAlarmSeries: number;
}

/**
 * Default account quotas the DR app's resources count against (AWS documentation, 2026-12-03):
 * IAM roles and customer managed policies per account (all Regions), AWS Backup plans per Region.
 */
export const QUOTAS = { iamRoles: 1000, managedPolicies: 1500, backupPlansPerRegion: 300 };

/** `n` databases: the example's three in turn, renamed orders, billing, ledger, orders1, billing1, ... */
function fleetPlan(n: number): unknown {
  const example = JSON.parse(readFileSync(EXAMPLE_PLAN, 'utf8'));
  const databases = Array.from({ length: n }, (_, i) => {
    const template = example.databases[i % 3];
    const round = Math.floor(i / 3);
    return { ...template, name: round === 0 ? template.name : `${template.name}${round}` };
  });
  return { ...example, databases };
}

/** Child: synthesizes one size and prints its figures. */
function measure(n: number, packs: boolean): Measure {
  const outdir = mkdtempSync(join(tmpdir(), `synth-scale-${n}-`));
  try {
    const started = process.hrtime.bigint();
    const app = new App({ outdir });
    const built = buildDrApp(app, parsePlan(fleetPlan(n), `fleet-${n}.json`));
    if (packs) applyCompliancePacks(app);
    const assembly = app.synth();
    const synthSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stacks = app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
    const count = (type?: string) => stacks.map((s) => s.node.findAll().filter((c) => c instanceof CfnResource && c.stack === s && (!type || c.cfnResourceType === type)).length);
    const sizes = readdirSync(assembly.directory).filter((f) => f.endsWith('.template.json')).map((f) => statSync(join(assembly.directory, f)).size);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      databases: n,
      synthSeconds,
      stacks: stacks.length,
      resources: sum(count()),
      maxResources: Math.max(...count()),
      maxTemplateKb: Math.round(Math.max(...sizes) / 1024),
      kmsKeys: sum(count('AWS::KMS::Key')),
      alarms: sum(count('AWS::CloudWatch::Alarm')),
      schedules: sum(count('AWS::Scheduler::Schedule')),
      rules: sum(count('AWS::Events::Rule')),
      iamRoles: sum(count('AWS::IAM::Role')),
      managedPolicies: sum(count('AWS::IAM::ManagedPolicy')),
      backupPlans: sum(count('AWS::Backup::BackupPlan')),
      fleetAlarms: built.fleetAlarms.alarmFactory.alarms.length,
      fleetAlarmSeries: sum(built.fleetAlarms.alarmFactory.describeAlarms().map((d) => d.databases.length)),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function runChild(n: number, packs: boolean): Measure {
  const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--measure', String(n)], {
    cwd: ROOT, env: { ...process.env, BENCH_PACKS: packs ? '1' : '0', CDK_DISABLE_CLI_TELEMETRY: 'true' }, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
  }).toString();
  const line = out.trim().split('\n').pop()!;
  return JSON.parse(line) as Measure;
}

/**
 * Fixed monthly cost of the DR infrastructure: keys and alarms; schedules within the free tier.
 * A Metrics Insights alarm is counted at the standard alarm price per time series it analyzes (one
 * per database it watches), the conservative reading of the price list: it is never cheaper here
 * than one alarm per database.
 */
function monthlyCost(m: Measure): { total: number; scheduleInvocationsUpperBound: number } {
  // Upper bound: every schedule and rule firing hourly (the plan's are daily or weekly).
  const invocations = (m.schedules + m.rules) * 24 * 31;
  const scheduler = Math.max(0, invocations - PRICES.schedulerFreeInvocationsPerMonth) / 1e6 * PRICES.schedulerPerMillionAfterFreeTier;
  const alarms = (m.alarms - m.fleetAlarms + m.fleetAlarmSeries) * PRICES.standardAlarmMonth;
  return { total: m.kmsKeys * PRICES.kmsKeyMonth + alarms + scheduler, scheduleInvocationsUpperBound: invocations };
}

/** `n` as a percentage of `quota`. */
function pct(n: number, quota: number): string {
  return `${Math.round((100 * n) / quota)}%`;
}

function main(): void {
  const measureAt = process.argv.indexOf('--measure');
  const packs = process.env.BENCH_PACKS !== '0';
  if (measureAt > 0) {
    process.stdout.write(JSON.stringify(measure(Number(process.argv[measureAt + 1]), packs)) + '\n');
    return;
  }
  const sizes = (process.env.BENCH_SIZES ?? '10,100,300').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 4)) {
    console.error(`BENCH_SIZES must be whole numbers of at least 4, got ${JSON.stringify(process.env.BENCH_SIZES)}`);
    process.exit(2);
  }
  // A first, discarded run fills tsx's compile cache, which would otherwise be charged to the example.
  runChild(3, packs);
  const base = runChild(3, packs);
  const rows = [base, ...sizes.map((n) => runChild(n, packs))];
  const header = 'databases | synth s | x example | stacks | resources | max/stack | max template | per added db | KMS keys | alarms | schedules+rules | fixed $/month | $/db-month';
  const lines = rows.map((m) => {
    const cost = monthlyCost(m);
    const perAdded = m.databases === base.databases ? '-' : ((m.resources - base.resources) / (m.databases - base.databases)).toFixed(1);
    return [
      String(m.databases).padStart(9), m.synthSeconds.toFixed(1).padStart(7), (m.synthSeconds / base.synthSeconds).toFixed(2).padStart(9),
      String(m.stacks).padStart(6), String(m.resources).padStart(9), String(m.maxResources).padStart(9), `${m.maxTemplateKb} KB`.padStart(12),
      perAdded.padStart(12), String(m.kmsKeys).padStart(8), String(m.alarms).padStart(6), String(m.schedules + m.rules).padStart(15),
      cost.total.toFixed(2).padStart(13), (cost.total / m.databases).toFixed(2).padStart(10),
    ].join(' | ');
  });
  process.stdout.write([
    `synth-scale: the example plan's three databases repeated; ${packs ? 'with' : 'without'} the four compliance packs; Node ${process.version}`,
    header, header.replace(/[^|]/g, '-'), ...lines,
    '',
    'databases | IAM roles (quota 1,000) | managed policies (quota 1,500) | backup plans (quota 300 per Region)',
    '----------|------------------------|--------------------------------|-------------------------------------',
    ...rows.map((m) => [String(m.databases).padStart(9), `${m.iamRoles} (${pct(m.iamRoles, QUOTAS.iamRoles)})`.padStart(22),
      `${m.managedPolicies} (${pct(m.managedPolicies, QUOTAS.managedPolicies)})`.padStart(30), `${m.backupPlans} (${pct(m.backupPlans, QUOTAS.backupPlansPerRegion)})`.padStart(35)].join(' | ')),
    `synth x example: each size's synth time over the 3-database example's, each in a fresh process; per added db: (resources - example's) / (databases - 3), all stacks.`,
    `alarms: CloudFormation alarms, of which Metrics Insights fleet alarms (each database a contributor): ${rows.map((m) => `${m.databases} dbs ${m.fleetAlarms} watching ${m.fleetAlarmSeries} series`).join('; ')}.`,
    `fixed $/month: KMS keys x $${PRICES.kmsKeyMonth.toFixed(2)} + alarms x $${PRICES.standardAlarmMonth.toFixed(2)} (a fleet alarm: per series it analyzes) + EventBridge Scheduler beyond ${PRICES.schedulerFreeInvocationsPerMonth / 1e6}M free invocations `
      + `(upper bound ${monthlyCost(rows[rows.length - 1]).scheduleInvocationsUpperBound} a month at the largest size: $0); prices ${PRICES.region}, list of ${PRICES.date}. Usage (storage, backups, requests, Lambda, Fargate) is not fixed and not counted.`,
  ].join('\n') + '\n');
}

main();
