/** Steps every procedure shares: checks of the restored copy, the approval gate, the redirect. */
import { shellCommand } from './parameters';
import type { DatabaseRecoveryDescription, ProcedureKind, RecoveryProcedure, RecoveryStep } from './types';

/** A procedure the database cannot follow, with the reason. */
export function unavailable(d: DatabaseRecoveryDescription, kind: ProcedureKind, title: string, reason: string): RecoveryProcedure {
  return { kind, title, database: d.name, available: false, unavailableReason: reason, summary: reason, region: d.primaryRegion, parameters: [], steps: [], byHand: [] };
}

/** A human decision; the next step does not start without it. */
export function approvalStep(id: string, title: string): RecoveryStep {
  return { id, title, kind: 'approval', touchesProduction: true, commands: [],
    description: 'The next step replaces or redirects production: the incident lead approves after the checks of the restored copy passed.' };
}

/** The checks an operator runs on the restored copy before anyone relies on it. */
export function verifyStep(d: DatabaseRecoveryDescription, what: string, at: { host: string; port: string; user?: string }): RecoveryStep {
  const pg = d.databaseType === 'postgres';
  const sql = pg
    ? 'select schemaname, relname, n_live_tup from pg_stat_user_tables order by 1, 2'
    : 'select table_schema, table_name, table_rows from information_schema.tables where table_schema not in (\'mysql\', \'sys\', \'performance_schema\', \'information_schema\') order by 1, 2';
  const line = pg
    ? `psql --host ${at.host} --port ${at.port} --username ${at.user ?? d.host?.user ?? 'postgres'} --dbname ${d.host?.databaseName ?? 'postgres'} --command "${sql}"`
    : `mysql --host ${at.host} --port ${at.port} --user ${at.user ?? d.host?.user ?? 'root'} --execute "${sql}"`;
  return { id: 'verify', title: 'Check the restored copy', kind: 'manual', touchesProduction: false,
    description: `Connect to ${what}; compare tables and row counts with what you expect at the target time, run the application's own checks (the newest rows must be just before the target).`,
    commands: [shellCommand('operator', line, [pg ? 'PGPASSWORD' : 'MYSQL_PWD'])] };
}

/** Pointing the application at the restored copy. */
export function redirectStep(d: DatabaseRecoveryDescription, to: string): RecoveryStep {
  return { id: 'redirect', title: 'Redirect the application', kind: 'manual', touchesProduction: true, commands: [],
    description: `Stop writes to the old ${d.name} (or what is left of it), point the application's endpoint (DNS name, secret or configuration) at ${to}, and keep the old copy until the incident is closed. Then take a full backup of the new primary.` };
}
