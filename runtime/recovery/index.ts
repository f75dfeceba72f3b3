/**
 * Recovery procedures as data (no CDK): for one database's description, the ordered steps of
 * (a) point-in-time recovery, (b) full recovery in the DR region and (c) selective table restore,
 * each with the runner / AWS / upstream-tool command lines and named `{{Parameters}}`. lib/recovery
 * renders them as Markdown runbooks and SSM Automation documents; test/recovery runs them.
 */
import { ENGINE_NAMES, findEngine } from '../engines';
import { throwIfProblems } from '../errors';
import { drRegionProcedure } from './dr-region';
import { pointInTimeProcedure } from './point-in-time';
import { tableRestoreProcedure } from './table-restore';
import type { DatabaseRecoveryDescription, ProcedureKind, RecoveryProcedure } from './types';

export type * from './types';
export { argvCommand, parameterValues, placeholders, ref, renderLine, shellCommand, shellQuote, substitute, substituteArgv } from './parameters';
export { STREAM_OBJECTS } from './commands';
export { RECOVERED_SCHEMA } from './table-restore';

/** The procedure kinds, in the order runbooks list them. */
export const PROCEDURE_KINDS: readonly ProcedureKind[] = ['point-in-time', 'dr-region', 'table-restore'];

/**
 * Every procedure of a database, in PROCEDURE_KINDS order (unavailable ones say why). Throws one
 * ConfigurationError listing every problem of the description.
 */
export function recoveryProcedures(d: DatabaseRecoveryDescription): RecoveryProcedure[] {
  validateRecoveryDescription(d);
  return [pointInTimeProcedure(d), drRegionProcedure(d), tableRestoreProcedure(d)];
}

/** One procedure of a database. */
export function recoveryProcedure(d: DatabaseRecoveryDescription, kind: ProcedureKind): RecoveryProcedure {
  validateRecoveryDescription(d);
  switch (kind) {
    case 'point-in-time': return pointInTimeProcedure(d);
    case 'dr-region': return drRegionProcedure(d);
    case 'table-restore': return tableRestoreProcedure(d);
  }
}

/** Checks a description; throws a ConfigurationError naming every bad field and value. */
export function validateRecoveryDescription(d: DatabaseRecoveryDescription): void {
  const p: string[] = [];
  const at = `database ${JSON.stringify(d.name)}`;
  if (!d.name || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(d.name)) p.push(`name must be letters, digits, '_', '.' or '-', got ${JSON.stringify(d.name)}`);
  if (!['rds', 'aurora', 'self-managed'].includes(d.deployment)) p.push(`${at}: deployment must be rds, aurora or self-managed, got ${JSON.stringify(d.deployment)}`);
  for (const [field, name, kind] of [['physicalEngine', d.physicalEngine, 'physical'], ['logicalEngine', d.logicalEngine, 'logical']] as const) {
    if (name === undefined) continue;
    const e = findEngine(name);
    if (!e) p.push(`${at}: ${field} must be one of ${ENGINE_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
    else if (e.kind !== kind) p.push(`${at}: ${field} must be a ${kind} engine, got ${name} (${e.kind})`);
    else if (!e.databases.includes(d.databaseType)) p.push(`${at}: ${field} ${name} does not back up ${d.databaseType} (it backs up ${e.databases.join(', ')})`);
  }
  if (d.storage) {
    const hasBucket = d.storage.bucket !== undefined;
    const hasPosix = d.storage.posixRepo !== undefined;
    if (hasBucket === hasPosix) p.push(`${at}: storage needs exactly one of bucket and posixRepo, got ${hasBucket ? 'both' : 'neither'}`);
    if (hasPosix && !d.storage.posixRepo!.startsWith('/')) p.push(`${at}: storage.posixRepo must be an absolute path, got ${JSON.stringify(d.storage.posixRepo)}`);
  }
  if ((d.deployment === 'rds' || d.deployment === 'aurora') && d.physicalEngine) {
    p.push(`${at}: ${d.deployment} does not allow ${d.physicalEngine} (no access to the data files); point-in-time recovery is AWS Backup continuous backup`);
  }
  if (d.drRegion !== undefined && d.drRegion === d.primaryRegion) p.push(`${at}: drRegion must differ from primaryRegion, both are ${d.primaryRegion}`);
  for (const [k, v] of Object.entries(d.runnerFlags ?? {})) {
    if (!/^[a-z][a-z0-9-]*$/.test(k)) p.push(`${at}: runnerFlags key must be a flag name without dashes, got ${JSON.stringify(k)}`);
    if (/password|secret|cipher|key$/i.test(k)) p.push(`${at}: runnerFlags.${k} looks like a secret: secrets go in the environment, never on a command line (got a value of ${v.length} characters)`);
  }
  for (const [field, v] of Object.entries(d.estimates ?? {})) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) p.push(`${at}: estimates.${field} must be a number of minutes ≥ 0, got ${JSON.stringify(v)}`);
  }
  throwIfProblems('recovery description', p);
}
