/**
 * `--tables`: a selective restore of named tables from a logical dump. The names are parsed once
 * here; each engine matches them against what its dump holds (pg_restore's table of contents,
 * mysqldump's table sections) and refuses, before anything is written, names the dump lacks.
 */
import { ConfigurationError } from '../../../runtime/errors';
import type { OptionSpec } from './options';

/** The option both logical engines declare (one spelling, one description). */
export const TABLES_OPTION: OptionSpec = {
  name: 'tables', kind: 'string',
  description: 'pg-dump / mysqldump restore: restore only these tables (comma-separated schema.table, or table in the default schema: public for PostgreSQL, '
    + 'the dumped database for MySQL) into --target-db, a scratch database; names the dump lacks are refused (exit 2) with the list of its tables.',
};

/** One requested table: `schema` is the PostgreSQL schema or the MySQL database, undefined when not given. */
export interface TableName {
  readonly schema?: string;
  readonly table: string;
  /** As the user wrote it, for messages. */
  readonly given: string;
}

/** Splits `--tables`; returns the problems (each naming the flag and the bad value) instead of throwing. */
export function parseTables(raw: string): { tables: TableName[]; problems: string[] } {
  const problems: string[] = [];
  const tables: TableName[] = [];
  const seen = new Set<string>();
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.every((s) => s === '')) return { tables, problems: [`--tables must name at least one table, got ${JSON.stringify(raw)}`] };
  for (const given of parts) {
    if (given === '') { problems.push(`--tables has an empty name in ${JSON.stringify(raw)}`); continue; }
    const dot = given.indexOf('.');
    const schema = dot >= 0 ? given.slice(0, dot) : undefined;
    const table = dot >= 0 ? given.slice(dot + 1) : given;
    if (schema === '' || table === '' || table.includes('.')) { problems.push(`--tables: ${JSON.stringify(given)} is not schema.table or table`); continue; }
    if (seen.has(given)) { problems.push(`--tables names ${JSON.stringify(given)} twice`); continue; }
    seen.add(given);
    tables.push({ ...(schema !== undefined ? { schema } : {}), table, given });
  }
  return { tables, problems };
}

/** `--tables` of a restore, parsed; undefined when not given. Throws a ConfigurationError on a bad value. */
export function requestedTables(raw: string | undefined): TableName[] | undefined {
  if (raw === undefined) return undefined;
  const { tables, problems } = parseTables(raw);
  if (problems.length) throw new ConfigurationError('invalid configuration', problems);
  return tables;
}

/** A table the dump holds. */
export interface DumpTable {
  readonly schema: string;
  readonly table: string;
}

const LISTED = 60;

/**
 * Matches the requested names against the dump's tables (an unqualified name takes
 * `defaultSchema`). Throws one ConfigurationError naming every absent name, with the dump's tables.
 */
export function matchTables(requested: readonly TableName[], inDump: readonly DumpTable[], defaultSchema: string | undefined, backupId: string): DumpTable[] {
  const found: DumpTable[] = [];
  const absent: string[] = [];
  const ambiguous: string[] = [];
  for (const r of requested) {
    const schema = r.schema ?? defaultSchema;
    const hits = inDump.filter((t) => t.table === r.table && (schema === undefined || t.schema === schema));
    if (hits.length === 1) found.push(hits[0]);
    else if (hits.length === 0) absent.push(r.given);
    else ambiguous.push(`--tables: ${JSON.stringify(r.given)} is ambiguous in backup ${backupId} (${hits.map((t) => `${t.schema}.${t.table}`).join(', ')}): qualify it`);
  }
  if (absent.length || ambiguous.length) {
    const names = inDump.map((t) => `${t.schema}.${t.table}`).sort();
    const shown = names.slice(0, LISTED).join(', ') + (names.length > LISTED ? `, … (${names.length - LISTED} more)` : '');
    throw new ConfigurationError('invalid configuration', absent.map((g) => `--tables: ${JSON.stringify(g)} is not a table of backup ${backupId}`)
      .concat(ambiguous, [`backup ${backupId} holds ${names.length} table${names.length === 1 ? '' : 's'}: ${shown || '(none)'}`]));
  }
  return found;
}
