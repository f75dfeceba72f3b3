/**
 * Runner restore drills on real servers: back up with the runner CLI, then `drill` restores the
 * latest backup into a scratch server it starts itself, checks it against the baseline and emits
 * the verification metrics. A backup of a damaged database fails the drill, naming each damage.
 */
import '../../runner/src/engines';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drill, DRILL_ENGINES } from '../../runner/src/drill';
import { DRILLED_ENGINES } from '../../lib/verification/drill-engines';
import { VERIFICATION_METRICS } from '../../runtime/metrics/names';
import { MariaDbServer, PostgresServer, startMariaDb, startPostgres } from '../support/servers';
import { runRunner } from '../runner/support/run-runner';

import { MYSQL_SHOP_SCHEMA, PG_SHOP_SCHEMA, recordDamage, writeShopBaseline } from './fixtures';

const DAMAGE_LOG = process.env.DAMAGE_LOG ?? join(__dirname, '..', '..', 'cdk.out', 'damage-cases.txt');

function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // The scratch servers run as postgres/mysql and must reach into the drill directory.
  chmodSync(dir, 0o755);
  // The posix repository the drills back up to: the runner never creates a missing repository root.
  mkdirSync(join(dir, 'repo'));
  return dir;
}

function collect() {
  const lines: string[] = [];
  const metrics: Record<string, unknown>[] = [];
  return { lines, metrics, io: { sink: (l: string) => { lines.push(l); }, metrics: (l: string) => { metrics.push(JSON.parse(l)); } } };
}

it('the construct and the runner agree on the drilled engines', () => {
  expect(Object.keys(DRILL_ENGINES)).toEqual([...DRILLED_ENGINES]);
});

describe('runner drill on PostgreSQL (pg-dump)', () => {
  let pg: PostgresServer;
  let dir: string;
  let baselineFile: string;
  const m = VERIFICATION_METRICS;
  const args = () => ['--engine', 'pg-dump', '--database', 'shop', '--posix-repo', join(dir, 'repo'), '--db-name', 'shop',
    '--baseline-file', baselineFile, '--drill-dir', join(dir, 'drill'), '--spool-dir', join(dir, 'spool')];

  async function backup(): Promise<void> {
    const r = await runRunner(['backup', '--engine', 'pg-dump', '--database', 'shop', '--posix-repo', join(dir, 'repo'),
      '--db-host', pg.host, '--db-port', String(pg.port), '--db-user', 'postgres', '--db-name', 'shop',
      '--spool-dir', join(dir, 'spool')], { RUNNER_DB_PASSWORD: pg.password });
    if (r.code !== 0) throw new Error(`runner backup failed: ${r.stdout}${r.stderr}`);
  }

  beforeAll(async () => {
    pg = await startPostgres();
    dir = scratch('drill-pg-');
    pg.psql('create database shop');
    pg.psql(PG_SHOP_SCHEMA, 'shop');
    baselineFile = await writeShopBaseline(pg, 'postgres', dir);
    await backup();
  });

  afterAll(async () => {
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('restores the latest backup into a scratch server and passes every check, with RTO and data-age metrics', async () => {
    const c = collect();
    const result = await drill(args(), c.io);
    expect(result.message).toBe('PASSED 8/8 checks on shop');
    expect(result.exitCode).toBe(0);
    expect(c.metrics).toHaveLength(1);
    expect(c.metrics[0]).toMatchObject({ Database: 'shop', [m.success]: 1, [m.failure]: 0, command: 'drill', engine: 'pg-dump' });
    expect(c.metrics[0][m.measuredRtoSeconds]).toBeGreaterThan(0);
    expect(c.metrics[0][m.restoredDataAgeSeconds]).toBeGreaterThanOrEqual(0);
    process.stdout.write(`drill pg-dump: MeasuredRtoSeconds ${c.metrics[0][m.measuredRtoSeconds]}\n`);
    // The runner's own restore ran and logged as a restore job.
    expect(c.lines.some((l) => l.includes('"restore complete"'))).toBe(true);
    // The scratch server is gone.
    expect(readdirSync(join(dir, 'drill'))).toEqual([]);
  });

  it('measures RTO from the drill\'s start and the recovery point of the dump (its start), and judges both against the objectives', async () => {
    const manifestDir = join(dir, 'repo', 'runner', 'shop', 'pg-dump');
    const [backupId] = readdirSync(manifestDir);
    const manifest = JSON.parse(readFileSync(join(manifestDir, backupId, 'manifest.json'), 'utf8'));
    const c = collect();
    const t0 = Date.now();
    const result = await drill([...args(), '--rto-objective-seconds', '3600', '--rpo-objective-seconds', '1'], c.io);
    const wall = (Date.now() - t0) / 1000;
    expect(result.exitCode).toBe(0);
    const metric = c.metrics[0];
    // A dump restores to its start: the recovery point is the manifest's startedAt, not its stoppedAt.
    expect(metric.recoveryPoint).toBe(new Date(manifest.startedAt).toISOString());
    // Start to verified: more than the restore job alone (the scratch server and the checks count too), at most the call's wall time.
    const restoreJob = c.lines.map((l) => JSON.parse(l)).find((l) => l.Job === 'restore' && 'JobDurationSeconds' in l);
    expect(metric[m.measuredRtoSeconds]).toBeGreaterThan(restoreJob.JobDurationSeconds);
    expect(metric[m.measuredRtoSeconds]).toBeLessThanOrEqual(wall);
    // The backup is older than a second: the RPO objective of 1 s is missed; the RTO objective of an hour is met.
    expect(metric).toMatchObject({ [m.rtoObjectiveMet]: 1, [m.rpoObjectiveMet]: 0 });
    const judged = c.lines.map((l) => JSON.parse(l)).find((l) => String(l.msg).startsWith('recovery objectives:'));
    expect(judged).toMatchObject({ level: 'warn', rtoMet: true, rpoMet: false, rtoObjectiveSeconds: 3600, rpoObjectiveSeconds: 1 });
    expect(judged.msg).toMatch(/^recovery objectives: RTO objective met \(measured [\d.]+ s vs 3600 s\), RPO objective MISSED \(recovery point [\d.]+ s before the drill started vs 1 s\)$/);
    expect(judged.recoveryPointLagSeconds).toBeGreaterThan(1);
    // The verdict follows the measurement whatever the machine's speed: an objective of 1 s is met only by a drill of at most 1 s.
    const quick = collect();
    await drill([...args(), '--rto-objective-seconds', '1'], quick.io);
    expect(quick.metrics[0][m.rtoObjectiveMet]).toBe((quick.metrics[0][m.measuredRtoSeconds] as number) <= 1 ? 1 : 0);
    expect(quick.metrics[0][m.rpoObjectiveMet]).toBeUndefined();
  });

  it('refuses objectives that are not whole seconds, before restoring', async () => {
    const c = collect();
    const result = await drill([...args(), '--rto-objective-seconds', '0', '--rpo-objective-seconds', '1h'], c.io);
    expect(result.exitCode).toBe(2);
    expect(result.message).toContain('--rto-objective-seconds must be a whole number of seconds ≥ 1, got "0"');
    expect(result.message).toContain('--rpo-objective-seconds must be a whole number of seconds ≥ 1, got "1h"');
    expect(c.lines.some((l) => l.includes('"restore'))).toBe(false);
  });

  it('fails the drill of a backup taken after damage, naming each damage', async () => {
    pg.psql(`delete from orders where id > 950;
      alter table orders alter column amount type numeric(14,4);
      drop index orders_created_at_idx;
      alter table orders drop constraint orders_customer_fk;`, 'shop');
    await backup();
    const c = collect();
    const result = await drill(args(), c.io);
    recordDamage(DAMAGE_LOG, 'postgres drill (pg-dump backup)', 'drop rows + alter column + drop index + drop constraint', result.message);
    expect(result.exitCode).toBe(5);
    expect(result.message).toMatch(/schema fingerprint — column orders\.amount: type numeric\(12,2\) → numeric\(14,4\), index orders_created_at_idx on orders missing, constraint orders_customer_fk on orders missing/);
    expect(result.message).toMatch(/row count orders — expected 1000 ± \d+ rows, found 950 rows \(−50\)/);
    expect(c.metrics[0]).toMatchObject({ [m.success]: 0, [m.failure]: 1 });
    expect(c.metrics[0][m.measuredRtoSeconds]).toBeUndefined();
  });

  it('fails without a readable baseline before restoring anything', async () => {
    const c = collect();
    const result = await drill([...args().slice(0, -6), '--baseline-file', join(dir, 'nope.json'), '--drill-dir', join(dir, 'drill')], c.io);
    expect(result.exitCode).toBe(2);
    expect(result.message).toMatch(/baseline .*nope\.json could not be read: ENOENT/);
    expect(c.lines.some((l) => l.includes('restore'))).toBe(false);
    expect(c.metrics[0]).toMatchObject({ [m.failure]: 1 });
  });

  it('refuses engines without a drill and flags the drill sets itself', async () => {
    const c = collect();
    const result = await drill(['--engine', 'mongodump', '--database', 'x', '--posix-repo', dir, '--baseline-file', baselineFile, '--target-host', 'db'], c.io);
    expect(result.exitCode).toBe(2);
    expect(result.message).toMatch(/engine mongodump has no restore drill/);
    expect(result.message).toMatch(/--target-host is set by the drill/);
    const walG = await drill(['--engine', 'wal-g', '--database', 'x', '--posix-repo', dir, '--baseline-file', baselineFile], c.io);
    expect(walG.exitCode).toBe(2);
    expect(walG.message).toMatch(/engine wal-g has no restore drill \(supported: pg-dump, mysqldump, pgbackrest, mariabackup\)/);
  });
});

describe('runner drill on MariaDB (mysqldump)', () => {
  let db: MariaDbServer;
  let dir: string;
  let baselineFile: string;

  beforeAll(async () => {
    db = await startMariaDb();
    dir = scratch('drill-my-');
    db.sql('create database shop');
    db.sql(MYSQL_SHOP_SCHEMA, 'shop');
    baselineFile = await writeShopBaseline(db, 'mysql', dir);
    const r = await runRunner(['backup', '--engine', 'mysqldump', '--database', 'shop', '--posix-repo', join(dir, 'repo'),
      '--db-host', db.host, '--db-port', String(db.port), '--db-user', 'root', '--db-name', 'shop',
      '--spool-dir', join(dir, 'spool')], { RUNNER_DB_PASSWORD: db.password });
    if (r.code !== 0) throw new Error(`runner backup failed: ${r.stdout}${r.stderr}`);
  });

  afterAll(async () => {
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('restores the latest mysqldump backup into a scratch MariaDB and passes every check', async () => {
    const c = collect();
    const result = await drill(['--engine', 'mysqldump', '--database', 'shop', '--posix-repo', join(dir, 'repo'), '--db-name', 'shop',
      '--baseline-file', baselineFile, '--drill-dir', join(dir, 'drill'), '--spool-dir', join(dir, 'spool')], c.io);
    // On failure the assertion shows the drill's last log lines.
    expect({ message: result.message, log: result.exitCode === 0 ? '' : c.lines.filter((l) => l.includes('"error"')).join('\n') })
      .toEqual({ message: 'PASSED 7/7 checks on shop', log: '' });
    expect(result.exitCode).toBe(0);
    expect(c.metrics[0]).toMatchObject({ Database: 'shop', VerificationSuccess: 1 });
    process.stdout.write(`drill mysqldump: MeasuredRtoSeconds ${c.metrics[0].MeasuredRtoSeconds}\n`);
  });
});

describe('runner drill on MariaDB (mariabackup, physical)', () => {
  let db: MariaDbServer;
  let dir: string;
  let baselineFile: string;

  beforeAll(async () => {
    db = await startMariaDb();
    dir = scratch('drill-mb-');
    db.sql('create database shop');
    db.sql(MYSQL_SHOP_SCHEMA, 'shop');
    baselineFile = await writeShopBaseline(db, 'mysql', dir);
    const r = await runRunner(['backup', '--engine', 'mariabackup', '--database', 'shop', '--posix-repo', join(dir, 'repo'), '--type', 'full',
      '--db-user', 'root', '--db-socket', db.socket, '--mysql-defaults-file', db.defaultsFile, '--spool-dir', join(dir, 'spool')], { RUNNER_DB_PASSWORD: db.password, TZ: 'UTC' });
    if (r.code !== 0) throw new Error(`runner backup failed: ${r.stdout}${r.stderr}`);
  });

  afterAll(async () => {
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('restores the latest mariabackup into a data directory, starts a scratch server on it and passes every check', async () => {
    const c = collect();
    const result = await drill(['--engine', 'mariabackup', '--database', 'shop', '--posix-repo', join(dir, 'repo'), '--db-name', 'shop',
      '--spool-dir', join(dir, 'spool'), '--baseline-file', baselineFile, '--drill-dir', join(dir, 'drill')], { ...c.io, env: { ...process.env, TZ: 'UTC' } });
    expect(result.message).toBe('PASSED 7/7 checks on shop');
    expect(result.exitCode).toBe(0);
    expect(c.metrics[0]).toMatchObject({ Database: 'shop', VerificationSuccess: 1, engine: 'mariabackup' });
    process.stdout.write(`drill mariabackup: MeasuredRtoSeconds ${c.metrics[0].MeasuredRtoSeconds}\n`);
    expect(readdirSync(join(dir, 'drill'))).toEqual([]);
  });
});
