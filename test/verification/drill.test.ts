/**
 * Runner restore drills on real servers: back up with the runner CLI, then `drill` restores the
 * latest backup into a scratch server it starts itself, checks it against the baseline and emits
 * the verification metrics. A backup of a damaged database fails the drill, naming each damage.
 */
import '../../runner/src/engines';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureBaseline, connect } from '../../runtime/integrity';
import { drill, DRILL_ENGINES } from '../../runner/src/drill';
import { DRILLED_ENGINES } from '../../lib/verification/drill-engines';
import { VERIFICATION_METRICS } from '../../runtime/metrics/names';
import { MariaDbServer, PostgresServer, startMariaDb, startPostgres } from '../support/servers';
import { runRunner } from '../runner/support/run-runner';

import { MYSQL_SHOP_SCHEMA, PG_SHOP_SCHEMA, recordDamage, userChecksFor } from './fixtures';

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
    const db = await connect({ engine: 'postgres', host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'shop', tls: false });
    try {
      const baseline = await captureBaseline(db, { database: 'shop', userChecks: userChecksFor('postgres') });
      baselineFile = join(dir, 'baseline.json');
      writeFileSync(baselineFile, JSON.stringify(baseline));
    } finally {
      await db.close();
    }
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
    // The runner's own restore ran and logged as a restore job.
    expect(c.lines.some((l) => l.includes('"restore complete"'))).toBe(true);
    // The scratch server is gone.
    expect(readdirSync(join(dir, 'drill'))).toEqual([]);
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
    const physicalPg = await drill(['--engine', 'pgbackrest', '--database', 'x', '--posix-repo', dir, '--baseline-file', baselineFile], c.io);
    expect(physicalPg.exitCode).toBe(2);
    expect(physicalPg.message).toMatch(/engine pgbackrest has no restore drill \(supported: pg-dump, mysqldump, mariabackup\)/);
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
    const c = await connect({ engine: 'mysql', host: db.host, port: db.port, user: db.user, password: db.password, database: 'shop', tls: false });
    try {
      baselineFile = join(dir, 'baseline.json');
      writeFileSync(baselineFile, JSON.stringify(await captureBaseline(c, { database: 'shop', userChecks: userChecksFor('mysql') })));
    } finally {
      await c.close();
    }
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
    const c = await connect({ engine: 'mysql', host: db.host, port: db.port, user: db.user, password: db.password, database: 'shop', tls: false });
    try {
      baselineFile = join(dir, 'baseline.json');
      writeFileSync(baselineFile, JSON.stringify(await captureBaseline(c, { database: 'shop', userChecks: userChecksFor('mysql') })));
    } finally {
      await c.close();
    }
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
    expect(readdirSync(join(dir, 'drill'))).toEqual([]);
  });
});
