/**
 * The integrity checks on real PostgreSQL 15: build a database, capture a baseline, back it up
 * and restore it into another server on loopback with the runner CLI's pg-dump engine, verify (all pass), then damage the restored copy
 * one way at a time and check each damage is reported by name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureBaseline, connect, DatabaseClient, summarize, verifyRestoredCopy, Baseline } from '../../runtime/integrity';
import { PostgresServer, startPostgres } from '../support/servers';
import { runRunner } from '../runner/support/run-runner';
import { PG_SHOP_SCHEMA, recordDamage, userChecksFor } from './fixtures';

const DAMAGE_LOG = process.env.DAMAGE_LOG ?? join(__dirname, '..', '..', 'cdk.out', 'damage-cases.txt');
const checks = userChecksFor('postgres');

async function client(s: PostgresServer): Promise<DatabaseClient> {
  return connect({ engine: 'postgres', host: s.host, port: s.port, user: s.user, password: s.password, database: 'shop', tls: false });
}

describe('integrity checks on PostgreSQL', () => {
  let source: PostgresServer;
  let target: PostgresServer;
  let baseline: Baseline;
  let restored: DatabaseClient;
  let repo: string;

  beforeAll(async () => {
    source = await startPostgres();
    target = await startPostgres();
    source.psql('create database shop');
    source.psql(PG_SHOP_SCHEMA, 'shop');
    const prod = await client(source);
    try {
      baseline = await captureBaseline(prod, { database: 'shop', userChecks: checks });
    } finally {
      await prod.close();
    }
    // Back up with the runner CLI's pg-dump engine and restore into the second server with it.
    repo = mkdtempSync(join(tmpdir(), 'verify-repo-'));
    // A private spool: other test runs on this machine use (and clean) the default one.
    const common = ['--spool-dir', join(repo, '.spool'), '--engine', 'pg-dump', '--database', 'shop', '--posix-repo', repo];
    const backup = await runRunner(['backup', ...common, '--db-host', source.host, '--db-port', String(source.port), '--db-user', 'postgres', '--db-name', 'shop'],
      { RUNNER_DB_PASSWORD: source.password });
    if (backup.code !== 0) throw new Error(`runner backup failed: ${backup.stdout}${backup.stderr}`);
    const restore = await runRunner(['restore', ...common, '--target-host', target.host, '--target-port', String(target.port), '--target-user', 'postgres', '--target-db', 'shop'],
      { RUNNER_TARGET_PASSWORD: target.password });
    if (restore.code !== 0) throw new Error(`runner restore failed: ${restore.stdout}${restore.stderr}`);
    restored = await client(target);
  });

  afterAll(async () => {
    await restored?.close();
    await source?.stop();
    await target?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('captures a baseline with a stable fingerprint, counts of the largest tables and user-check values', async () => {
    expect(baseline.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(baseline.schema.tables.map((t) => t.name)).toEqual(['audit_log', 'customers', 'orders']);
    expect(baseline.rowCounts).toEqual(expect.arrayContaining([{ table: 'orders', rows: 1000 }, { table: 'customers', rows: 50 }, { table: 'audit_log', rows: 20 }]));
    expect(baseline.rowCounts[0]).toEqual({ table: 'orders', rows: 1000 });
    expect(baseline.userChecks.find((c) => c.name === 'order-volume')).toEqual({ name: 'order-volume', found: '1000', rows: 1 });
    const orders = baseline.schema.tables.find((t) => t.name === 'orders')!;
    expect(orders.columns.find((c) => c.name === 'amount')).toEqual({ name: 'amount', type: 'numeric(12,2)', nullable: false, default: null });
    // The same database read twice gives the same hash.
    const again = await client(source);
    try {
      const second = await captureBaseline(again, { database: 'shop' });
      expect(second.fingerprint).toBe(baseline.fingerprint);
    } finally {
      await again.close();
    }
  });

  it('passes every check on an intact restored copy', async () => {
    const report = await verifyRestoredCopy(restored, baseline, { userChecks: checks, restorePointTime: new Date(baseline.capturedAt) });
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.passed).toBe(true);
    // schema + 3 tables + 4 user checks
    expect(report.checks).toHaveLength(8);
    for (const c of report.checks) expect(c.ms).toBeGreaterThanOrEqual(0);
    expect(summarize(report)).toBe('PASSED 8/8 checks on shop');
  });

  const damages: Array<[string, string, RegExp]> = [
    ['drop rows', 'delete from orders where id > 900', /row count orders — expected 1000 ± 0 rows, found 900 rows \(−100\)/],
    ['alter a column type', 'alter table orders alter column amount type numeric(14,4)', /column orders\.amount: type numeric\(12,2\) → numeric\(14,4\)/],
    ['drop an index', 'drop index orders_created_at_idx', /index orders_created_at_idx on orders missing/],
    ['drop a constraint', 'alter table orders drop constraint orders_customer_fk', /constraint orders_customer_fk on orders missing/],
    ['drop a NOT NULL', 'alter table orders alter column status drop not null', /column orders\.status: not null → nullable/],
    ['change a default', "alter table orders alter column status set default 'open'", /column orders\.status: default 'new'::text → 'open'::text/],
    ['drop a table', 'drop table audit_log', /table audit_log missing/],
  ];

  it.each(damages)('reports the damage "%s" by name', async (damage, sql, expected) => {
    target.psql(sql, 'shop');
    const report = await verifyRestoredCopy(restored, baseline, { userChecks: checks, restorePointTime: new Date(baseline.capturedAt) });
    const message = summarize(report, 4000);
    recordDamage(DAMAGE_LOG, 'postgres', damage, message);
    expect(report.passed).toBe(false);
    expect(message).toMatch(expected);
  });

  it('fails a user check with invalid SQL with the database message, and runs user SQL read-only', async () => {
    const report = await verifyRestoredCopy(restored, baseline, {
      userChecks: [
        { name: 'typo', sql: 'selec count(*) from orders', expect: 'atLeast', value: 1 },
        { name: 'sneaky-write', sql: 'delete from orders returning id', expect: 'notEmpty' },
        { name: 'two-statements', sql: 'select 1; delete from customers', expect: 'notEmpty' },
        { name: 'slow', sql: 'select pg_sleep(5)', expect: 'notEmpty' },
      ],
      userCheckTimeoutMs: 500,
    });
    const byName = new Map(report.checks.map((c) => [c.name, c]));
    expect(byName.get('user check typo')).toMatchObject({ passed: false, found: expect.stringMatching(/SQL error: syntax error at or near "selec"/) });
    expect(byName.get('user check sneaky-write')).toMatchObject({ passed: false, found: expect.stringMatching(/read-only transaction/) });
    expect(byName.get('user check two-statements')).toMatchObject({ passed: false, found: expect.stringMatching(/SQL error: cannot insert multiple commands/) });
    expect(byName.get('user check slow')).toMatchObject({ passed: false, found: expect.stringMatching(/statement timeout/) });
    expect(target.psql('select count(*) from customers', 'shop')).toBe('50');
    expect(summarize(report)).toMatch(/user check typo — expected ≥ 1, found SQL error: syntax error/);
  });
});
