/**
 * Reads the schema model of a PostgreSQL database from the system catalogs: every table of every
 * non-system schema, its columns (type, nullability, default), indexes and constraints.
 */
import { DatabaseClient, qualify } from './connection';
import { ColumnModel, ConstraintModel, IndexModel, SchemaModel, TableModel } from './types';
import { byText } from './sort';

const USER_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'`;
const CONSTRAINT_KINDS: Record<string, string> = { p: 'PRIMARY KEY', u: 'UNIQUE', f: 'FOREIGN KEY', c: 'CHECK', x: 'EXCLUDE' };

export async function readPostgresSchema(db: DatabaseClient): Promise<SchemaModel> {
  // With only pg_catalog on the search path every name in a definition comes out schema-qualified,
  // so production and a restored copy render identically whatever their role settings say.
  await db.query('begin transaction read only');
  try {
    await db.query('set local search_path = pg_catalog');
    const tableRows = await db.query(`
      select n.nspname as schema_name, c.relname as table_name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and ${USER_SCHEMAS}`);
    const columnRows = await db.query(`
      select n.nspname as schema_name, c.relname as table_name, a.attname as column_name, a.attnum as position,
             format_type(a.atttypid, a.atttypmod) as data_type, not a.attnotnull as nullable,
             pg_get_expr(d.adbin, d.adrelid) as default_expr
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
      where c.relkind in ('r', 'p') and ${USER_SCHEMAS}`);
    const indexRows = await db.query(`
      select n.nspname as schema_name, t.relname as table_name, i.relname as index_name,
             pg_get_indexdef(x.indexrelid) as definition
      from pg_index x
      join pg_class i on i.oid = x.indexrelid
      join pg_class t on t.oid = x.indrelid
      join pg_namespace n on n.oid = t.relnamespace
      where t.relkind in ('r', 'p') and ${USER_SCHEMAS}`);
    const constraintRows = await db.query(`
      select n.nspname as schema_name, t.relname as table_name, c.conname as constraint_name,
             c.contype::text as kind, pg_get_constraintdef(c.oid) as definition
      from pg_constraint c
      join pg_class t on t.oid = c.conrelid
      join pg_namespace n on n.oid = t.relnamespace
      where c.contype in ('p', 'u', 'f', 'c', 'x') and ${USER_SCHEMAS}`);

    const name = (r: Record<string, unknown>) => qualify(String(r.schema_name), String(r.table_name), 'public');
    const columns = new Map<string, Array<ColumnModel & { position: number }>>();
    for (const r of columnRows) {
      const list = columns.get(name(r)) ?? [];
      list.push({
        name: String(r.column_name),
        type: String(r.data_type),
        nullable: r.nullable === true,
        default: r.default_expr === null || r.default_expr === undefined ? null : String(r.default_expr),
        position: Number(r.position),
      });
      columns.set(name(r), list);
    }
    const tables: TableModel[] = tableRows.map((r) => ({
      name: name(r),
      columns: (columns.get(name(r)) ?? [])
        .sort((a, b) => a.position - b.position)
        .map(({ position: _p, ...c }) => c),
    }));
    const indexes: IndexModel[] = indexRows.map((r) => ({ table: name(r), name: String(r.index_name), definition: String(r.definition) }));
    const constraints: ConstraintModel[] = constraintRows.map((r) => ({
      table: name(r),
      name: String(r.constraint_name),
      kind: CONSTRAINT_KINDS[String(r.kind)] ?? String(r.kind),
      definition: String(r.definition),
    }));
    return {
      engine: 'postgres',
      tables: tables.sort(byText((t) => t.name)),
      indexes: indexes.sort(byText((i) => `${i.table}\u0000${i.name}`)),
      constraints: constraints.sort(byText((c) => `${c.table}\u0000${c.name}`)),
    };
  } finally {
    await db.query('rollback').catch(() => undefined);
  }
}
