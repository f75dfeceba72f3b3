/**
 * Row counts of the largest tables, and their comparison with a baseline.
 *
 * Tolerance: production keeps changing between the baseline capture and the restore point, so a
 * restored table may legitimately differ from the baseline. For a table with B baseline rows and
 * a restore point that is A seconds away from the baseline capture (either side),
 *
 *     allowed drift = max(absoluteRows, ceil(B × growthRatePerDay × A / 86400))
 *
 * and the check passes when |found − B| ≤ allowed drift. With A = 0 (restore point taken when
 * the baseline was captured) only `absoluteRows` remains, by default 0: every lost row is found.
 */
import { DatabaseClient, qualify, quoteTable } from './connection';
import { CheckResult, TableRowCount } from './types';

export interface RowCountTolerance {
  /** Drift always allowed, in rows. @default 0 */
  readonly absoluteRows?: number;
  /** Fraction of the baseline rows a table may change by per day of age. @default 0.05 */
  readonly growthRatePerDay?: number;
}

export const DEFAULT_LARGEST_TABLES = 10;

/** The `limit` largest tables by on-disk size (ties by name), each with an exact count(*). */
export async function countLargestTables(db: DatabaseClient, limit = DEFAULT_LARGEST_TABLES, timeoutMs = 300000): Promise<TableRowCount[]> {
  let names: string[];
  if (db.engine === 'postgres') {
    const rows = await db.query(`
      select n.nspname as schema_name, c.relname as table_name, pg_total_relation_size(c.oid) as size
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and not c.relispartition
        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'`);
    names = rankBySize(rows.map((r) => ({ name: qualify(String(r.schema_name), String(r.table_name), 'public'), size: Number(r.size) })), limit);
  } else {
    const rows = await db.query(`
      select TABLE_NAME as table_name, coalesce(DATA_LENGTH, 0) + coalesce(INDEX_LENGTH, 0) as size
      from information_schema.TABLES where TABLE_SCHEMA = database() and TABLE_TYPE = 'BASE TABLE'`);
    names = rankBySize(rows.map((r) => ({ name: qualify(db.database, String(r.table_name), db.database), size: Number(r.size) })), limit);
  }
  const out: TableRowCount[] = [];
  for (const name of names) out.push({ table: name, rows: await exactCount(db, name, timeoutMs) });
  return out;
}

function rankBySize(tables: Array<{ name: string; size: number }>, limit: number): string[] {
  return tables
    .sort((a, b) => (b.size - a.size) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, limit)
    .map((t) => t.name);
}

/** Exact count(*) inside a read-only transaction with a statement timeout. */
export async function exactCount(db: DatabaseClient, table: string, timeoutMs: number): Promise<number> {
  const rows = await readOnly(db, timeoutMs, () => db.querySingle(`select count(*) from ${quoteTable(db.engine, table)}`));
  return Number(rows[0]?.[0]);
}

/**
 * Runs `fn` in a read-only transaction with a statement timeout, rolled back afterwards whatever
 * happens, so neither a check nor a user query can change the database it inspects.
 */
export async function readOnly<T>(db: DatabaseClient, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const ms = Math.max(1, Math.floor(timeoutMs));
  if (db.engine === 'postgres') {
    await db.query('begin transaction read only');
    try {
      await db.query(`set local statement_timeout = ${ms}`);
      return await fn();
    } finally {
      await db.query('rollback').catch(() => undefined);
    }
  }
  const mariadb = /mariadb/i.test(await db.version());
  // MariaDB limits any statement in seconds; MySQL limits SELECTs in milliseconds.
  await db.query(mariadb ? `set session max_statement_time = ${ms / 1000}` : `set session max_execution_time = ${ms}`);
  await db.query('start transaction read only');
  try {
    return await fn();
  } finally {
    await db.query('rollback').catch(() => undefined);
    await db.query(mariadb ? 'set session max_statement_time = 0' : 'set session max_execution_time = 0').catch(() => undefined);
  }
}

export function allowedDrift(baselineRows: number, ageSeconds: number, tolerance: RowCountTolerance = {}): number {
  const floor = tolerance.absoluteRows ?? 0;
  const rate = tolerance.growthRatePerDay ?? 0.05;
  return Math.max(floor, Math.ceil(baselineRows * rate * Math.abs(ageSeconds) / 86400));
}

/** One check per baseline table: the restored copy's exact count within the allowed drift. */
export async function compareRowCounts(db: DatabaseClient, baseline: TableRowCount[], ageSeconds: number,
  tolerance: RowCountTolerance = {}, timeoutMs = 300000): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const b of baseline) {
    const start = Date.now();
    const allowed = allowedDrift(b.rows, ageSeconds, tolerance);
    const expected = `${b.rows} ± ${allowed} rows`;
    try {
      const found = await exactCount(db, b.table, timeoutMs);
      const delta = found - b.rows;
      out.push({
        name: `row count ${b.table}`, kind: 'rowCount', passed: Math.abs(delta) <= allowed, expected,
        found: `${found} rows (${delta >= 0 ? '+' : '−'}${Math.abs(delta)})`, ms: Date.now() - start,
      });
    } catch (err) {
      out.push({ name: `row count ${b.table}`, kind: 'rowCount', passed: false, expected, found: `error: ${errorMessage(err)}`, ms: Date.now() - start });
    }
  }
  return out;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

