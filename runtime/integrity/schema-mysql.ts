/**
 * Reads the schema model of the connected MySQL / MariaDB database from information_schema:
 * base tables, columns (type incl. extra, nullability, default), indexes and constraints.
 */
import { DatabaseClient, Row } from './connection';
import { ColumnModel, ConstraintModel, IndexModel, SchemaModel, TableModel } from './types';
import { byText } from './sort';

// information_schema column names are upper case and their case in result sets varies between
// MySQL and MariaDB versions: every query aliases them to lower case.
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

export async function readMySqlSchema(db: DatabaseClient): Promise<SchemaModel> {
  const tableRows = await db.query(`
    select TABLE_NAME as table_name from information_schema.TABLES
    where TABLE_SCHEMA = database() and TABLE_TYPE = 'BASE TABLE'`);
  const columnRows = await db.query(`
    select TABLE_NAME as table_name, COLUMN_NAME as column_name, ORDINAL_POSITION as position,
           COLUMN_TYPE as column_type, EXTRA as extra, IS_NULLABLE as is_nullable, COLUMN_DEFAULT as column_default
    from information_schema.COLUMNS c
    where TABLE_SCHEMA = database()
      and exists (select 1 from information_schema.TABLES t where t.TABLE_SCHEMA = c.TABLE_SCHEMA
                  and t.TABLE_NAME = c.TABLE_NAME and t.TABLE_TYPE = 'BASE TABLE')`);
  const statRows = await db.query(`
    select TABLE_NAME as table_name, INDEX_NAME as index_name, NON_UNIQUE as non_unique, SEQ_IN_INDEX as seq,
           COLUMN_NAME as column_name, SUB_PART as sub_part, INDEX_TYPE as index_type, COLLATION as collation
    from information_schema.STATISTICS where TABLE_SCHEMA = database()`);
  const constraintRows = await db.query(`
    select TABLE_NAME as table_name, CONSTRAINT_NAME as constraint_name, CONSTRAINT_TYPE as constraint_type
    from information_schema.TABLE_CONSTRAINTS where TABLE_SCHEMA = database()`);
  const keyRows = await db.query(`
    select TABLE_NAME as table_name, CONSTRAINT_NAME as constraint_name, COLUMN_NAME as column_name,
           ORDINAL_POSITION as position, REFERENCED_TABLE_SCHEMA as ref_schema, REFERENCED_TABLE_NAME as ref_table,
           REFERENCED_COLUMN_NAME as ref_column
    from information_schema.KEY_COLUMN_USAGE where TABLE_SCHEMA = database()`);
  const ruleRows = await db.query(`
    select TABLE_NAME as table_name, CONSTRAINT_NAME as constraint_name, UPDATE_RULE as update_rule, DELETE_RULE as delete_rule
    from information_schema.REFERENTIAL_CONSTRAINTS where CONSTRAINT_SCHEMA = database()`);
  let checkRows: Row[] = [];
  try {
    // MariaDB ≥ 10.2 and MySQL ≥ 8.0.16 have CHECK_CONSTRAINTS; older servers have no checks to read.
    checkRows = await db.query(`
      select CONSTRAINT_NAME as constraint_name, CHECK_CLAUSE as check_clause
      from information_schema.CHECK_CONSTRAINTS where CONSTRAINT_SCHEMA = database()`);
  } catch {
    checkRows = [];
  }

  const columns = new Map<string, Array<ColumnModel & { position: number }>>();
  for (const r of columnRows) {
    const t = String(r.table_name);
    const extra = text(r.extra)?.trim();
    const list = columns.get(t) ?? [];
    list.push({
      name: String(r.column_name),
      type: extra ? `${String(r.column_type)} ${extra}` : String(r.column_type),
      nullable: String(r.is_nullable).toUpperCase() === 'YES',
      default: text(r.column_default),
      position: Number(r.position),
    });
    columns.set(t, list);
  }
  const tables: TableModel[] = tableRows.map((r) => ({
    name: String(r.table_name),
    columns: (columns.get(String(r.table_name)) ?? []).sort((a, b) => a.position - b.position).map(({ position: _p, ...c }) => c),
  }));

  const indexParts = new Map<string, { table: string; name: string; unique: boolean; type: string; parts: Array<{ seq: number; text: string }> }>();
  for (const r of statRows) {
    const key = `${r.table_name}\u0000${r.index_name}`;
    const entry = indexParts.get(key) ?? { table: String(r.table_name), name: String(r.index_name), unique: Number(r.non_unique) === 0, type: String(r.index_type), parts: [] };
    const sub = r.sub_part === null || r.sub_part === undefined ? '' : `(${r.sub_part})`;
    const dir = String(r.collation ?? '') === 'D' ? ' DESC' : '';
    entry.parts.push({ seq: Number(r.seq), text: `${r.column_name ?? '<expression>'}${sub}${dir}` });
    indexParts.set(key, entry);
  }
  const indexes: IndexModel[] = [...indexParts.values()].map((i) => ({
    table: i.table,
    name: i.name,
    definition: `${i.unique ? 'UNIQUE ' : ''}${i.type} (${i.parts.sort((a, b) => a.seq - b.seq).map((p) => p.text).join(', ')})`,
  }));

  const keyCols = new Map<string, Row[]>();
  for (const r of keyRows) {
    const key = `${r.table_name}\u0000${r.constraint_name}`;
    keyCols.set(key, [...(keyCols.get(key) ?? []), r]);
  }
  const rules = new Map(ruleRows.map((r) => [`${r.table_name}\u0000${r.constraint_name}`, r]));
  const checks = new Map(checkRows.map((r) => [String(r.constraint_name), String(r.check_clause)]));
  const constraints: ConstraintModel[] = constraintRows.map((r) => {
    const table = String(r.table_name);
    const name = String(r.constraint_name);
    const kind = String(r.constraint_type).toUpperCase();
    const cols = (keyCols.get(`${table}\u0000${name}`) ?? []).sort((a, b) => Number(a.position) - Number(b.position));
    let definition: string;
    if (kind === 'FOREIGN KEY') {
      const rule = rules.get(`${table}\u0000${name}`);
      const ref = cols[0] ? `${cols[0].ref_schema === db.database ? '' : `${cols[0].ref_schema}.`}${cols[0].ref_table}` : '?';
      definition = `FOREIGN KEY (${cols.map((c) => c.column_name).join(', ')}) REFERENCES ${ref}(${cols.map((c) => c.ref_column).join(', ')})`
        + (rule ? ` ON UPDATE ${rule.update_rule} ON DELETE ${rule.delete_rule}` : '');
    } else if (kind === 'CHECK') {
      definition = `CHECK (${checks.get(name) ?? '?'})`;
    } else {
      definition = `${kind} (${cols.map((c) => c.column_name).join(', ')})`;
    }
    return { table, name, kind, definition };
  });

  return {
    engine: 'mysql',
    tables: tables.sort(byText((t) => t.name)),
    indexes: indexes.sort(byText((i) => `${i.table}\u0000${i.name}`)),
    constraints: constraints.sort(byText((c) => `${c.table}\u0000${c.name}`)),
  };
}
