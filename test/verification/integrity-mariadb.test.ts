/**
 * The integrity checks on real MariaDB 10.11: build a database, capture a baseline, back it up
 * and restore it into another server on loopback with the runner CLI's mysqldump engine, verify (all pass), then damage the
 * restored copy one way at a time and check each damage is reported by name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baseline, captureBaseline, connect, DatabaseClient, summarize, verifyRestoredCopy } from '../../runtime/integrity';
import { MariaDbServer, requireTool, startMariaDb } from '../support/servers';
import { runRunner } from '../runner/support/run-runner';
import { MYSQL_SHOP_SCHEMA, recordDamage, userChecksFor } from './fixtures';

const DAMAGE_LOG = process.env.DAMAGE_LOG ?? join(__dirname, '..', '..', 'cdk.out', 'damage-cases.txt');
const checks = userChecksFor('mysql');

async function client(s: MariaDbServer): Promise<DatabaseClient> {
  return connect({ engine: 'mysql', host: s.host, port: s.port, user: s.user, password: s.password, database: 'shop', tls: false });
}

describe('integrity checks on MariaDB', () => {
  let source: MariaDbServer;
  let target: MariaDbServer;
  let baseline: Baseline;
  let restored: DatabaseClient;
  let repo: string;

  beforeAll(async () => {
    requireTool('mysqldump');
    source = await startMariaDb();
    target = await startMariaDb();
    source.sql('create database shop');
    source.sql(MYSQL_SHOP_SCHEMA, 'shop');
    const prod = await client(source);
    try {
      baseline = await captureBaseline(prod, { database: 'shop', userChecks: checks });
    } finally {
      await prod.close();
    }
    // Back up with the runner CLI's mysqldump engine and restore into the second server with it.
    repo = mkdtempSync(join(tmpdir(), 'verify-repo-'));
    // A private spool: other test runs on this machine use (and clean) the default one.
    const common = ['--spool-dir', join(repo, '.spool'), '--engine', 'mysqldump', '--database', 'shop', '--posix-repo', repo];
    const backup = await runRunner(['backup', ...common, '--db-host', source.host, '--db-port', String(source.port), '--db-user', 'root', '--db-name', 'shop'],
      { RUNNER_DB_PASSWORD: source.password });
    if (backup.code !== 0) throw new Error(`runner backup failed: ${backup.stdout}${backup.stderr}`);
    target.sql('create database shop');
    const restore = await runRunner(['restore', ...common, '--target-host', target.host, '--target-port', String(target.port), '--target-user', 'root', '--target-db', 'shop'],
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

  it('captures a baseline of the connected database', () => {
    expect(baseline.engine).toBe('mysql');
    expect(baseline.serverVersion).toMatch(/MariaDB/);
    expect(baseline.schema.tables.map((t) => t.name)).toEqual(['customers', 'orders']);
    expect(baseline.rowCounts).toEqual(expect.arrayContaining([{ table: 'orders', rows: 1000 }, { table: 'customers', rows: 50 }]));
    const orders = baseline.schema.tables.find((t) => t.name === 'orders')!;
    expect(orders.columns.find((c) => c.name === 'amount')).toMatchObject({ type: 'decimal(12,2)', nullable: false });
    expect(orders.columns.find((c) => c.name === 'id')?.type).toBe('bigint(20) auto_increment');
    expect(baseline.schema.indexes.map((i) => `${i.table}.${i.name}: ${i.definition}`)).toContain('orders.orders_created_at_idx: BTREE (created_at)');
    expect(baseline.schema.constraints.map((c) => `${c.table}.${c.name}: ${c.definition}`)).toEqual(expect.arrayContaining([
      'orders.orders_customer_fk: FOREIGN KEY (customer_id) REFERENCES customers(id) ON UPDATE RESTRICT ON DELETE RESTRICT',
      'orders.orders_amount_check: CHECK (`amount` >= 0)',
    ]));
    expect(baseline.userChecks.every((c) => c.error === undefined)).toBe(true);
  });

  it('passes every check on an intact restored copy', async () => {
    const report = await verifyRestoredCopy(restored, baseline, { userChecks: checks, restorePointTime: new Date(baseline.capturedAt) });
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.checks).toHaveLength(1 + 2 + 4);
  });

  const damages: Array<[string, string, RegExp]> = [
    ['drop rows', 'delete from orders where id > 900', /row count orders — expected 1000 ± 0 rows, found 900 rows \(−100\)/],
    ['alter a column', 'alter table orders modify amount decimal(14,4) not null', /column orders\.amount: type decimal\(12,2\) → decimal\(14,4\)/],
    ['drop an index', 'drop index orders_created_at_idx on orders', /index orders_created_at_idx on orders missing/],
    ['drop a constraint', 'alter table orders drop foreign key orders_customer_fk', /constraint orders_customer_fk on orders missing/],
  ];

  it.each(damages)('reports the damage "%s" by name', async (damage, sql, expected) => {
    target.sql(sql, 'shop');
    const report = await verifyRestoredCopy(restored, baseline, { userChecks: checks, restorePointTime: new Date(baseline.capturedAt) });
    const message = summarize(report, 4000);
    recordDamage(DAMAGE_LOG, 'mariadb', damage, message);
    expect(report.passed).toBe(false);
    expect(message).toMatch(expected);
  });

  it('fails a user check with invalid SQL with the server message and keeps user SQL read-only', async () => {
    const report = await verifyRestoredCopy(restored, baseline, {
      userChecks: [
        { name: 'typo', sql: 'selec count(*) from orders', expect: 'atLeast', value: 1 },
        { name: 'sneaky-write', sql: 'delete from customers where id = 1', expect: 'notEmpty' },
        { name: 'slow', sql: 'select sleep(5)', expect: 'notEmpty' },
      ],
      userCheckTimeoutMs: 1000,
    });
    const byName = new Map(report.checks.map((c) => [c.name, c]));
    expect(byName.get('user check typo')).toMatchObject({ passed: false, found: expect.stringMatching(/SQL error: You have an error in your SQL syntax/) });
    expect(byName.get('user check sneaky-write')).toMatchObject({ passed: false, found: expect.stringMatching(/READ ONLY transaction/i) });
    expect(byName.get('user check slow')).toMatchObject({ passed: false, found: expect.stringMatching(/max_statement_time exceeded/) });
    expect(byName.get('user check slow')!.ms).toBeLessThan(4000);
    expect(target.sql('select count(*) from customers', 'shop')).toBe('50');
  });
});
