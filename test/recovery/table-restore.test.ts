/**
 * Selective table restore, driven by the table-restore procedure's own commands (runtime/recovery):
 * a pg-dump and a mysqldump backup on real PostgreSQL 15 / MariaDB 10.11, a bad DELETE after it,
 * the runner's `restore --tables` into a scratch database (compared row by row with the tables at
 * backup time; every other table absent), the refusal of a name the dump lacks, the copy back into
 * production, and the same restore by hand with the upstream tools only.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseRecoveryDescription, recoveryProcedure } from '../../runtime/recovery';
import { MariaDbServer, PostgresServer, startMariaDb, startPostgres } from '../support/servers';
import { runRunner } from '../runner/support/run-runner';
import { expectSucceeded, runStep, step } from './procedure-runner';

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'table-restore-repo-'));
  return dir;
}

function backupIds(dir: string, engine: string, database: string): string[] {
  return readdirSync(join(dir, 'runner', database, engine)).sort();
}

describe('table restore from pg-dump on PostgreSQL 15, by the procedure', () => {
  let pg: PostgresServer;
  let dir: string;
  let work: string;
  const snapshot: Record<string, string> = {};
  const orders = 'select id, customer, total, placed from public.orders order by id';
  const events = 'select id, kind, payload from audit.events order by id';

  beforeAll(async () => {
    pg = await startPostgres();
    dir = repo();
    work = mkdtempSync(join(tmpdir(), 'table-restore-work-'));
    pg.psql('create database shop');
    pg.psql(`create table customers(id int primary key, name text not null);
      insert into customers select g, 'c' || g from generate_series(1, 500) g;
      create table orders(id serial primary key, customer int not null references customers(id), total numeric(10,2), placed timestamptz default now());
      insert into orders(customer, total, placed) select 1 + g % 500, g * 1.25, '2026-01-01'::timestamptz + g * interval '1 minute' from generate_series(1, 20000) g;
      insert into orders(customer, total) values (7, null);
      create index on orders(customer);
      create schema audit;
      create table audit.events(id bigint generated always as identity primary key, kind text, payload jsonb);
      insert into audit.events(kind, payload) select 'k' || (g % 7), jsonb_build_object('n', g, 'q', 'it''s "quoted"') from generate_series(1, 3000) g;
      create table audit.orders(id int primary key, note text);
      insert into audit.orders values (1, 'a table of the same name in another schema');
      create view big_orders as select * from orders where total > 100;`, 'shop');
    const backup = await runRunner(['backup', '--engine', 'pg-dump', '--database', 'shop', '--posix-repo', dir,
      '--db-host', pg.host, '--db-port', String(pg.port), '--db-user', 'postgres', '--db-name', 'shop'], { RUNNER_DB_PASSWORD: pg.password });
    expect(backup.code).toBe(0);
    snapshot.orders = pg.psql(orders, 'shop');
    snapshot.events = pg.psql(events, 'shop');
    // The damage after the backup: a bad DELETE, and a row that only production has.
    pg.psql('delete from orders where id % 3 = 0; delete from audit.events where id > 2000; insert into audit.events(kind) values (\'after-backup\')', 'shop');
  });
  afterAll(async () => {
    await pg?.stop();
    for (const d of [dir, work]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const description = (): DatabaseRecoveryDescription => ({
    name: 'shop', databaseType: 'postgres', deployment: 'self-managed', primaryRegion: 'eu-central-1', logicalEngine: 'pg-dump',
    storage: { posixRepo: dir }, host: { address: pg.host, port: pg.port, user: 'postgres', databaseName: 'shop' },
  });
  const runnerEnv = () => ({ RUNNER_TARGET_PASSWORD: pg.password });

  it('restores only the named tables into the scratch database, identical to the tables at backup time', async () => {
    const p = recoveryProcedure(description(), 'table-restore');
    const runs = await runStep(p, step(p, 'restore'), { Tables: 'orders,audit.events', TargetName: 'shop_restore' }, { runnerEnv: runnerEnv() });
    expect(runs).toHaveLength(1);
    expectSucceeded(runs);
    expect(pg.psql(orders, 'shop_restore')).toBe(snapshot.orders);
    expect(pg.psql(events, 'shop_restore')).toBe(snapshot.events);
    expect(snapshot.orders.split('\n')).toHaveLength(20001);
    // Nothing else: not the other tables, not the view, not audit.orders of the same name.
    expect(pg.psql(`select string_agg(n.nspname || '.' || c.relname, ',' order by n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'v', 'm', 'p') and n.nspname not in ('pg_catalog', 'information_schema')`, 'shop_restore')).toBe('audit.events,public.orders');
    // Primary keys come along; the FK to customers (not restored) does not.
    expect(pg.psql(`select string_agg(conname || ':' || contype::text, ',' order by conname) from pg_constraint where conrelid in ('public.orders'::regclass, 'audit.events'::regclass)`, 'shop_restore'))
      .toBe('events_pkey:p,orders_pkey:p');
  });

  it('refuses names the dump lacks before writing anything (exit 2), naming them and listing the dump\'s tables', async () => {
    const p = recoveryProcedure(description(), 'table-restore');
    const [run] = await runStep(p, step(p, 'restore'), { Tables: 'public.orders,public.nope,big_orders', TargetName: 'shop_refused' }, { runnerEnv: runnerEnv() });
    expect(run.runner!.code).toBe(2);
    const out = run.runner!.stdout;
    expect(out).toContain('--tables: \\"public.nope\\" is not a table of backup');
    expect(out).toContain('--tables: \\"big_orders\\" is not a table of backup');
    expect(out).toMatch(/holds 4 tables: audit\.events, audit\.orders, public\.customers, public\.orders/);
    expect(pg.psql('select count(*) from pg_database where datname = \'shop_refused\'')).toBe('0');
    // A malformed list is a configuration error too, before any download.
    const bad = await runRunner(['restore', '--engine', 'pg-dump', '--database', 'shop', '--posix-repo', dir, '--target-host', pg.host, '--target-db', 'x', '--tables', 'a,,b.c.d'], runnerEnv());
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('--tables has an empty name');
    expect(bad.stdout).toContain('b.c.d');
  });

  it('copies the rows back into production (after the approval step) and drops the scratch database', async () => {
    const p = recoveryProcedure(description(), 'table-restore');
    const ids = p.steps.map((s) => s.id);
    expect(ids.indexOf('approve-copy-back')).toBeLessThan(ids.indexOf('copy-back'));
    const values = { Tables: 'public.orders,audit.events', TargetName: 'shop_restore' };
    expectSucceeded(await runStep(p, step(p, 'inspect'), values, { shellEnv: { PGPASSWORD: pg.password } }));
    expectSucceeded(await runStep(p, step(p, 'copy-back'), values, { shellEnv: { PGPASSWORD: pg.password } }));
    // The deleted rows are back; the row written after the backup is kept.
    expect(pg.psql(orders, 'shop')).toBe(snapshot.orders);
    expect(pg.psql(`${events.replace(' order by id', '')} where kind <> 'after-backup' order by id`, 'shop')).toBe(snapshot.events);
    expect(pg.psql('select count(*) from audit.events where kind = \'after-backup\'', 'shop')).toBe('1');
    expect(pg.psql('select count(*) from pg_namespace where nspname = \'recovered\'', 'shop')).toBe('0');
    expectSucceeded(await runStep(p, step(p, 'drop-scratch'), values, { shellEnv: { PGPASSWORD: pg.password } }));
    expect(pg.psql('select count(*) from pg_database where datname = \'shop_restore\'')).toBe('0');
  });

  it('by hand with the upstream tools only: copy, sha256sum against the manifest, zstd, pg_restore of the listed tables', async () => {
    const p = recoveryProcedure(description(), 'table-restore');
    const [backupId] = backupIds(dir, 'pg-dump', 'shop');
    const values = { Tables: 'public.orders,audit.events', TargetName: 'shop_by_hand', BackupId: backupId };
    const opts = { cwd: work, shellEnv: { PGPASSWORD: pg.password } };
    for (const id of ['list', 'copy', 'check', 'load']) expectSucceeded(await runStep(p, step(p, id, true), values, opts));
    expect(pg.psql(orders, 'shop_by_hand')).toBe(snapshot.orders);
    expect(pg.psql(events, 'shop_by_hand')).toBe(snapshot.events);
    expect(pg.psql('select count(*) from pg_tables where tablename = \'customers\'', 'shop_by_hand')).toBe('0');
  });
});

describe('table restore from mysqldump on MariaDB 10.11, by the procedure', () => {
  let db: MariaDbServer;
  let dir: string;
  let work: string;
  const snapshot: Record<string, string> = {};
  const orders = 'SELECT id, customer, note, total FROM orders ORDER BY id';

  beforeAll(async () => {
    db = await startMariaDb();
    dir = repo();
    work = mkdtempSync(join(tmpdir(), 'table-restore-work-'));
    mkdirSync(work, { recursive: true });
    db.sql(`SET NAMES utf8mb4; CREATE DATABASE shop CHARACTER SET utf8mb4; USE shop;
      CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;
      CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer INT NOT NULL, note TEXT, total DECIMAL(10,2),
        FOREIGN KEY (customer) REFERENCES customers(id)) ENGINE=InnoDB;
      CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT) ENGINE=InnoDB;
      CREATE TABLE \`odd\`\`name\` (id INT PRIMARY KEY) ENGINE=InnoDB;
      CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit(order_id) VALUES (NEW.id);
      CREATE PROCEDURE order_count(OUT n INT) SELECT COUNT(*) INTO n FROM orders;
      CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
      INSERT INTO customers SELECT seq, CONCAT('c', seq) FROM seq_1_to_300;
      INSERT INTO orders(customer, note, total) SELECT 1 + seq % 300, REPEAT('n', 10), seq * 1.25 FROM seq_1_to_8000;
      INSERT INTO orders(customer, note, total) VALUES (5, 'quote''s "and" \\\\ backslash ünïcödé ✓\nnew line', NULL);
      INSERT INTO \`odd\`\`name\` VALUES (1);`);
    const backup = await runRunner(['backup', '--engine', 'mysqldump', '--database', 'shop', '--posix-repo', dir,
      '--db-host', db.host, '--db-port', String(db.port), '--db-user', 'root', '--db-name', 'shop'], { RUNNER_DB_PASSWORD: db.password });
    expect(backup.code).toBe(0);
    snapshot.orders = db.sql(orders, 'shop');
    snapshot.odd = db.sql('SELECT id FROM `odd``name`', 'shop');
    db.sql('DELETE FROM orders WHERE id % 4 = 0', 'shop');
  });
  afterAll(async () => {
    await db?.stop();
    for (const d of [dir, work]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const description = (): DatabaseRecoveryDescription => ({
    name: 'shop', databaseType: 'mariadb', deployment: 'self-managed', primaryRegion: 'eu-central-1', logicalEngine: 'mysqldump',
    storage: { posixRepo: dir }, host: { address: db.host, port: db.port, user: 'root', databaseName: 'shop' },
  });
  const runnerEnv = () => ({ RUNNER_TARGET_PASSWORD: db.password });
  const tablesOf = (schema: string) => db.sql(`SELECT GROUP_CONCAT(CONCAT(table_name, ':', table_type) ORDER BY table_name) FROM information_schema.tables WHERE table_schema = '${schema}'`);

  it('restores only the named tables (no trigger, view or routine of the others) into the scratch database, identical to backup time', async () => {
    const p = recoveryProcedure(description(), 'table-restore');
    const runs = await runStep(p, step(p, 'restore'), { Tables: 'orders,shop.odd`name', TargetName: 'shop_restore' }, { runnerEnv: runnerEnv() });
    expectSucceeded(runs);
    expect(db.sql(orders, 'shop_restore')).toBe(snapshot.orders);
    expect(db.sql('SELECT id FROM `odd``name`', 'shop_restore')).toBe(snapshot.odd);
    expect(tablesOf('shop_restore')).toBe('odd`name:BASE TABLE,orders:BASE TABLE');
    // The orders trigger writes into audit, which is not restored: it must not be there either.
    expect(db.sql('SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = \'shop_restore\'')).toBe('0');
    expect(db.sql('SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = \'shop_restore\'')).toBe('0');
  });

  it('refuses names the dump lacks (exit 2) and lists the dump\'s tables; a view is not a table', async () => {
    const p = recoveryProcedure(description(), 'table-restore');
    const [run] = await runStep(p, step(p, 'restore'), { Tables: 'orders,big_orders,other.orders', TargetName: 'shop_refused' }, { runnerEnv: runnerEnv() });
    expect(run.runner!.code).toBe(2);
    expect(run.runner!.stdout).toContain('--tables: \\"big_orders\\" is not a table of backup');
    expect(run.runner!.stdout).toContain('--tables: \\"other.orders\\" is not a table of backup');
    expect(run.runner!.stdout).toMatch(/holds 4 tables: shop\.audit, shop\.customers, shop\.odd`name, shop\.orders/);
    expect(db.sql('SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = \'shop_refused\'')).toBe('0');
  });

  it('merges the rows back into production with INSERT IGNORE ... SELECT after the approval', async () => {
    const p = recoveryProcedure(description(), 'table-restore');
    const values = { Tables: 'orders', TargetName: 'shop_restore' };
    // 8001 rows at backup time; the DELETE took ids 4, 8, ... 8000 and the odd row (InnoDB gave it id 8192 after the bulk INSERT ... SELECT).
    expect(db.sql('SELECT COUNT(*) FROM orders', 'shop')).toBe('6000');
    expect(snapshot.orders.split('\n')).toHaveLength(8001);
    expectSucceeded(await runStep(p, step(p, 'copy-back'), values, { shellEnv: { MYSQL_PWD: db.password } }));
    expect(db.sql(orders, 'shop')).toBe(snapshot.orders);
    expectSucceeded(await runStep(p, step(p, 'drop-scratch'), values, { shellEnv: { MYSQL_PWD: db.password } }));
    expect(db.sql('SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = \'shop_restore\'')).toBe('0');
  });

  it('by hand with the upstream tools only: copy, sha256sum, zstd and the section filter into mysql', async () => {
    const p = recoveryProcedure(description(), 'table-restore');
    const [backupId] = backupIds(dir, 'mysqldump', 'shop');
    const values = { Tables: 'orders', TargetName: 'shop_by_hand', BackupId: backupId };
    const opts = { cwd: work, shellEnv: { MYSQL_PWD: db.password } };
    for (const id of ['list', 'copy', 'check', 'load']) expectSucceeded(await runStep(p, step(p, id, true), values, opts));
    expect(db.sql(orders, 'shop_by_hand')).toBe(snapshot.orders);
    expect(tablesOf('shop_by_hand')).toBe('orders:BASE TABLE');
    expect(db.sql('SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = \'shop_by_hand\'')).toBe('0');
  });
});
