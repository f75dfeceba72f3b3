/**
 * Databases identified by tags instead of an ARN, and plans that carry only the objectives:
 * the loader's defaults and selection rules, the feasibility table's lines for what cannot be
 * set up without an identifier, and the DR app synthesized from examples/plans/tag-selection.json
 * and examples/plans/seed-only.json (templates, the four nag packs, monitoring).
 */
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { templateWithNested } from '../support/templates';
import { Match } from 'aws-cdk-lib/assertions';
import { buildDrApp } from '../../lib/app';
import { assessPlan } from '../../lib/plan/feasibility';
import { loadPlanFile, parsePlan } from '../../lib/plan/load-plan';
import { formatFeasibilityTable } from '../../lib/plan/table';
import { DeploymentKind, SelectionMode } from '../../lib/plan/types';
import { DatabaseResourceKind, ProtectedDatabase } from '../../lib/protection';
import { nagFindings } from '../support/nag';
import { planProblems } from '../support/plan-problems';

const EXAMPLES = path.join(__dirname, '../../examples/plans');
const YEAR = { scheduleFromYear: 2028 };
const OBJECTIVES = { rpo_minutes: 15, rto_minutes: 60, schedule_cron: 'cron(0 2 * * ? *)', retention_days: 35 };

function plan(databases: object[], extra: object = {}): any {
  return { primary_region: 'us-east-1', dr_region: 'us-west-2', ...extra, databases };
}

const problemsOf = planProblems;

describe('a plan with only the objectives', () => {
  test('name and deployment default: <db_type>-<position>, rds (self-managed for mongodb)', () => {
    const p = parsePlan(plan([{ db_type: 'postgres', ...OBJECTIVES }, { db_type: 'mariadb', ...OBJECTIVES, rpo_minutes: 1440 }]), 't.json', YEAR);
    expect(p.databases.map((d) => [d.name, d.deployment, d.selection])).toEqual([
      ['postgres-1', DeploymentKind.RDS, SelectionMode.TAGS],
      ['mariadb-2', DeploymentKind.RDS, SelectionMode.TAGS],
    ]);
    expect(p.databases[0].selectionTags).toEqual({ 'cdk-database-dr:database': 'postgres-1' });
    // MongoDB has no RDS: it defaults to self-managed, which needs a host and the network.
    expect(problemsOf(plan([{ db_type: 'mongodb', ...OBJECTIVES, rpo_minutes: 1440 }]))).toEqual([
      'databases[0].host: required for deployment "self-managed" (address, port, secret_arn of the backup user), got nothing',
      'network: required because databases[0] "mongodb-1" is self-managed (its runner tasks run in your VPC); give vpc_id, availability_zones and private_subnet_ids, got nothing',
    ]);
  });

  test('a default name that collides with a given one is refused by name', () => {
    expect(problemsOf(plan([{ db_type: 'postgres', ...OBJECTIVES }, { name: 'postgres-1', db_type: 'postgres', ...OBJECTIVES }])))
      .toEqual(['databases[1].name: "postgres-1" is already used by databases[0]; names must be unique']);
  });

  test('the table lists what could not be set up without an identifier, and how the database is selected', () => {
    const p = parsePlan(plan([{ db_type: 'mysql', ...OBJECTIVES, rpo_minutes: 1440 }]), 'seed.json', YEAR);
    const a = assessPlan(p, 2028).databases[0];
    expect(a.tiers.map((t) => t.kind)).toEqual(['snapshot']);
    expect(a.tagSelection).toBe('AWS Backup selects every RDS DB instance of the account and primary Region tagged cdk-database-dr:database=mysql-1 (all of them must match; no existing_resource_arn)');
    expect(a.notSetUp).toEqual([
      expect.stringMatching(/^per-database monitoring: not set up .*watched instead: the primary vault's AWS\/Backup job metrics for resource type RDS/),
      expect.stringMatching(/^logical tier \(mysqldump\): not set up — continuous backup is off, .* no host \(endpoint, port, secret_arn\)/),
    ]);
    const table = formatFeasibilityTable(assessPlan(p, 2028));
    expect(table).toContain('Selected by tags:\n  - mysql-1: AWS Backup selects every RDS DB instance');
    expect(table).toContain('Not set up (no identifier in the plan):\n  - mysql-1: per-database monitoring: not set up');
    expect(table).toContain('  - mysql-1: logical tier (mysqldump): not set up');
  });

  test('a database named by ARN has nothing missing and no tag line', () => {
    const p = parsePlan(plan([{ name: 'orders', db_type: 'postgres', ...OBJECTIVES, existing_resource_arn: 'arn:aws:rds:us-east-1:111122223333:db:orders' }]), 't.json', YEAR);
    const a = assessPlan(p, 2028).databases[0];
    expect([p.databases[0].selection, a.tagSelection, a.notSetUp]).toEqual([SelectionMode.ARN, undefined, []]);
    expect(formatFeasibilityTable(assessPlan(p, 2028))).not.toMatch(/Selected by tags|Not set up/);
  });
});

describe('selection by tags in the plan', () => {
  test('implicit (no ARN): the database\'s own tags, not the plan\'s; explicit "tags": every tag, the plan\'s merged', () => {
    const p = parsePlan(plan([
      { name: 'a', db_type: 'postgres', ...OBJECTIVES, tags: { app: 'a' } },
      { name: 'b', db_type: 'postgres', ...OBJECTIVES, tags: { app: 'b' }, selection: 'tags' },
    ], { tags: { team: 'shop' } }), 't.json', YEAR);
    expect(p.databases.map((d) => d.selectionTags)).toEqual([{ app: 'a' }, { team: 'shop', app: 'b' }]);
  });

  test('ARN and selection "tags": the tags select, the ARN stays for verification and monitoring', () => {
    const arn = 'arn:aws:rds:us-east-1:111122223333:db:orders';
    const p = parsePlan(plan([{ name: 'o', db_type: 'postgres', ...OBJECTIVES, existing_resource_arn: arn, selection: 'tags', tags: { app: 'o' } }]), 't.json', YEAR);
    const a = assessPlan(p, 2028).databases[0];
    expect(p.databases[0]).toMatchObject({ selection: SelectionMode.TAGS, selectionTags: { app: 'o' }, existingResourceArn: arn });
    expect(a.tagSelection).toMatch(/selection "tags" wins for the backup selection; existing_resource_arn still names the database for verification and monitoring/);
    expect(a.notSetUp).toEqual([]);
  });

  test('bad tag keys and values are named with their path, all at once', () => {
    expect(problemsOf(plan([{ name: 'a', db_type: 'postgres', ...OBJECTIVES, tags: { 'aws:owner': 'x', 'ok': 'semi;colon', 'long': 'v'.repeat(257) } }]))).toEqual([
      'databases[0].tags: key "aws:owner" is invalid: tag keys are 1-128 letters, digits, spaces or _.:/=+-@ and must not start with aws:',
      'databases[0].tags.ok: tag values are 0-256 letters, digits, spaces or _.:/=+-@, got "semi;colon"',
      expect.stringMatching(/^databases\[0\]\.tags\.long: must NOT have more than 256 characters, got "vvv/),
    ]);
  });

  test('selection "arn" without an ARN is refused; verification without an ARN follows the tags, said in the table', () => {
    const verification = {
      database_name: 'a', master_secret_arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:m-AbCdEf',
      read_only_secret_arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:r-AbCdEf',
    };
    const network = { vpc_id: 'vpc-0123456789abcdef0', availability_zones: ['us-east-1a'], private_subnet_ids: ['subnet-0123456789abcdef0'] };
    expect(problemsOf(plan([
      { name: 'a', db_type: 'postgres', ...OBJECTIVES, selection: 'arn' },
      { name: 'b', db_type: 'postgres', ...OBJECTIVES, tags: { app: 'b' }, verification },
    ], { network }))).toEqual([
      'databases[0].selection: "arn" needs databases[0].existing_resource_arn to name the database; give it, or select by tags (remove selection), got no existing_resource_arn',
    ]);
    const p = parsePlan(plan([{ name: 'b', db_type: 'postgres', ...OBJECTIVES, tags: { app: 'b' }, verification }], { network }), 't.json', YEAR);
    expect(assessPlan(p, 2028).databases[0].tagSelection).toMatch(/restore tests take the same tags .* so they must name one database: the one read_only_secret_arn reaches for the baseline$/);
  });
});

describe('ProtectedDatabase.fromTags', () => {
  test('no identifier, the resource type\'s ARN pattern, the tags', () => {
    const d = ProtectedDatabase.fromTags(DatabaseResourceKind.AURORA_CLUSTER, [{ key: 'app', value: 'x' }]);
    expect([d.identifier, d.isSelectedByTags, d.kind, d.description]).toEqual([undefined, true, DatabaseResourceKind.AURORA_CLUSTER, 'every Aurora DB cluster tagged app=x']);
    expect(d.arn).toMatch(/^arn:\$\{Token\[AWS\.Partition\.\d+\]\}:rds:.*:cluster:\*$/);
    expect(ProtectedDatabase.fromInstanceArn('arn:aws:rds:us-east-1:111122223333:db:orders').isSelectedByTags).toBe(false);
  });

  test('bad tags: every problem, with the index and value', () => {
    expect(() => ProtectedDatabase.fromTags(DatabaseResourceKind.RDS_INSTANCE, [])).toThrow(/tags: at least one tag is needed for a tag selection, got \[\]/);
    let message = '';
    try {
      ProtectedDatabase.fromTags(DatabaseResourceKind.RDS_INSTANCE, [{ key: 'aws:x', value: 'ok' }, { key: 'app', value: 'a;b' }, { key: 'app', value: 'c' }]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('tags[0].key: must be a tag key of 1-128 letters, digits, spaces or _.:/=+-@ not starting with aws:, got "aws:x"');
    expect(message).toContain('tags[1].value: must be a tag value of 0-256 letters, digits, spaces or _.:/=+-@, got "a;b"');
    expect(message).toContain('tags[2].key: "app" is given twice; a resource carries one value per key, so the selection would match nothing');
  });
});

describe('the DR app from examples/plans/tag-selection.json', () => {
  const app = new App();
  const built = buildDrApp(app, loadPlanFile(path.join(EXAMPLES, 'tag-selection.json'), YEAR));
  const primary = templateWithNested(built.primary);

  test('each selection: the resource type, and one StringEquals condition per tag (AND), never ListOfTags (OR)', () => {
    const selections = Object.values(primary.findResources('AWS::Backup::BackupSelection')).map((r) => r.Properties.BackupSelection);
    expect(selections).toHaveLength(3);
    const byTags = (s: any) => s.Conditions.StringEquals.map((c: any) => `${c.ConditionKey}=${c.ConditionValue}`);
    for (const s of selections) expect(s.ListOfTags).toBeUndefined();
    expect(selections.map(byTags)).toEqual([
      ['aws:ResourceTag/backup-tier=gold', 'aws:ResourceTag/app=payments'],
      ['aws:ResourceTag/cost-center=shop', 'aws:ResourceTag/backup-tier=silver'],
      ['aws:ResourceTag/cdk-database-dr:database=reports'],
    ]);
    expect(selections.map((s) => JSON.stringify(s.Resources))).toEqual([
      expect.stringContaining(':rds:*:*:db:*'), expect.stringContaining(':rds:*:*:cluster:*'), expect.stringContaining(':rds:*:*:db:*'),
    ]);
  });

  test('payments (rpo 15) keeps continuous backup and copies to the DR vault', () => {
    primary.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: Match.objectLike({
        BackupPlanRule: Match.arrayWith([Match.objectLike({ RuleName: 'Continuous', EnableContinuousBackup: true, CopyActions: [Match.objectLike({})] })]),
      }),
    });
  });

  test('payments\' restore tests select by its tags; the validator matches restores by their source\'s tags', () => {
    const selections = Object.values(primary.findResources('AWS::Backup::RestoreTestingSelection')).map((r) => r.Properties);
    expect(selections).toHaveLength(1);
    expect(selections[0]).toMatchObject({
      ProtectedResourceType: 'RDS',
      ProtectedResourceArns: ['*'],
      ProtectedResourceConditions: { StringEquals: [{ Key: 'aws:ResourceTag/backup-tier', Value: 'gold' }, { Key: 'aws:ResourceTag/app', Value: 'payments' }] },
    });
    const template = JSON.stringify(primary.toJSON());
    expect(template).toContain('\\"sourceTags\\":{\\"backup-tier\\":\\"gold\\",\\"app\\":\\"payments\\"}');
    primary.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'SourceTagsRDS', Action: 'rds:ListTagsForResource' })]) },
    });
  });

  test('monitoring watches the vault per resource type; synth passes monitoring validation', () => {
    const alarms = Object.values(primary.findResources('AWS::CloudWatch::Alarm')).map((r) => JSON.stringify(r.Properties));
    expect(alarms.some((a) => a.includes('NumberOfBackupJobsFailed') && a.includes('"Value":"RDS"'))).toBe(true);
    expect(alarms.some((a) => a.includes('NumberOfBackupJobsFailed') && a.includes('"Value":"Aurora"'))).toBe(true);
    expect(() => app.synth()).not.toThrow();
  });

  test('no unacknowledged finding in the four packs', () => {
    expect(nagFindings(built.primary)).toEqual([]);
    expect(nagFindings(built.dr)).toEqual([]);
  });
});

describe('the DR app from examples/plans/seed-only.json (db_type and the objectives only)', () => {
  const file = path.join(EXAMPLES, 'seed-only.json');

  test('synthesizes, selects each database by its name tag, and passes the four packs', () => {
    const app = new App();
    const built = buildDrApp(app, loadPlanFile(file, YEAR));
    const primary = templateWithNested(built.primary);
    const conditions = Object.values(primary.findResources('AWS::Backup::BackupSelection'))
      .map((r) => r.Properties.BackupSelection.Conditions.StringEquals);
    expect(conditions).toEqual([
      [{ ConditionKey: 'aws:ResourceTag/cdk-database-dr:database', ConditionValue: 'postgres-1' }],
      [{ ConditionKey: 'aws:ResourceTag/cdk-database-dr:database', ConditionValue: 'mysql-2' }],
    ]);
    expect(built.runners).toEqual([]);
    expect(() => app.synth()).not.toThrow();
    expect(nagFindings(built.primary)).toEqual([]);
    expect(nagFindings(built.dr)).toEqual([]);
    expect(formatFeasibilityTable(built.assessment)).toContain('  - mysql-2: logical tier (mysqldump): not set up');
  });

  test('without alarm_email the DR app says the one thing it still needs', () => {
    const { alarm_email: _, ...withoutEmail } = JSON.parse(require('fs').readFileSync(file, 'utf8'));
    const p = parsePlan(withoutEmail, 'seed.json', YEAR);
    expect(() => buildDrApp(new App(), p)).toThrow(/alarm_email: required by the DR app: the alarm topics of the primary \(us-east-1\) and DR \(us-west-2\) stacks each need a subscriber, got nothing/);
  });
});
