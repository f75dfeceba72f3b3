/**
 * (c) Selective table restore: named tables from the logical backup (pg-dump, mysqldump) into a
 * scratch database, checked there, and after approval copied back into production the way a DBA
 * does it — PostgreSQL: the tables moved to a `recovered` schema, dumped from the scratch database
 * into production's (a new schema, nothing overwritten), then merged with INSERT ... SELECT;
 * MySQL/MariaDB: INSERT IGNORE ... SELECT across the two databases of the same server.
 */
import { checkHashesLine, copyBackupLine, listBackupsLine, backupLocation, runnerArgv, runnerCommand, runTask, STREAM_OBJECTS } from './commands';
import { PARAMETERS, ref, shellCommand } from './parameters';
import { approvalStep, unavailable } from './steps';
import type { DatabaseRecoveryDescription, RecoveryProcedure, RecoveryStep } from './types';

const KIND = 'table-restore' as const;
const TITLE = 'Selective table restore';

/** The schema the PostgreSQL copy-back stages the restored tables in, in production. */
export const RECOVERED_SCHEMA = 'recovered';

export function tableRestoreProcedure(d: DatabaseRecoveryDescription): RecoveryProcedure {
  const e = d.logicalEngine;
  if (e !== 'pg-dump' && e !== 'mysqldump') {
    return unavailable(d, KIND, TITLE, `${d.name} has no pg-dump or mysqldump backup${e ? ` (its logical engine is ${e})` : ''}: tables restore selectively only from a logical dump`);
  }
  if (!d.storage) return unavailable(d, KIND, TITLE, `${d.name}'s description has no storage of the runner's backups`);
  const pg = e === 'pg-dump';
  const region = d.primaryRegion;
  const host = ref('TargetHost');
  const port = ref('TargetPort');
  const user = ref('TargetUser');
  const scratch = ref('TargetName');
  const tables = ref('Tables');
  const prodDb = d.host?.databaseName ?? d.name;
  const flags = ['--target-host', host, '--target-port', port, '--target-user', user, '--target-db', scratch, '--tables', tables, '--backup-id', ref('BackupId')];
  const restore = runnerCommand(d, 'restore', e, 'primary', flags, ['RUNNER_TARGET_PASSWORD']);
  const task = d.runner ? runTask(d.runner, e, region, runnerArgv(d, 'restore', e, 'primary', flags)) : undefined;
  const clientEnv = [pg ? 'PGPASSWORD' : 'MYSQL_PWD'];
  const psql = (db: string) => `psql --host ${host} --port ${port} --username ${user} --dbname ${db} -v ON_ERROR_STOP=1`;
  const mysql = `mysql --host ${host} --port ${port} --user ${user}`;
  const eachTable = (body: string) => `for t in $(printf '%s' "${tables}" | tr ',' ' '); do ${body}; done`;

  const steps: RecoveryStep[] = [
    { id: 'info', title: 'List the complete backups', kind: 'runner', touchesProduction: false,
      description: 'Pick the newest backup taken before the damage (its id is its start time; a dump restores to its start).',
      commands: [runnerCommand(d, 'info', e, 'primary', [])] },
    { id: 'restore', title: 'Restore the tables into a scratch database', kind: 'runner', touchesProduction: false,
      description: `Restores only ${tables} (${pg ? 'table, data and its primary key / unique / check constraints' : 'CREATE TABLE and its rows'}) from the backup into ${scratch} on ${host}; refused with exit 2 and the dump's table list when a name is not in the dump.`,
      commands: task ? [restore, task.command] : [restore], ...(task ? { awsApi: task.api } : {}) },
    { id: 'inspect', title: 'Check the restored tables', kind: 'manual', touchesProduction: false,
      description: 'Count rows and look at the rows the damage removed or changed, before anything goes back.',
      commands: [shellCommand('operator', pg
        ? eachTable(`${psql(scratch)} --command "select '$t' as table_name, count(*) from $t"`)
        : eachTable(`${mysql} --execute "select '$t' as table_name, count(*) from \\\`${scratch}\\\`.$t"`), clientEnv)] },
    approvalStep('approve-copy-back', `Approve writing the restored rows back into ${prodDb}`),
    pg ? {
      id: 'copy-back', title: `Copy the tables into production's schema ${RECOVERED_SCHEMA} and merge`, kind: 'manual', touchesProduction: true,
      description: `Moves the restored tables into schema ${RECOVERED_SCHEMA} of the scratch database, copies that schema into ${prodDb} (one transaction; it fails, changing nothing, if ${prodDb} already has a ${RECOVERED_SCHEMA} schema), then merges each table: the INSERT keeps production's rows and adds the missing ones (after a bad DELETE). To replace a table's contents instead: BEGIN; DELETE FROM schema.table; INSERT INTO schema.table OVERRIDING SYSTEM VALUE SELECT * FROM ${RECOVERED_SCHEMA}.table; COMMIT (OVERRIDING SYSTEM VALUE keeps the restored values of GENERATED ALWAYS identity columns).`,
      commands: [
        shellCommand('operator', eachTable(`${psql(scratch)} --command "create schema if not exists ${RECOVERED_SCHEMA}" --command "alter table $t set schema ${RECOVERED_SCHEMA}"`), clientEnv),
        shellCommand('operator', `pg_dump --host ${host} --port ${port} --username ${user} --dbname ${scratch} --schema=${RECOVERED_SCHEMA} --no-owner --no-privileges | ${psql(prodDb)} --single-transaction`, clientEnv),
        shellCommand('operator', eachTable(`${psql(prodDb)} --command "insert into $t overriding system value select * from ${RECOVERED_SCHEMA}.\${t#*.} on conflict do nothing"`), clientEnv),
        shellCommand('operator', `${psql(prodDb)} --command "drop schema ${RECOVERED_SCHEMA} cascade"`, clientEnv),
      ] } : {
      id: 'copy-back', title: 'Merge the restored rows into production', kind: 'manual', touchesProduction: true,
      description: `INSERT IGNORE adds the rows production lacks and keeps the ones it has (after a bad DELETE), table by table across the two databases of the same server. To replace a table's contents instead: START TRANSACTION; DELETE FROM ${prodDb}.t; INSERT INTO ${prodDb}.t SELECT * FROM ${'`'}scratch${'`'}.t; COMMIT.`,
      commands: [shellCommand('operator', eachTable(`${mysql} --execute "insert ignore into \\\`${prodDb}\\\`.\${t#*.} select * from \\\`${scratch}\\\`.\${t#*.}"`), clientEnv)] },
    { id: 'drop-scratch', title: 'Drop the scratch database', kind: 'manual', touchesProduction: false,
      description: 'Restored data must not outlive the recovery.',
      commands: [shellCommand('operator', pg
        ? `dropdb --host ${host} --port ${port} --username ${user} ${scratch}`
        : `${mysql} --execute "drop database \\\`${scratch}\\\`"`, clientEnv)] },
  ];

  const loc = backupLocation(d, e, 'primary')!;
  const id = ref('BackupId');
  const obj = STREAM_OBJECTS[e];
  const load = pg
    ? [
      shellCommand('operator', `zstd -dc ./${id}/${obj} > ./${id}/dump.pgc`),
      // The TOC lines of the tables and their schemas: "<id>; <oid> <oid> TABLE|TABLE DATA|CONSTRAINT <schema> <name> ...", "... SCHEMA - <schema> ...".
      shellCommand('operator', `pg_restore --list ./${id}/dump.pgc | grep -E "^[0-9]+; [0-9]+ [0-9]+ ((TABLE|TABLE DATA|CONSTRAINT) ($(printf '%s' "${tables}" | sed 's/\\./ /g; s/,/|/g'))|SCHEMA - ($(printf '%s' "${tables}" | sed 's/\\.[^,]*//g; s/,/|/g'))) " > ./${id}/tables.toc`),
      shellCommand('operator', `createdb --host ${host} --port ${port} --username ${user} ${scratch} && pg_restore --use-list ./${id}/tables.toc --host ${host} --port ${port} --username ${user} --dbname ${scratch} --no-owner --no-privileges --exit-on-error ./${id}/dump.pgc`, clientEnv),
    ]
    : [
      shellCommand('operator', `${mysql} --execute "create database \\\`${scratch}\\\`"`, clientEnv),
      // Keeps the dump's preamble, its SET and DELIMITER lines, and the structure and data sections of the named tables (without their triggers).
      shellCommand('operator', `zstd -dc ./${id}/${obj} | awk -v want=",$(printf '%s' "${tables}" | sed 's/[^,]*\\.//g')," '/^-- (Table structure|Dumping data) for table \`/ { t = $0; sub(/^[^\`]*\`/, "", t); sub(/\`.*$/, "", t); keep = index(want, "," t ",") > 0; inside = 1 } /^-- (Temporary table structure|Final view structure|Dumping routines|Dumping events|Current Database)/ { keep = 0; inside = 1 } /^\\/\\*!50003 CREATE\\*\\/ / { trigger = 1 } trigger { if (/;;$/) trigger = 0; next } !inside || keep || /^\\/\\*![0-9]+ SET / || /^DELIMITER / { print }' | ${mysql} ${scratch}`, clientEnv),
    ];
  const byHand: RecoveryStep[] = [
    { id: 'list', title: 'List the complete backups', kind: 'manual', touchesProduction: false,
      description: 'A backup is complete only when its manifest.json exists.', commands: [shellCommand('operator', listBackupsLine(loc))] },
    { id: 'copy', title: 'Copy the backup', kind: 'manual', touchesProduction: false, description: 'Objects and manifest.',
      commands: [shellCommand('operator', copyBackupLine(loc, id))] },
    { id: 'check', title: 'Check every object against the manifest', kind: 'manual', touchesProduction: false,
      description: 'Every line must say OK.', commands: [shellCommand('operator', checkHashesLine(id, e, d.name, d.storage.prefix ?? 'runner'))] },
    { id: 'load', title: `Load only the named tables into the scratch database`, kind: 'manual', touchesProduction: false,
      description: pg
        ? 'pg_restore --list prints the archive\'s table of contents; the filtered list restores the tables, their rows and their constraints (name tables as schema.table).'
        : 'The dump\'s sections are marked by "-- Table structure for table" / "-- Dumping data for table" comments; the filter keeps the named tables\' sections (name tables by table name).',
      commands: load },
    { id: 'copy-back', title: 'Copy back as in the runner variant', kind: 'manual', touchesProduction: true,
      description: 'After the approval, the copy-back step above uses only psql / pg_dump / mysql.', commands: [] },
  ];
  const defaultPort = pg ? '5432' : '3306';
  return {
    kind: KIND, title: TITLE, database: d.name, available: true, region,
    summary: `Restores the tables {{Tables}} of ${d.name} from a ${e} backup into the scratch database {{TargetName}}, checks them, and after approval merges the rows back into ${prodDb}.`,
    parameters: [
      PARAMETERS.tables(pg ? 'public.orders,public.order_lines' : `${prodDb}.orders`),
      PARAMETERS.scratchDatabase(d.name),
      PARAMETERS.targetHost(d.host?.address),
      PARAMETERS.targetPort(d.host ? String(d.host.port) : defaultPort),
      PARAMETERS.targetUser(d.host?.user ?? (pg ? 'postgres' : 'root')),
      PARAMETERS.backupId(),
    ],
    steps, byHand,
    ...(d.estimates?.tableRestoreMinutes !== undefined ? { estimateMinutes: d.estimates.tableRestoreMinutes } : {}),
  };
}
