/**
 * The engine catalog: one record per engine (one file each), listed here. Adding an engine is its
 * record file, one line in ENGINES, its runner module (runner/src/engines/) and its tests.
 */
import { MARIABACKUP } from './mariabackup';
import { MONGODUMP } from './mongodump';
import { MYSQLDUMP } from './mysqldump';
import { PG_DUMP } from './pg-dump';
import { PGBACKREST } from './pgbackrest';
import type { DatabaseType, EngineKind, EngineRecord } from './record';
import { WAL_G } from './wal-g';
import { XTRABACKUP } from './xtrabackup';

export type * from './record';

/** Every engine, in the order tables list them. */
export const ENGINES: readonly EngineRecord[] = [PG_DUMP, MYSQLDUMP, MONGODUMP, PGBACKREST, WAL_G, MARIABACKUP, XTRABACKUP];

/** Every engine name (`--engine`). */
export const ENGINE_NAMES: readonly string[] = ENGINES.map((e) => e.name);

/** The record of `name`, or undefined. */
export function findEngine(name: string): EngineRecord | undefined {
  return ENGINES.find((e) => e.name === name);
}

/** The record of `name`; throws for a name that is not in the catalog (a bug, not user input). */
export function engine(name: string): EngineRecord {
  const e = findEngine(name);
  if (!e) throw new Error(`engine catalog: no engine "${name}" (known: ${ENGINE_NAMES.join(', ')})`);
  return e;
}

/** Engines of a kind that back up a database type, in catalog order. */
export function enginesFor(database: DatabaseType, kind: EngineKind): EngineRecord[] {
  return ENGINES.filter((e) => e.kind === kind && e.databases.includes(database));
}

/** The engine whose log archive is the plan's `archive` value for a database type. */
export function archiveEngine(database: DatabaseType, planArchive: string): EngineRecord | undefined {
  return ENGINES.find((e) => e.archive?.planArchive === planArchive && e.databases.includes(database));
}
