/**
 * Schema fingerprint: a SHA-256 over a canonical rendering of the schema model, and a diff that
 * names each difference between the baseline (what production held) and a restored copy.
 */
import { createHash } from 'node:crypto';
import { DatabaseClient } from './connection';
import { readMySqlSchema } from './schema-mysql';
import { readPostgresSchema } from './schema-postgres';
import { SchemaModel } from './types';

export async function readSchema(db: DatabaseClient): Promise<SchemaModel> {
  return db.engine === 'postgres' ? readPostgresSchema(db) : readMySqlSchema(db);
}

/** JSON with object keys sorted at every level, so the hash never depends on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).sort().filter((k) => obj[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function fingerprint(schema: SchemaModel): string {
  return createHash('sha256').update(canonicalJson(schema)).digest('hex');
}

const show = (v: string | null) => (v === null ? 'none' : v);

/**
 * Every difference from `expected` (baseline) to `found` (restored copy), one line each, in a
 * stable order: `column orders.amount: type numeric(12,2) → text`, `index orders_created_at_idx on orders missing`.
 */
export function diffSchemas(expected: SchemaModel, found: SchemaModel): string[] {
  const out: string[] = [];
  const foundTables = new Map(found.tables.map((t) => [t.name, t]));
  const expectedTables = new Map(expected.tables.map((t) => [t.name, t]));
  for (const t of expected.tables) {
    const f = foundTables.get(t.name);
    if (!f) { out.push(`table ${t.name} missing`); continue; }
    const fCols = new Map(f.columns.map((c) => [c.name, c]));
    const eCols = new Map(t.columns.map((c) => [c.name, c]));
    for (const c of t.columns) {
      const fc = fCols.get(c.name);
      if (!fc) { out.push(`column ${t.name}.${c.name} missing`); continue; }
      if (fc.type !== c.type) out.push(`column ${t.name}.${c.name}: type ${c.type} → ${fc.type}`);
      if (fc.nullable !== c.nullable) out.push(`column ${t.name}.${c.name}: ${c.nullable ? 'nullable' : 'not null'} → ${fc.nullable ? 'nullable' : 'not null'}`);
      if (fc.default !== c.default) out.push(`column ${t.name}.${c.name}: default ${show(c.default)} → ${show(fc.default)}`);
    }
    for (const c of f.columns) if (!eCols.has(c.name)) out.push(`column ${t.name}.${c.name} unexpected`);
    const eOrder = t.columns.map((c) => c.name).filter((n) => fCols.has(n));
    const fOrder = f.columns.map((c) => c.name).filter((n) => eCols.has(n));
    if (eOrder.join('\u0000') !== fOrder.join('\u0000')) out.push(`table ${t.name}: column order ${eOrder.join(', ')} → ${fOrder.join(', ')}`);
  }
  for (const t of found.tables) if (!expectedTables.has(t.name)) out.push(`table ${t.name} unexpected`);

  const keyed = <T extends { table: string; name: string; definition: string }>(label: string, e: T[], f: T[]) => {
    const key = (x: T) => `${x.table}\u0000${x.name}`;
    const fMap = new Map(f.map((x) => [key(x), x]));
    const eMap = new Map(e.map((x) => [key(x), x]));
    for (const x of e) {
      const y = fMap.get(key(x));
      if (!y) out.push(`${label} ${x.name} on ${x.table} missing`);
      else if (y.definition !== x.definition) out.push(`${label} ${x.name} on ${x.table}: ${x.definition} → ${y.definition}`);
    }
    for (const y of f) if (!eMap.has(key(y))) out.push(`${label} ${y.name} on ${y.table} unexpected`);
  };
  keyed('index', expected.indexes, found.indexes);
  keyed('constraint', expected.constraints, found.constraints);
  return out;
}
