/**
 * Named parameters of the procedures (`{{Name}}` in command lines, the placeholder syntax of SSM
 * Automation), their substitution, and shell quoting of command lines.
 */
import { ConfigurationError } from '../errors';
import type { RecoveryCommand, RecoveryParameter, RecoveryProcedure } from './types';

/** `{{Name}}` or `{{ Name }}`. */
const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/** Names of the placeholders in a text, in order of first appearance. */
export function placeholders(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) if (!out.includes(m[1])) out.push(m[1]);
  return out;
}

/** `{{Name}}` for a parameter name. */
export function ref(name: string): string {
  return `{{${name}}}`;
}

/**
 * Replaces every placeholder with its value. Throws a ConfigurationError naming every placeholder
 * without a value (so a half-filled command is never run).
 */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  const missing = placeholders(text).filter((n) => values[n] === undefined);
  if (missing.length) throw new ConfigurationError('recovery command', missing.map((n) => `parameter ${n} has no value (in ${JSON.stringify(text)})`));
  return text.replace(PLACEHOLDER, (_m, n: string) => values[n]);
}

/**
 * The argv of a command with its parameters filled in. An argument made only of an optional
 * parameter's placeholder whose value is empty is dropped together with the flag before it
 * (`--backup-id {{BackupId}}` with BackupId '' disappears).
 */
export function substituteArgv(argv: readonly string[], values: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const only = /^\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}$/.exec(a);
    if (only && values[only[1]] === '') {
      if (out.length && out[out.length - 1].startsWith('--')) out.pop();
      continue;
    }
    out.push(substitute(a, values));
  }
  return out;
}

/** Values for a procedure's parameters: the given ones, then the defaults; throws naming every required one that is missing. */
export function parameterValues(procedure: RecoveryProcedure, given: Readonly<Record<string, string>>): Record<string, string> {
  const problems: string[] = [];
  const out: Record<string, string> = {};
  const known = new Set(procedure.parameters.map((p) => p.name));
  for (const name of Object.keys(given)) if (!known.has(name)) problems.push(`parameter ${name} is not a parameter of ${procedure.kind} (known: ${[...known].join(', ')})`);
  for (const p of procedure.parameters) {
    const v = given[p.name] ?? p.default;
    if (v === undefined || (p.required && v === '')) problems.push(`parameter ${p.name} is required (${p.description}; e.g. ${JSON.stringify(p.example)})`);
    else out[p.name] = v;
  }
  if (problems.length) throw new ConfigurationError(`recovery procedure ${procedure.kind} of ${procedure.database}`, problems);
  return out;
}

/** A word as the shell reads it literally: bare when safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * One shell line from an argv. A word holding a placeholder is double-quoted while unexpanded
 * (`--target-time "{{TargetTime}}"`), so the line reads right in a runbook; pass `values` to get
 * the line with every value shell-quoted instead.
 */
export function renderLine(argv: readonly string[], values?: Readonly<Record<string, string>>): string {
  const words = values ? substituteArgv(argv, values) : [...argv];
  return words.map((w) => (!values && placeholders(w).length ? `"${w.replace(/(["\\$`])/g, '\\$1')}"` : shellQuote(w))).join(' ');
}

/** A command from an argv: its shell line is rendered from it. */
export function argvCommand(runsOn: RecoveryCommand['runsOn'], argv: readonly string[], env?: readonly string[]): RecoveryCommand {
  return { runsOn, argv: [...argv], line: renderLine(argv), ...(env && env.length ? { env: [...env] } : {}) };
}

/** A shell command that is not a single argv (a pipeline, a loop, SQL through a client). */
export function shellCommand(runsOn: RecoveryCommand['runsOn'], line: string, env?: readonly string[]): RecoveryCommand {
  return { runsOn, line, ...(env && env.length ? { env: [...env] } : {}) };
}

/** The standard parameters, with formats that depend on the engine. */
export const PARAMETERS = {
  targetTimePostgres: (): RecoveryParameter => ({
    name: 'TargetTime', required: true, example: '2026-11-23 05:52:17+00',
    description: 'Point in time to recover to, with a zone (PostgreSQL timestamptz syntax); recovery stops before the first commit after it',
  }),
  targetTimeMariaDb: (): RecoveryParameter => ({
    name: 'TargetTime', required: true, example: '2026-11-23 05:52:17',
    description: 'Point in time to recover to, YYYY-MM-DD HH:MM:SS in the restore host\'s time zone (whole seconds): every binlog event stamped at or before this second is applied',
  }),
  targetTimeIso: (): RecoveryParameter => ({
    name: 'TargetTime', required: true, example: '2026-11-23T05:52:17Z',
    description: 'Point in time to recover to, ISO 8601 UTC (RDS RestoreTime); at most the source\'s LatestRestorableTime',
  }),
  // Examples name the procedure's own database: an example naming another one gets pasted.
  targetInstance: (what: string, database: string): RecoveryParameter => ({
    name: 'TargetName', required: true, example: `${database}-pitr-20261123`,
    description: `Identifier of the new ${what} (a new one: production is left untouched)`,
  }),
  targetDataDirectory: (database: string): RecoveryParameter => ({
    name: 'TargetName', required: true, example: `/var/lib/restore/${database}-20261123`,
    description: 'New, empty (or absent) data directory on the restore host to restore into (production\'s data directory is left untouched)',
  }),
  scratchDatabase: (database: string): RecoveryParameter => ({
    name: 'TargetName', required: true, example: `${database.replace(/[^A-Za-z0-9_]/g, '_')}_restore_20261123`,
    description: 'Scratch database to restore the tables into (created when missing; must not hold the tables already)',
  }),
  tables: (qualified: string): RecoveryParameter => ({
    name: 'Tables', required: true, example: qualified,
    description: 'Comma-separated tables to restore, schema.table (or table in the dump\'s only database/schema)',
  }),
  backupId: (): RecoveryParameter => ({
    name: 'BackupId', required: false, default: '', example: '20261123T055100Z-full',
    description: 'Backup to restore (runner backup id); empty: the newest complete backup (one whose manifest exists) that suits the target',
  }),
  targetHost: (fallback?: string): RecoveryParameter => ({
    name: 'TargetHost', required: fallback === undefined, ...(fallback !== undefined ? { default: fallback } : {}), example: '10.0.3.17',
    description: 'Host of the server to restore into',
  }),
  targetPort: (fallback: string): RecoveryParameter => ({
    name: 'TargetPort', required: false, default: fallback, example: fallback,
    description: 'Port of the server to restore into',
  }),
  targetUser: (fallback: string): RecoveryParameter => ({
    name: 'TargetUser', required: false, default: fallback, example: fallback,
    description: 'User on the server to restore into (its password: RUNNER_TARGET_PASSWORD / PGPASSWORD / the client option file)',
  }),
  recoveryPointArn: (): RecoveryParameter => ({
    name: 'RecoveryPointArn', required: true, example: 'arn:aws:backup:eu-central-1:111122223333:recovery-point:0f1e2d3c-...',
    description: 'Recovery point (copy) in the DR vault to restore, from the list step',
  }),
} as const;
