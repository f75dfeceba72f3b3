/**
 * The feasibility checks, one at a time, on databases as the loader normalizes them: for each,
 * at least one compliant case and one that is non-compliant (tier-count: compliant with a
 * warning, its only way to object), with the exact messages.
 */
import { backupFrequency } from '../../../lib/plan/checks/backup-frequency';
import { CheckOutcome, IPlanCheck } from '../../../lib/plan/checks/check';
import { continuousBackupSupported } from '../../../lib/plan/checks/continuous-backup';
import { engineDeployment } from '../../../lib/plan/checks/engine-deployment';
import { engineTools } from '../../../lib/plan/checks/engine-tools';
import { rpoAchievable } from '../../../lib/plan/checks/rpo-achievable';
import { rtoAchievable } from '../../../lib/plan/checks/rto-achievable';
import { tierCount } from '../../../lib/plan/checks/tier-count';
import { REGISTERED, SECRET, feasibilityContext, planWithDb } from './support';

interface Case {
  readonly name: string;
  /** Changes to the first database of basePlan(). */
  readonly db: object;
  readonly outcome: CheckOutcome;
  readonly problems?: string[];
  readonly warnings?: string[];
}

const SELF_MANAGED = { deployment: 'self-managed', host: { address: 'db.internal', port: 5432, secret_arn: SECRET } };
const PITR = 'fix: remove archive and use continuous_backup (AWS Backup PITR, ~5 min RPO)';

const CASES: Array<[IPlanCheck, Case[]]> = [
  [engineDeployment, [
    { name: 'MongoDB self-managed', db: { ...SELF_MANAGED, db_type: 'mongodb', rpo_minutes: 1440 }, outcome: CheckOutcome.COMPLIANT },
    {
      name: 'MongoDB on RDS', db: { db_type: 'mongodb' }, outcome: CheckOutcome.NON_COMPLIANT,
      problems: ['databases[0].deployment: "rds" cannot run db_type "mongodb" — RDS and Aurora do not offer MongoDB (Amazon DocumentDB is a different service, not supported here); fix: use deployment "self-managed"'],
    },
    {
      name: 'MariaDB on Aurora', db: { db_type: 'mariadb', deployment: 'aurora' }, outcome: CheckOutcome.NON_COMPLIANT,
      problems: ['databases[0].deployment: "aurora" cannot run db_type "mariadb" — Aurora offers MySQL- and PostgreSQL-compatible editions only; fix: use deployment "rds" for RDS for MariaDB, or db_type "mysql" for Aurora MySQL'],
    },
  ]],
  [engineTools, [
    { name: 'pgBackRest on a self-managed PostgreSQL', db: { ...SELF_MANAGED, archive: 'pgbackrest' }, outcome: CheckOutcome.COMPLIANT },
    {
      name: 'pgBackRest on RDS', db: { archive: 'pgbackrest' }, outcome: CheckOutcome.NON_COMPLIANT,
      problems: [`databases[0].archive: "pgbackrest" cannot be used with deployment "rds" — RDS gives no access to the data directory or archive_command, so pgBackRest and wal-g cannot run against it; ${PITR}`],
    },
    {
      name: 'binlog on Aurora', db: { db_type: 'mysql', deployment: 'aurora', archive: 'binlog' }, outcome: CheckOutcome.NON_COMPLIANT,
      problems: [`databases[0].archive: "binlog" is for self-managed databases, not deployment "aurora"; ${PITR}`],
    },
    {
      name: 'binlog on a self-managed PostgreSQL', db: { ...SELF_MANAGED, archive: 'binlog' }, outcome: CheckOutcome.NON_COMPLIANT,
      problems: ['databases[0].archive: "binlog" does not work with db_type "postgres"; use "pgbackrest" or "wal-g"'],
    },
  ]],
  [continuousBackupSupported, [
    { name: 'on RDS', db: { continuous_backup: true }, outcome: CheckOutcome.COMPLIANT },
    {
      name: 'self-managed', db: { ...SELF_MANAGED, continuous_backup: true }, outcome: CheckOutcome.NON_COMPLIANT,
      problems: ['databases[0].continuous_backup: true is not available for deployment "self-managed" — AWS Backup continuous backup covers RDS and Aurora only; fix: set archive to "pgbackrest" or "wal-g" for point-in-time recovery'],
    },
  ]],
  [backupFrequency, [
    { name: 'hourly', db: { schedule_cron: 'cron(0 * * * ? *)' }, outcome: CheckOutcome.COMPLIANT },
    {
      name: 'every 30 minutes', db: { schedule_cron: 'cron(0/30 * * * ? *)' }, outcome: CheckOutcome.NON_COMPLIANT,
      problems: ['databases[0].schedule_cron: "cron(0/30 * * * ? *)" runs 30 min apart at its closest — AWS Backup runs a scheduled rule at most every 60 min; fix: schedule at most hourly and use continuous_backup for a shorter RPO'],
    },
  ]],
  [rpoAchievable, [
    { name: 'continuous backup meets 15 min', db: {}, outcome: CheckOutcome.COMPLIANT },
    {
      name: 'a daily snapshot for 15 min', db: { continuous_backup: false, logical_backup: false }, outcome: CheckOutcome.NON_COMPLIANT,
      problems: ['databases[0].rpo_minutes: 15 cannot be met for "orders" (postgres, rds) — best tier is the daily aws-backup snapshot (every 1440 min); fix: enable continuous backup (continuous_backup true or "auto", ~5 min) or raise rpo_minutes to ≥ 1440'],
    },
  ]],
  [rtoAchievable, [
    { name: '200 GB by PITR in 60 min', db: { size_gb: 200 }, outcome: CheckOutcome.COMPLIANT },
    {
      name: 'size unknown', db: {}, outcome: CheckOutcome.COMPLIANT,
      warnings: ['databases[0].size_gb: not set — the RTO estimate for "orders" counts fixed overheads only'],
    },
    {
      name: '2000 GB by PITR in 60 min', db: { size_gb: 2000 }, outcome: CheckOutcome.NON_COMPLIANT,
      problems: ['databases[0].rto_minutes: 60 cannot be met for "orders" (postgres, rds) — restoring from the AWS Backup continuous (PITR) takes an estimated 70 min (rds-pitr: 30 min + 2000 GB at 50 GB/min); fix: raise rto_minutes to ≥ 70 or keep a warm standby or read replica to promote (not modelled here)'],
    },
  ]],
  [tierCount, [
    { name: 'continuous and snapshot', db: {}, outcome: CheckOutcome.COMPLIANT },
    {
      name: 'a snapshot only', db: { continuous_backup: false, logical_backup: false, rpo_minutes: 1440 }, outcome: CheckOutcome.COMPLIANT,
      warnings: ['databases[0]: "orders" has a single backup tier (daily aws-backup snapshot); set continuous_backup true or logical_backup true for a second one'],
    },
  ]],
];

describe.each(CASES.map(([check, cases]) => ({ id: check.id, check, cases })))('$id', ({ check, cases }) => {
  test.each(cases)('$name', ({ db, outcome, problems = [], warnings = [] }) => {
    const result = check.evaluate(feasibilityContext(planWithDb(db)));
    expect(result.problems).toEqual(problems);
    expect(result.warnings).toEqual(warnings);
    expect(result.outcome).toBe(outcome);
  });
});

test('every feasibility check is registered and has a clean case and one that objects', () => {
  expect(CASES.map(([check]) => check.id)).toEqual(REGISTERED.feasibility);
  for (const [, cases] of CASES) {
    const objects = (c: Case) => (c.problems ?? []).length + (c.warnings ?? []).length > 0;
    expect(cases.some((c) => !objects(c) && c.outcome === CheckOutcome.COMPLIANT)).toBe(true);
    expect(cases.some(objects)).toBe(true);
  }
});
