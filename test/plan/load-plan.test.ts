import * as path from 'path';
import { ConfigurationError } from '../../lib/errors';
import { loadPlanFile, parsePlan } from '../../lib/plan/load-plan';
import { ArchiveTool, CheckExpect, ContinuousBackupMode, DatabaseEngine, DeploymentKind, SelectionMode } from '../../lib/plan/types';
import { planProblems } from '../support/plan-problems';

const EXAMPLES = path.join(__dirname, '../../examples');
const YEAR = { scheduleFromYear: 2028 };

/** A valid plan with one RDS PostgreSQL database; tests change one thing at a time. */
function basePlan(): any {
  return {
    primary_region: 'us-east-1',
    dr_region: 'us-west-2',
    databases: [{
      name: 'orders', db_type: 'postgres', deployment: 'rds',
      rpo_minutes: 15, rto_minutes: 60, schedule_cron: 'cron(0 2 * * ? *)', retention_days: 35,
    }],
  };
}

const problemsOf = planProblems;

describe('the example plans', () => {
  test('examples/backup-plan.json loads and is feasible', () => {
    const plan = loadPlanFile(path.join(EXAMPLES, 'backup-plan.json'), YEAR);
    expect(plan.databases.map((d) => d.name)).toEqual(['orders', 'billing', 'ledger']);
    const orders = plan.databases[0];
    expect(orders).toMatchObject({
      engine: DatabaseEngine.POSTGRES, deployment: DeploymentKind.RDS, rpoMinutes: 15, rtoMinutes: 60,
      continuousBackup: ContinuousBackupMode.AUTO, archive: ArchiveTool.NONE, selection: SelectionMode.ARN,
      retention: { dailyDays: 35, weeklyCount: 4, monthlyCount: 12 },
    });
    expect(orders.tags).toEqual({ project: 'orders-platform', owner: 'platform-team' });
    expect(orders.verification?.checks).toEqual([
      { name: 'orders exist', sql: 'select count(*) from orders', expect: CheckExpect.AT_LEAST, expected: '1', maxAgeMinutes: undefined },
      { name: 'recent orders', sql: 'select max(created_at) from orders', expect: CheckExpect.NEWER_THAN, expected: undefined, maxAgeMinutes: 15 },
      { name: 'currencies unchanged', sql: "select string_agg(code, ',' order by code) from currencies", expect: CheckExpect.EQUALS, expected: undefined, maxAgeMinutes: undefined },
    ]);
    expect(orders.verification).toMatchObject({ databaseName: 'orders', masterSecretArn: expect.stringContaining(':secret:orders-master') });
    expect(plan.network).toEqual({
      vpcId: 'vpc-0a1b2c3d4e5f60718', availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'],
    });
    expect(plan.databases[2].host).toMatchObject({ user: 'backup', pgDataPath: '/var/lib/postgresql/15/main', tlsSecretArn: expect.stringContaining('pgbackrest-tls') });
    expect(plan.auditEnabled).toBe(true);
  });

  test('examples/plans/self-managed-cross-account.json loads', () => {
    const plan = loadPlanFile(path.join(EXAMPLES, 'plans/self-managed-cross-account.json'), YEAR);
    expect(plan.drAccount).toBe('444455556666');
    expect(plan.databases[0].selection).toBe(SelectionMode.TAGS);
    expect(plan.databases[0].tags).toEqual({ 'cost-center': 'payments', 'backup': 'gold' });
    expect(plan.databases[1].host).toMatchObject({ port: 3306, databaseNames: ['catalog'] });
  });

  test('a JSON syntax error names the line and column', () => {
    expect(() => loadPlanFile(path.join(EXAMPLES, 'plans/invalid-syntax.json'))).toThrow(/line 4, column 3: invalid JSON/);
  });

  test('a missing file is a ConfigurationError naming the path', () => {
    expect(() => loadPlanFile('/nonexistent/plan.json')).toThrow(/\/nonexistent\/plan.json: cannot read the plan file[\s\S]*ENOENT/);
  });

  test('several problems of different kinds are reported together', () => {
    let error: ConfigurationError | undefined;
    try {
      loadPlanFile(path.join(EXAMPLES, 'plans/invalid-many-problems.json'), YEAR);
    } catch (e) {
      error = e as ConfigurationError;
    }
    expect(error?.problems).toEqual([
      expect.stringMatching(/^dr_region: "us-east-1" must differ from primary_region "us-east-1"/),
      expect.stringMatching(/^databases\[0\]\.schedule_cron: exactly one of day-of-month \("\*"\) and day-of-week \("\*"\) must be "\?"/),
      expect.stringMatching(/^databases\[0\]\.retention_days: 7 is below vault_lock\.min_retention_days 30/),
      expect.stringMatching(/^databases\[0\]\.continuous_backup: continuous recovery points are kept .* = 7 days, below vault_lock\.min_retention_days 30/),
      expect.stringMatching(/^databases\[1\]\.name: "orders" is already used by databases\[0\]/),
      expect.stringMatching(/^databases\[1\]\.archive: "wal-g" cannot be used with deployment "aurora" — Aurora gives no access/),
    ]);
    expect(error?.message).toMatch(/6 problems/);
  });
});

describe('schema errors name the path and the value', () => {
  test('missing fields', () => {
    const plan = basePlan();
    delete plan.dr_region;
    delete plan.databases[0].rpo_minutes;
    expect(problemsOf(plan)).toEqual([
      'dr_region: required field is missing',
      'databases[0].rpo_minutes: required field is missing',
    ]);
  });

  test('a mistyped field name suggests the right one', () => {
    const plan = basePlan();
    plan.databases[0].rpo_minuts = plan.databases[0].rpo_minutes;
    delete plan.databases[0].rpo_minutes;
    expect(problemsOf(plan)).toEqual([
      'databases[0].rpo_minutes: required field is missing',
      'databases[0].rpo_minuts: unknown field, got 15 (did you mean "rpo_minutes"?)',
    ]);
  });

  test('a mistyped value', () => {
    const plan = basePlan();
    plan.databases[0].rpo_minutes = '15';
    plan.databases[0].size_gb = 'big';
    expect(problemsOf(plan)).toEqual([
      'databases[0].rpo_minutes: must be integer, got "15"',
      'databases[0].size_gb: must be number, got "big"',
    ]);
  });

  test('unknown db_type and deployment', () => {
    const plan = basePlan();
    plan.databases[0].db_type = 'oracle';
    plan.databases[0].deployment = 'ec2';
    expect(problemsOf(plan)).toEqual([
      'databases[0].db_type: must be one of "postgres", "mysql", "mariadb", "mongodb", got "oracle"',
      'databases[0].deployment: must be one of "rds", "aurora", "self-managed", got "ec2"',
    ]);
  });

  test('zero and negative minutes', () => {
    const plan = basePlan();
    plan.databases.push({ ...plan.databases[0], name: 'second', rpo_minutes: -5, rto_minutes: 0 });
    expect(problemsOf(plan)).toEqual([
      'databases[1].rpo_minutes: must be > 0, got -5',
      'databases[1].rto_minutes: must be > 0, got 0',
    ]);
  });

  test('a cron that is not cron(...) fails the schema; a bad cron(...) fails the parser', () => {
    const plan = basePlan();
    plan.databases[0].schedule_cron = '0 2 * * *';
    expect(problemsOf(plan)).toEqual(['databases[0].schedule_cron: must be an AWS cron expression such as cron(0 2 * * ? *), got "0 2 * * *"']);
    plan.databases[0].schedule_cron = 'cron(0 25 * * ? *)';
    expect(problemsOf(plan)).toEqual(['databases[0].schedule_cron: hours field: 25 is outside 0-23 in "cron(0 25 * * ? *)"']);
  });

  test('bad region, account, tag key and continuous_backup value', () => {
    const plan = basePlan();
    plan.primary_region = 'US East';
    plan.account = 12345;
    plan.tags = { 'aws:owner': 'me' };
    plan.databases[0].continuous_backup = 'yes';
    expect(problemsOf(plan)).toEqual([
      'primary_region: must be an AWS Region code such as us-east-1, got "US East"',
      'account: must be string, got 12345',
      'tags: key "aws:owner" is invalid: tag keys are 1-128 letters, digits, spaces or _.:/=+-@ and must not start with aws:',
      'databases[0].continuous_backup: must be true, false or "auto", got "yes"',
    ]);
  });

  test('an empty database list', () => {
    const plan = basePlan();
    plan.databases = [];
    expect(problemsOf(plan)).toEqual(['databases: must have at least 1 item(s), got 0']);
  });
});

describe('rules beyond the schema', () => {
  test('dr_region equal to primary_region', () => {
    const plan = basePlan();
    plan.dr_region = 'us-east-1';
    expect(problemsOf(plan)).toEqual([expect.stringMatching(/^dr_region: "us-east-1" must differ from primary_region "us-east-1"/)]);
  });

  test('duplicate database names', () => {
    const plan = basePlan();
    plan.databases.push({ ...plan.databases[0] }, { ...plan.databases[0] });
    expect(problemsOf(plan)).toEqual([
      'databases[1].name: "orders" is already used by databases[0]; names must be unique',
      'databases[2].name: "orders" is already used by databases[0]; names must be unique',
    ]);
  });

  test('retention below the vault lock minimum (and above its maximum)', () => {
    const plan = basePlan();
    plan.vault_lock = { mode: 'governance', min_retention_days: 30, max_retention_days: 100 };
    plan.databases[0].retention_days = 14;
    plan.databases[0].continuous_backup = false;
    plan.databases[0].logical_backup = false;
    plan.databases[0].rpo_minutes = 1440;
    plan.databases[0].retention = { weekly: 2, monthly: 12 };
    expect(problemsOf(plan)).toEqual([
      expect.stringMatching(/^databases\[0\]\.retention_days: 14 is below vault_lock\.min_retention_days 30/),
      expect.stringMatching(/^databases\[0\]\.retention\.weekly: 2 \(= 14 days\) is below vault_lock\.min_retention_days 30/),
      expect.stringMatching(/^databases\[0\]\.retention\.monthly: 12 \(= 372 days\) is above vault_lock\.max_retention_days 100/),
    ]);
  });

  test('vault lock mode rules', () => {
    const plan = basePlan();
    plan.vault_lock = { mode: 'compliance', min_retention_days: 40, max_retention_days: 30 };
    plan.databases[0].retention_days = 35;
    plan.databases[0].continuous_backup = false;
    plan.databases[0].logical_backup = false;
    plan.databases[0].rpo_minutes = 1440;
    const problems = problemsOf(plan);
    expect(problems).toContain('vault_lock.max_retention_days: 30 is below min_retention_days 40');
    expect(problems).toContainEqual(expect.stringMatching(/^vault_lock\.changeable_for_hours: required for mode "compliance"/));
    plan.vault_lock = { mode: 'governance', min_retention_days: 7, changeable_for_hours: 72 };
    expect(problemsOf(plan)).toEqual(['vault_lock.changeable_for_hours: 72 applies to mode "compliance" only, got mode "governance"']);
  });

  test('existing_resource_arn must match the deployment, region and account', () => {
    const plan = basePlan();
    plan.account = '111122223333';
    plan.databases[0].existing_resource_arn = 'arn:aws:rds:eu-west-1:999988887777:cluster:orders';
    expect(problemsOf(plan)).toEqual([
      'databases[0].existing_resource_arn: deployment "rds" needs a DB instance ARN (…:db:ID), got "arn:aws:rds:eu-west-1:999988887777:cluster:orders"',
      'databases[0].existing_resource_arn: "arn:aws:rds:eu-west-1:999988887777:cluster:orders" is in Region "eu-west-1", not primary_region "us-east-1"',
      'databases[0].existing_resource_arn: "arn:aws:rds:eu-west-1:999988887777:cluster:orders" is in account 999988887777, not account 111122223333',
    ]);
  });

  test('self-managed needs a host; cross-account needs the DR vault', () => {
    const plan = basePlan();
    plan.databases[0].deployment = 'self-managed';
    plan.databases[0].archive = 'pgbackrest';
    plan.dr_account = '444455556666';
    plan.network = { vpc_id: 'vpc-0123456789abcdef0', availability_zones: ['us-east-1a'], private_subnet_ids: ['subnet-0123456789abcdef0'] };
    expect(problemsOf(plan)).toEqual([
      'dr_vault_arn: required when dr_account is set (the vault in account 444455556666 that receives the copies), got nothing',
      'databases[0].host: required for deployment "self-managed" (address, port, secret_arn of the backup user), got nothing',
    ]);
  });

  test('a tag selection needs tags', () => {
    const plan = basePlan();
    plan.databases[0].selection = 'tags';
    expect(problemsOf(plan)).toEqual([expect.stringMatching(/^databases\[0\]\.selection: "tags" needs at least one tag/)]);
  });
});

describe('what runners and restore tests need', () => {
  const NETWORK = { vpc_id: 'vpc-0123456789abcdef0', availability_zones: ['us-east-1a'], private_subnet_ids: ['subnet-0123456789abcdef0'] };
  const SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf';
  /** basePlan's database named by ARN, as restore verification needs. */
  function verifiablePlan(): any {
    const plan = basePlan();
    plan.databases[0].existing_resource_arn = 'arn:aws:rds:us-east-1:111122223333:db:orders-prod';
    return plan;
  }

  test('a self-managed or verified database needs the network', () => {
    const plan = verifiablePlan();
    plan.databases[0].verification = { database_name: 'orders', master_secret_arn: SECRET, read_only_secret_arn: SECRET };
    expect(problemsOf(plan)).toEqual([expect.stringMatching(/^network: required because databases\[0\] "orders" is verified/)]);
  });

  test('the network: one subnet per zone, zones in the primary region, ids by pattern', () => {
    const plan = basePlan();
    plan.network = { vpc_id: 'vpc-0123456789abcdef0', availability_zones: ['us-east-1a', 'us-west-2b'], private_subnet_ids: ['subnet-0123456789abcdef0'] };
    expect(problemsOf(plan)).toEqual([
      'network.private_subnet_ids: 1 subnet(s) for 2 availability zone(s); give one subnet per zone, in the same order',
      expect.stringMatching(/^network.availability_zones: .*"us-west-2b".* must all be in primary_region "us-east-1"/),
    ]);
    plan.network = { ...NETWORK, vpc_id: 'my-vpc' };
    expect(problemsOf(plan)).toEqual([expect.stringMatching(/^network.vpc_id: .*"my-vpc"/)]);
  });

  test('a verified RDS database needs its database name and secrets', () => {
    const plan = verifiablePlan();
    plan.network = NETWORK;
    plan.databases[0].verification = { checks: [] };
    expect(problemsOf(plan)).toEqual([
      expect.stringMatching(/^databases\[0\].verification.database_name: required for a verified rds database/),
      expect.stringMatching(/^databases\[0\].verification.master_secret_arn: required/),
      expect.stringMatching(/^databases\[0\].verification.read_only_secret_arn: required/),
    ]);
  });

  test('check expectations need the right companions', () => {
    const plan = verifiablePlan();
    plan.network = NETWORK;
    plan.databases[0].verification = {
      database_name: 'orders', master_secret_arn: SECRET, read_only_secret_arn: SECRET,
      checks: [
        { name: 'a', sql: 'select 1', expect: 'at_least', expected: 'many' },
        { name: 'b', sql: 'select now()', expect: 'newer_than' },
        { name: 'c', sql: 'select 1', expect: 'not_empty', expected: 1 },
        { name: 'd', sql: 'select 1', max_age_minutes: 5 },
      ],
    };
    expect(problemsOf(plan)).toEqual([
      'databases[0].verification.checks[0].expected: expect "at_least" needs a number, got "many"',
      'databases[0].verification.checks[1].max_age_minutes: required for expect "newer_than", got nothing',
      'databases[0].verification.checks[2].expected: 1 has no meaning for expect "not_empty"',
      'databases[0].verification.checks[3].max_age_minutes: 5 applies to expect "newer_than" only, got expect "equals"',
    ]);
  });

  test('the logical tier of an RDS/Aurora database needs its endpoint, and only then', () => {
    const plan = basePlan();
    plan.databases[0].continuous_backup = false;
    plan.databases[0].rpo_minutes = 1440;
    // By default the tier is left out without an endpoint (the feasibility table says so) ...
    const accepted = parsePlan(JSON.stringify(plan), 'test-plan.json', YEAR);
    expect(accepted.databases[0].host).toBeUndefined();
    // ... asked for, it needs one.
    plan.databases[0].logical_backup = true;
    expect(problemsOf(plan)).toEqual([
      'databases[0].host: required for the logical tier (pg_dump by the runner): give the instance endpoint, port and the backup user\'s secret_arn, or set logical_backup false, got nothing',
    ]);
    const withHost = basePlan();
    withHost.databases[0].host = { address: 'orders.abc.us-east-1.rds.amazonaws.com', port: 5432, secret_arn: SECRET, tls_secret_arn: SECRET };
    expect(problemsOf(withHost)).toEqual([
      expect.stringMatching(/^databases\[0\].host: on deployment "rds" it is the endpoint of the runner's logical dumps, but this database takes none/),
      'databases[0].host.tls_secret_arn: pgBackRest does not run against rds (AWS manages its WAL); remove it',
    ]);
  });

  test('pgBackRest on a self-managed host needs the runner TLS identity', () => {
    const plan = basePlan();
    plan.network = NETWORK;
    plan.databases[0] = {
      ...plan.databases[0], deployment: 'self-managed', rpo_minutes: 5, archive: 'pgbackrest',
      host: { address: 'db.internal', port: 5432, secret_arn: SECRET },
    };
    expect(problemsOf(plan)).toEqual([
      expect.stringMatching(/^databases\[0\].host.tls_secret_arn: required with archive "pgbackrest"/),
    ]);
  });
});

describe('feasibility problems name the database, objective, achievement and fix', () => {
  test('MongoDB with only a daily dump and rpo 15', () => {
    expect(() => loadPlanFile(path.join(EXAMPLES, 'plans/infeasible-mongodb.json'), YEAR)).toThrow(
      'databases[0].rpo_minutes: 15 cannot be met for "events" (mongodb, self-managed) — best tier is the daily mongodump (every 1440 min); fix: enable oplog archiving (archive "oplog", ~2 min) or raise rpo_minutes to ≥ 1440',
    );
  });

  test('pgBackRest on RDS', () => {
    expect(() => loadPlanFile(path.join(EXAMPLES, 'plans/pgbackrest-on-rds.json'), YEAR)).toThrow(
      /databases\[0\]\.archive: "pgbackrest" cannot be used with deployment "rds" — RDS gives no access to the data directory or archive_command, so pgBackRest and wal-g cannot run against it; fix: remove archive and use continuous_backup/,
    );
  });

  test('wal-g on Aurora', () => {
    const plan = basePlan();
    plan.databases[0].deployment = 'aurora';
    plan.databases[0].archive = 'wal-g';
    expect(problemsOf(plan)).toEqual([expect.stringMatching(/^databases\[0\]\.archive: "wal-g" cannot be used with deployment "aurora"/)]);
  });

  test('continuous backup switched off with an RPO under the snapshot interval', () => {
    const plan = basePlan();
    plan.databases[0].continuous_backup = false;
    plan.databases[0].logical_backup = false;
    expect(problemsOf(plan)).toEqual([
      'databases[0].rpo_minutes: 15 cannot be met for "orders" (postgres, rds) — best tier is the daily aws-backup snapshot (every 1440 min); fix: enable continuous backup (continuous_backup true or "auto", ~5 min) or raise rpo_minutes to ≥ 1440',
    ]);
  });

  test('an RTO the restore model cannot reach', () => {
    const plan = basePlan();
    plan.databases[0].size_gb = 2000;
    expect(problemsOf(plan)).toEqual([
      'databases[0].rto_minutes: 60 cannot be met for "orders" (postgres, rds) — restoring from the AWS Backup continuous (PITR) takes an estimated 70 min (rds-pitr: 30 min + 2000 GB at 50 GB/min); fix: raise rto_minutes to ≥ 70 or keep a warm standby or read replica to promote (not modelled here)',
    ]);
  });

  test('MongoDB on RDS', () => {
    const plan = basePlan();
    plan.databases[0].db_type = 'mongodb';
    expect(problemsOf(plan)).toContainEqual(expect.stringMatching(/^databases\[0\]\.deployment: "rds" cannot run db_type "mongodb"/));
  });

  test('AWS Backup snapshots more often than hourly', () => {
    const plan = basePlan();
    plan.databases[0].schedule_cron = 'cron(0/30 * * * ? *)';
    expect(problemsOf(plan)).toEqual([expect.stringMatching(/^databases\[0\]\.schedule_cron: "cron\(0\/30 \* \* \* \? \*\)" runs 30 min apart at its closest — AWS Backup runs a scheduled rule at most every 60 min/)]);
  });
});

test('MariaDB on Aurora is refused (Aurora has no MariaDB edition)', () => {
  const plan = basePlan();
  plan.databases[0].db_type = 'mariadb';
  plan.databases[0].deployment = 'aurora';
  expect(problemsOf(plan)).toEqual([expect.stringMatching(/^databases\[0\]\.deployment: "aurora" cannot run db_type "mariadb" — Aurora offers MySQL- and PostgreSQL-compatible editions only/)]);
});
