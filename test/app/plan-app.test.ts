import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildDrApp } from '../../lib/app';
import { loadPlanFile, parsePlan } from '../../lib/plan';
import { acknowledgements, nagFindings } from '../support/nag';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const EXAMPLE_PLAN = join(ROOT, 'examples', 'backup-plan.json');
const PACKS = ['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];


describe('the DR app compiles the tiers the plan decided', () => {
  const example = JSON.parse(readFileSync(EXAMPLE_PLAN, 'utf8'));
  const ledger = example.databases.find((d: { name: string }) => d.name === 'ledger');
  function build(databases: unknown[]) {
    const plan = parsePlan({ ...example, databases }, 'test-plan.json');
    return buildDrApp(new App(), plan);
  }

  test('a tier this app cannot deploy is said, not dropped silently: wal-g, and mariabackup on the database host; monitoring refuses the RPO no deployed source meets', () => {
    const { host, verification, ...rest } = ledger;
    const built = build([
      { ...rest, name: 'walg', archive: 'wal-g', host: { ...host, tls_secret_arn: undefined } },
      { ...rest, name: 'shop', db_type: 'mariadb', archive: 'binlog', host: { ...host, port: 3306, tls_secret_arn: undefined, pg_data_path: undefined } },
    ]);
    // Only the daily dumps are deployed for a 5-minute RPO: synthesis stops, naming both values.
    expect(() => (built.primary.node.root as App).synth())
      .toThrow(/database 'walg': no recovery-point source meets its rpo \(5 minutes\); the fastest is pg-dump backups every 1 day at worst[\s\S]*database 'shop': no recovery-point source meets its rpo \(5 minutes\); the fastest is mysqldump backups every 1 day/);
    const warnings = built.primary.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)));
    expect(warnings).toEqual(expect.arrayContaining([
      expect.stringContaining('walg: the wal-g tier is in the plan\'s model but this app does not deploy wal-g runners yet'),
      expect.stringContaining('shop: the physical tier (mariabackup) reads InnoDB files and runs on the database host'),
    ]));
    // Their logical tiers are deployed: pg-dump and mysqldump runners, nothing else.
    expect(built.runners.map((r) => `${r.database}:${r.engine}`)).toEqual(['walg:pg-dump', 'shop:mysqldump']);
  });

  test('runner_image: every runner task and drill runs the named image, pulled from its ECR repository; nothing is built', () => {
    const uri = '111122223333.dkr.ecr.us-east-1.amazonaws.com/cdk-database-dr-runner:0.1.0';
    const plan = parsePlan({ ...example, runner_image: uri }, 'test-plan.json');
    const app = new App();
    const built = buildDrApp(app, plan);
    const template = Template.fromStack(built.databaseStacks[0]);
    const images = Object.values(template.findResources('AWS::ECS::TaskDefinition'))
      .map((r) => JSON.stringify(r.Properties.ContainerDefinitions[0].Image));
    expect(images.length).toBeGreaterThan(4);
    for (const image of images) expect(image).toContain('cdk-database-dr-runner:0.1.0');
    expect(JSON.stringify(Template.fromStack(built.primary).toJSON()) + JSON.stringify(template.toJSON())).toContain('arn:aws:ecr:us-east-1:111122223333:repository/cdk-database-dr-runner');
    const assembly = app.synth();
    const dockerAssets = assembly.stacks.flatMap((s) => s.assets).filter((a) => a.packaging === 'container-image');
    expect(dockerAssets).toEqual([]);
    expect(nagFindings(built.primary)).toEqual([]);
  });

  test('a self-managed database with logical_backup false gets no logical runner', () => {
    const { verification, ...rest } = ledger;
    const built = build([{ ...rest, logical_backup: false }]);
    expect(built.runners.map((r) => `${r.database}:${r.engine}`)).toEqual(['ledger:pgbackrest']);
    expect(built.assessment.databases[0].tiers.map((t) => `${t.kind}:${t.tool}`)).toEqual(['archive:pgbackrest', 'physical:pgbackrest']);
  });
});

describe('the DR app built from examples/backup-plan.json', () => {
  const app = new App();
  const built = buildDrApp(app, loadPlanFile(EXAMPLE_PLAN));
  const primary = Template.fromStack(built.primary);
  const dr = Template.fromStack(built.dr);
  // The three databases fit one database stack, nested in the primary stack.
  const databases = Template.fromStack(built.databaseStacks[0]);

  test('one database stack, nested in the primary stack, holds the three databases; the shared resources stay in the primary stack', () => {
    expect(built.databaseStacks.map((s) => [s.node.id, s.databaseNames])).toEqual([['Databases1', ['orders', 'billing', 'ledger']]]);
    primary.resourceCountIs('AWS::CloudFormation::Stack', 1);
    for (const type of ['AWS::ECS::Cluster', 'AWS::Backup::BackupVault', 'AWS::SNS::Topic']) {
      primary.resourceCountIs(type, 1);
      databases.resourceCountIs(type, 0);
    }
    // Every runner and drill task logs to the primary stack's one runner log group (a parameter of the database stack).
    const parameters = Object.keys(databases.toJSON().Parameters ?? {});
    const groups = new Set(Object.values(databases.findResources('AWS::ECS::TaskDefinition'))
      .map((td: any) => JSON.stringify(td.Properties.ContainerDefinitions[0].LogConfiguration.Options['awslogs-group'])));
    expect(groups.size).toBe(1);
    const [group] = [...groups].map((g) => JSON.parse(g));
    expect(parameters).toContain(group.Ref);
    // No key in the database stack: they all belong to the primary stack, whatever the number of databases.
    databases.resourceCountIs('AWS::KMS::Key', 0);
  });

  test('both stacks have no unacknowledged finding in the four packs', () => {
    expect(nagFindings(built.dr)).toEqual([]);
    expect(nagFindings(built.primary)).toEqual([]);
  });

  test('every acknowledgement names a pack rule and gives a specific reason; counted per pack', () => {
    // Acknowledged CDK warnings (not nag findings) are listed apart; they need a reason too.
    const all = acknowledgements(app);
    const acks = all.filter((a) => PACKS.some((p) => a.id.startsWith(`${p}-`)));
    const warnings = all.filter((a) => !acks.includes(a));
    for (const w of warnings) expect(w.reason.trim().length).toBeGreaterThanOrEqual(40);
    const counts = Object.fromEntries(PACKS.map((p) => [p, acks.filter((a) => a.id.startsWith(`${p}-`)).length]));
    process.stdout.write(`acknowledged findings per pack (example DR app): ${JSON.stringify(counts)}\n`);
    for (const a of acks) {
      expect(a.reason.trim().length).toBeGreaterThanOrEqual(40);
    }
    const keys = acks.map((a) => `${a.path}|${a.id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('orders (RDS PostgreSQL, rpo 15 min): continuous backup, a copy to the DR vault, a selection naming it', () => {
    const plans = databases.findResources('AWS::Backup::BackupPlan');
    const rules = Object.values(plans).flatMap((p: any) => p.Properties.BackupPlan.BackupPlanRule);
    const continuous = rules.filter((r: any) => r.EnableContinuousBackup === true);
    expect(continuous.length).toBe(1);
    expect(continuous[0].Lifecycle.DeleteAfterDays).toBeLessThanOrEqual(35);
    expect(continuous[0].CopyActions).toEqual([expect.objectContaining({ DestinationBackupVaultArn: expect.anything() })]);
    databases.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({ Resources: ['arn:aws:rds:us-east-1:111122223333:db:orders-prod'] }),
    });
    databases.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({ Resources: ['arn:aws:rds:us-east-1:111122223333:cluster:billing-prod'] }),
    });
  });

  test('the audit framework and its report plan', () => {
    primary.resourceCountIs('AWS::Backup::Framework', 1);
    primary.resourceCountIs('AWS::Backup::ReportPlan', 1);
  });

  test('runner tasks: billing and ledger logical dumps, ledger pgBackRest; schedules with a dead-letter queue', () => {
    expect(built.runners.map((r) => `${r.database}:${r.engine}`).sort()).toEqual(['billing:mysqldump', 'ledger:pg-dump', 'ledger:pgbackrest']);
    databases.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 1 * * ? *)',
      Target: Match.objectLike({ DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }) }),
    });
    // The pgBackRest cipher passphrase is generated by Secrets Manager, never written in the template.
    databases.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ PasswordLength: 64 }) });
    expect(JSON.stringify(databases.toJSON())).not.toMatch(/RUNNER_PGBACKREST_CIPHER_PASS"\s*,\s*"Value"/);
  });

  test('restore verification: testing plan, selection of orders, rule on COMPLETED restores, validator; a drill for ledger', () => {
    databases.resourceCountIs('AWS::Backup::RestoreTestingPlan', 1);
    databases.resourceCountIs('AWS::Backup::RestoreTestingSelection', 1);
    databases.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'source': ['aws.backup'], 'detail-type': ['Restore Job State Change'], 'detail': Match.objectLike({ status: ['COMPLETED'] }) }),
    });
    expect(built.verification?.validator).toBeDefined();
    expect(built.drills.map((d) => d.node.id)).toEqual(['ledger-Drill']);
  });

  test('monitoring: every alarm has an action, and a dashboard', () => {
    const alarms = [primary, databases].flatMap((t) => Object.values(t.findResources('AWS::CloudWatch::Alarm'))) as any[];
    expect(alarms.length).toBeGreaterThanOrEqual(15);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions?.length ?? 0).toBeGreaterThan(0);
    }
    // The shared series (vault jobs, replication) in the primary stack, each database's alarms in its stack.
    expect(Object.keys(primary.findResources('AWS::CloudWatch::Alarm')).length)
      .toBe(built.monitoring.describeAlarms().length + built.fleetAlarms.alarmFactory.describeAlarms().length);
    databases.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    databases.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'database-dr-backup-dr' });
    primary.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dr-oncall@example.com' });
    const described = [built.monitoring, ...built.databaseMonitorings].flatMap((m) => m.describeAlarms());
    process.stdout.write(`alarms of the example plan:\n${described.map((d) => `  ${d.alarmName}: ${d.metric} ${d.comparisonOperator} ${d.threshold} ${d.thresholdUnit}, period ${d.periodSeconds}s x${d.evaluationPeriods}, missing=${d.treatMissingData}`).join('\n')}\n`);
  });

  test('the DR stack holds the DR vault and the locked replica bucket', () => {
    dr.resourceCountIs('AWS::Backup::BackupVault', 1);
    dr.hasResourceProperties('AWS::S3::Bucket', { ObjectLockEnabled: true });
  });

  test('logical ids are stable: a second build (other token numbers) gives the same resources', () => {
    const again = buildDrApp(new App(), loadPlanFile(EXAMPLE_PLAN));
    const ids = (t: Template) => Object.keys(t.toJSON().Resources).sort();
    expect(ids(Template.fromStack(again.primary))).toEqual(ids(primary));
    expect(ids(Template.fromStack(again.dr))).toEqual(ids(dr));
    expect(ids(Template.fromStack(again.databaseStacks[0]))).toEqual(ids(databases));
  });

  test('snapshot: both stacks', () => {
    expect({ primary: primary.toJSON(), databases: databases.toJSON(), dr: dr.toJSON() }).toMatchSnapshot();
  });
});

describe('bin/app.ts', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cdk-dr-app-'));
  });
  afterEach(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  function synth(context: Record<string, string>) {
    return run(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
  }

  async function failureOf(context: Record<string, string>) {
    return synth(context).then(
      () => { throw new Error('bin/app.ts exited 0 with a bad plan'); },
      (err: { code: number; stderr: string }) => err,
    );
  }

  test('synthesizes both stacks of the default plan offline, prints the feasibility table, passes the four packs', async () => {
    const { stderr } = await synth({});
    expect(readdirSync(outdir)).toEqual(expect.arrayContaining(['CdkDatabaseDr-Dr.template.json', 'CdkDatabaseDr-Primary.template.json']));
    expect(stderr).toMatch(/orders\s+\| postgres\/rds\s+\|.*\| 15 min\s+\| 5 min\s+\|.*\| OK/);
  });

  test('a bad plan prints every problem with its path and value, without a stack trace, and exits 1', async () => {
    const failure = await failureOf({ plan: 'examples/plans/invalid-many-problems.json' });
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/invalid-many-problems.json.*\d+ problems/);
    expect(failure.stderr).toMatch(/databases\[\d\]\.\w+/);
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  });

  test('a plan without alarm_email is refused by name for the DR app, without a stack trace (its alarms would page no one)', async () => {
    const plan = JSON.parse(readFileSync(EXAMPLE_PLAN, 'utf8'));
    delete plan.alarm_email;
    const file = join(outdir, 'no-email.json');
    writeFileSync(file, JSON.stringify(plan));
    const failure = await failureOf({ plan: file });
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('alarm_email: required by the DR app: the alarm topics of the primary (us-east-1) and DR (us-west-2) stacks each need a subscriber, got nothing');
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  });

  test('dr_region equal to primary_region is refused by name', async () => {
    const plan = JSON.parse(readFileSync(EXAMPLE_PLAN, 'utf8'));
    plan.dr_region = plan.primary_region;
    const file = join(outdir, 'same-region.json');
    writeFileSync(file, JSON.stringify(plan));
    const failure = await failureOf({ plan: file });
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/dr_region: "us-east-1" must differ from primary_region "us-east-1"/);
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  });

  test('an RDS database without existing_resource_arn is selected by tags, and the table says what that leaves out', async () => {
    const plan = JSON.parse(readFileSync(EXAMPLE_PLAN, 'utf8'));
    delete plan.databases[0].existing_resource_arn;
    const file = join(outdir, 'no-arn.json');
    writeFileSync(file, JSON.stringify(plan));
    const { stderr } = await synth({ plan: file });
    expect(stderr).toContain('Selected by tags:\n  - orders: AWS Backup selects every RDS DB instance of the account and primary Region tagged cdk-database-dr:database=orders');
    expect(stderr).toContain('Not set up (no identifier in the plan):\n  - orders: per-database monitoring: not set up');
  });

  test('a missing plan file is named', async () => {
    const failure = await failureOf({ plan: 'examples/no-such-plan.json' });
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/examples\/no-such-plan.json: cannot read the plan file/);
  });
});
