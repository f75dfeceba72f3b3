/**
 * The loader's database-level checks, one at a time: for each, at least one compliant and one
 * non-compliant database, with the exact messages (the loader reports them unchanged).
 */
import { archiveTimeout } from '../../../lib/plan/checks/archive-timeout';
import { CheckOutcome } from '../../../lib/plan/checks/check';
import { continuousRetentionVsLock } from '../../../lib/plan/checks/continuous-retention-vs-lock';
import { cronSchedules } from '../../../lib/plan/checks/cron-schedules';
import { existingResourceKind } from '../../../lib/plan/checks/existing-resource-kind';
import { existingResourceLocation } from '../../../lib/plan/checks/existing-resource-location';
import { IDatabaseFileCheck } from '../../../lib/plan/checks/file-check';
import { logicalTierHost } from '../../../lib/plan/checks/logical-tier-host';
import { networkRequired } from '../../../lib/plan/checks/network-required';
import { pgbackrestTlsSecret } from '../../../lib/plan/checks/pgbackrest-tls-secret';
import { rdsTlsSecret } from '../../../lib/plan/checks/rds-tls-secret';
import { retentionDaily } from '../../../lib/plan/checks/retention-daily';
import { retentionVsLock } from '../../../lib/plan/checks/retention-vs-lock';
import { selectionMode } from '../../../lib/plan/checks/selection-mode';
import { selfManagedHost } from '../../../lib/plan/checks/self-managed-host';
import { uniqueNames } from '../../../lib/plan/checks/unique-names';
import { verificationChecks } from '../../../lib/plan/checks/verification-checks';
import { verificationCredentials } from '../../../lib/plan/checks/verification-credentials';
import { NETWORK, REGISTERED, SECRET, basePlan, databaseContext, planWithDb } from './support';

interface Case {
  readonly name: string;
  /** The whole plan file. */
  readonly plan: object;
  /** The database judged. @default 0 */
  readonly db?: number;
  /** Expected problems; none means compliant. */
  readonly problems: string[];
}

const HOST = { address: 'db.internal', port: 5432, secret_arn: SECRET };
const SELF_MANAGED = { deployment: 'self-managed', rpo_minutes: 5, archive: 'pgbackrest', host: { ...HOST, tls_secret_arn: SECRET } };
/** An RDS database that takes the runner's logical dumps (continuous backup off). */
const LOGICAL = { continuous_backup: false, rpo_minutes: 1440 };
const RDS_VERIFICATION = { database_name: 'orders', master_secret_arn: SECRET, read_only_secret_arn: SECRET };
const LOCK = (min: number, max?: number) => ({ vault_lock: { mode: 'governance', min_retention_days: min, max_retention_days: max } });
const ARN = (region: string, account: string, kind: string) => `arn:aws:rds:${region}:${account}:${kind}:orders`;
const WHY = 'AWS Backup fails backup and copy jobs whose retention is outside the vault lock range';

function twoDatabases(secondName: string): any {
  const plan = basePlan();
  plan.databases.push({ ...plan.databases[0], name: secondName });
  return plan;
}

const CASES: Array<[IDatabaseFileCheck, Case[]]> = [
  [uniqueNames, [
    { name: 'another name', plan: twoDatabases('billing'), db: 1, problems: [] },
    { name: 'the first of two', plan: twoDatabases('orders'), db: 0, problems: [] },
    { name: 'a later duplicate', plan: twoDatabases('orders'), db: 1, problems: ['databases[1].name: "orders" is already used by databases[0]; names must be unique'] },
  ]],
  [cronSchedules, [
    { name: 'valid schedules', plan: planWithDb({ verification: { schedule_cron: 'cron(0 5 ? * SUN *)' } }), problems: [] },
    { name: 'an hour out of range', plan: planWithDb({ schedule_cron: 'cron(0 25 * * ? *)' }), problems: ['databases[0].schedule_cron: hours field: 25 is outside 0-23 in "cron(0 25 * * ? *)"'] },
    {
      name: 'a verification schedule that fires once',
      plan: planWithDb({ verification: { schedule_cron: 'cron(0 5 1 1 ? 2028)' } }),
      problems: ['databases[0].verification.schedule_cron: "cron(0 5 1 1 ? 2028)" fires fewer than twice between 2028 and 2031, so it gives no recovery point interval'],
    },
  ]],
  [retentionDaily, [
    { name: 'the same value', plan: planWithDb({ retention: { daily: 35 } }), problems: [] },
    { name: 'a conflict', plan: planWithDb({ retention: { daily: 7 } }), problems: ['databases[0].retention.daily: 7 conflicts with retention_days 35; give one of them, or the same value'] },
  ]],
  [existingResourceKind, [
    { name: 'an instance for rds', plan: planWithDb({ existing_resource_arn: ARN('us-east-1', '111122223333', 'db') }), problems: [] },
    { name: 'a cluster for aurora', plan: planWithDb({ deployment: 'aurora', existing_resource_arn: ARN('us-east-1', '111122223333', 'cluster') }), problems: [] },
    {
      name: 'a cluster for rds',
      plan: planWithDb({ existing_resource_arn: ARN('us-east-1', '111122223333', 'cluster') }),
      problems: ['databases[0].existing_resource_arn: deployment "rds" needs a DB instance ARN (…:db:ID), got "arn:aws:rds:us-east-1:111122223333:cluster:orders"'],
    },
    {
      name: 'an instance for aurora',
      plan: planWithDb({ deployment: 'aurora', existing_resource_arn: ARN('us-east-1', '111122223333', 'db') }),
      problems: ['databases[0].existing_resource_arn: deployment "aurora" needs a DB cluster ARN (…:cluster:ID), got "arn:aws:rds:us-east-1:111122223333:db:orders"'],
    },
    {
      name: 'any ARN for self-managed',
      plan: planWithDb({ ...SELF_MANAGED, existing_resource_arn: ARN('us-east-1', '111122223333', 'db') }),
      problems: ['databases[0].existing_resource_arn: "arn:aws:rds:us-east-1:111122223333:db:orders" is only for deployment "rds" or "aurora", got deployment "self-managed"'],
    },
  ]],
  [existingResourceLocation, [
    { name: 'in primary_region and account', plan: { ...planWithDb({ existing_resource_arn: ARN('us-east-1', '111122223333', 'db') }), account: '111122223333' }, problems: [] },
    {
      name: 'in another Region and account',
      plan: { ...planWithDb({ existing_resource_arn: ARN('eu-west-1', '999988887777', 'db') }), account: '111122223333' },
      problems: [
        'databases[0].existing_resource_arn: "arn:aws:rds:eu-west-1:999988887777:db:orders" is in Region "eu-west-1", not primary_region "us-east-1"',
        'databases[0].existing_resource_arn: "arn:aws:rds:eu-west-1:999988887777:db:orders" is in account 999988887777, not account 111122223333',
      ],
    },
  ]],
  [selfManagedHost, [
    { name: 'with host', plan: planWithDb(SELF_MANAGED), problems: [] },
    {
      name: 'without host',
      plan: planWithDb({ ...SELF_MANAGED, host: undefined }),
      problems: ['databases[0].host: required for deployment "self-managed" (address, port, secret_arn of the backup user), got nothing'],
    },
  ]],
  [logicalTierHost, [
    { name: 'a logical tier with its endpoint', plan: planWithDb({ ...LOGICAL, host: HOST }), problems: [] },
    { name: 'no logical tier, no endpoint', plan: basePlan(), problems: [] },
    // The default logical tier is left out without an endpoint; the feasibility table says so.
    { name: 'continuous backup off, no endpoint, logical_backup not given', plan: planWithDb({ ...LOGICAL }), problems: [] },
    {
      name: 'a logical tier asked for without its endpoint',
      plan: planWithDb({ ...LOGICAL, logical_backup: true, deployment: 'aurora' }),
      problems: ['databases[0].host: required for the logical tier (pg_dump by the runner): give the cluster endpoint, port and the backup user\'s secret_arn, or set logical_backup false, got nothing'],
    },
    {
      name: 'an endpoint without a logical tier',
      plan: planWithDb({ db_type: 'mysql', host: HOST }),
      problems: ['databases[0].host: on deployment "rds" it is the endpoint of the runner\'s logical dumps, but this database takes none (logical_backup false or continuous backup on); remove host, got {"address":"db.internal","port":5432,"secret_arn":"arn:aws:secretsmanager:us-...'],
    },
  ]],
  [rdsTlsSecret, [
    { name: 'an RDS host without it', plan: planWithDb({ ...LOGICAL, host: HOST }), problems: [] },
    {
      name: 'an Aurora host with it',
      plan: planWithDb({ ...LOGICAL, deployment: 'aurora', host: { ...HOST, tls_secret_arn: SECRET } }),
      problems: ['databases[0].host.tls_secret_arn: pgBackRest does not run against aurora (AWS manages its WAL); remove it'],
    },
  ]],
  [selectionMode, [
    { name: 'tags with a database tag', plan: planWithDb({ selection: 'tags', tags: { backup: 'gold' } }), problems: [] },
    { name: 'tags with a plan tag', plan: { ...planWithDb({ selection: 'tags' }), tags: { backup: 'gold' } }, problems: [] },
    {
      name: 'tags without tags',
      plan: planWithDb({ selection: 'tags' }),
      problems: ['databases[0].selection: "tags" needs at least one tag in databases[0].tags or the plan\'s tags (every tag must match), got none'],
    },
    { name: 'arn with the ARN', plan: planWithDb({ selection: 'arn', existing_resource_arn: ARN('us-east-1', '111122223333', 'db') }), problems: [] },
    {
      name: 'arn without the ARN',
      plan: planWithDb({ selection: 'arn' }),
      problems: ['databases[0].selection: "arn" needs databases[0].existing_resource_arn to name the database; give it, or select by tags (remove selection), got no existing_resource_arn'],
    },
    {
      name: 'a selection for self-managed',
      plan: planWithDb({ ...SELF_MANAGED, selection: 'arn' }),
      problems: ['databases[0].selection: "arn" applies to AWS Backup selections of rds/aurora only, got deployment "self-managed"'],
    },
  ]],
  [archiveTimeout, [
    { name: 'with archive', plan: planWithDb({ ...SELF_MANAGED, archive_timeout_seconds: 30 }), problems: [] },
    {
      name: 'without archive',
      plan: planWithDb({ archive_timeout_seconds: 30 }),
      problems: ['databases[0].archive_timeout_seconds: 30 has no effect without archive; set archive or remove it'],
    },
  ]],
  [retentionVsLock, [
    { name: 'every retention within the range', plan: { ...planWithDb({ retention: { weekly: 5, monthly: 3 } }), ...LOCK(30, 100) }, problems: [] },
    {
      name: 'daily and weekly below, monthly above',
      plan: { ...planWithDb({ retention_days: 14, retention: { weekly: 2, monthly: 12 } }), ...LOCK(30, 100) },
      problems: [
        `databases[0].retention_days: 14 is below vault_lock.min_retention_days 30 — ${WHY}`,
        `databases[0].retention.weekly: 2 (= 14 days) is below vault_lock.min_retention_days 30 — ${WHY}`,
        `databases[0].retention.monthly: 12 (= 372 days) is above vault_lock.max_retention_days 100 — ${WHY}`,
      ],
    },
    {
      name: 'daily above',
      plan: { ...planWithDb({ retention_days: 400 }), ...LOCK(7, 100) },
      problems: [`databases[0].retention_days: 400 is above vault_lock.max_retention_days 100 — ${WHY}`],
    },
  ]],
  [continuousRetentionVsLock, [
    { name: 'continuous points kept long enough', plan: { ...planWithDb({ continuous_backup: true }), ...LOCK(30) }, problems: [] },
    {
      name: 'continuous points kept shorter than the lock minimum',
      plan: { ...planWithDb({ continuous_backup: true, retention_days: 400 }), ...LOCK(40) },
      problems: ['databases[0].continuous_backup: continuous recovery points are kept min(retention_days, 35) = 35 days, below vault_lock.min_retention_days 40; fix: lower min_retention_days to ≤ 35 or set continuous_backup false'],
    },
  ]],
  [networkRequired, [
    { name: 'self-managed with network', plan: { ...planWithDb(SELF_MANAGED), network: NETWORK }, problems: [] },
    {
      name: 'self-managed without network',
      plan: planWithDb(SELF_MANAGED),
      problems: ['network: required because databases[0] "orders" is self-managed (its runner tasks run in your VPC); give vpc_id, availability_zones and private_subnet_ids, got nothing'],
    },
    {
      name: 'verified without network',
      plan: planWithDb({ verification: RDS_VERIFICATION }),
      problems: ['network: required because databases[0] "orders" is verified (its restore tests place the restored instance and the validator in your VPC); give vpc_id, availability_zones and private_subnet_ids, got nothing'],
    },
  ]],
  [verificationCredentials, [
    { name: 'rds with the database and both secrets', plan: planWithDb({ verification: RDS_VERIFICATION }), problems: [] },
    { name: 'self-managed without rds secrets', plan: planWithDb({ ...SELF_MANAGED, verification: { database_name: 'orders' } }), problems: [] },
    {
      name: 'rds with the database only',
      plan: planWithDb({ verification: { database_name: 'orders' } }),
      problems: [
        'databases[0].verification.master_secret_arn: required for a verified rds database (the validator connects to the restored copy), got nothing',
        'databases[0].verification.read_only_secret_arn: required for a verified rds database (the validator connects to the restored copy), got nothing',
      ],
    },
    {
      name: 'self-managed with rds secrets',
      plan: planWithDb({ ...SELF_MANAGED, verification: { read_only_secret_arn: SECRET } }),
      problems: ['databases[0].verification: master_secret_arn and read_only_secret_arn apply to rds/aurora; a self-managed drill restores into a throw-away server in the task and uses host.secret_arn for the baseline'],
    },
  ]],
  [verificationChecks, [
    {
      name: 'every expect with its companions',
      plan: planWithDb({
        verification: {
          ...RDS_VERIFICATION, checks: [
            { name: 'a', sql: 'select 1', expect: 'at_least', expected: '3' },
            { name: 'b', sql: 'select now()', expect: 'newer_than', max_age_minutes: 15 },
            { name: 'c', sql: 'select 1', expect: 'not_empty' },
            { name: 'd', sql: 'select 1', expected: 'x' },
          ],
        },
      }),
      problems: [],
    },
    {
      name: 'missing and meaningless companions',
      plan: planWithDb({
        verification: {
          ...RDS_VERIFICATION, checks: [
            { name: 'a', sql: 'select 1', expect: 'at_least', expected: 'many' },
            { name: 'b', sql: 'select now()', expect: 'newer_than' },
            { name: 'c', sql: 'select 1', expect: 'not_empty', expected: 1 },
            { name: 'd', sql: 'select 1', max_age_minutes: 5 },
            { name: 'e', sql: 'select 1', expect: 'at_least' },
          ],
        },
      }),
      problems: [
        'databases[0].verification.checks[0].expected: expect "at_least" needs a number, got "many"',
        'databases[0].verification.checks[1].max_age_minutes: required for expect "newer_than", got nothing',
        'databases[0].verification.checks[2].expected: 1 has no meaning for expect "not_empty"',
        'databases[0].verification.checks[3].max_age_minutes: 5 applies to expect "newer_than" only, got expect "equals"',
        'databases[0].verification.checks[4].expected: expect "at_least" needs a number, got nothing',
      ],
    },
  ]],
  [pgbackrestTlsSecret, [
    { name: 'pgBackRest with the TLS identity', plan: planWithDb(SELF_MANAGED), problems: [] },
    { name: 'wal-g without it', plan: planWithDb({ ...SELF_MANAGED, archive: 'wal-g', host: HOST }), problems: [] },
    {
      name: 'pgBackRest without it',
      plan: planWithDb({ ...SELF_MANAGED, host: HOST }),
      problems: ['databases[0].host.tls_secret_arn: required with archive "pgbackrest" (the runner reaches the host\'s `pgbackrest server` over TLS with this identity), got nothing'],
    },
    {
      name: 'no archive with it',
      plan: planWithDb({ ...SELF_MANAGED, archive: undefined }),
      problems: ['databases[0].host.tls_secret_arn: only used with archive "pgbackrest", got archive "none"'],
    },
  ]],
];

describe.each(CASES.map(([check, cases]) => ({ id: check.id, check, cases })))('$id', ({ check, cases }) => {
  test.each(cases)('$name', ({ plan, db, problems }) => {
    const result = check.evaluate(databaseContext(JSON.parse(JSON.stringify(plan)), db));
    expect(result.problems).toEqual(problems);
    expect(result.outcome).toBe(problems.length ? CheckOutcome.NON_COMPLIANT : CheckOutcome.COMPLIANT);
    expect(result.warnings).toEqual([]);
  });
});

test('every database-level check is registered and has a compliant and a non-compliant case', () => {
  expect(CASES.map(([check]) => check.id)).toEqual(REGISTERED.database);
  for (const [, cases] of CASES) {
    expect(cases.some((c) => c.problems.length === 0)).toBe(true);
    expect(cases.some((c) => c.problems.length > 0)).toBe(true);
  }
});

test('the plan-wide context is the same for every database; path, entry and schedule are per database', () => {
  const plan = twoDatabases('billing');
  plan.databases[1].schedule_cron = 'cron(0 25 * * ? *)';
  const second = databaseContext(plan, 1);
  expect(second).toMatchObject({ path: 'databases[1]', raw: { name: 'billing' }, db: { index: 1, name: 'billing' }, scheduleFromYear: 2028 });
  expect(second.interval).toBeUndefined();
  expect(databaseContext(plan, 0).interval?.maxGapMinutes).toBe(1440);
});
