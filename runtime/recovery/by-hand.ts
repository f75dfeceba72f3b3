/** By-hand variants shared by the procedures: a logical backup restored with upstream tools only. */
import { checkHashesLine, copyBackupLine, listBackupsLine, STREAM_OBJECTS } from './commands';
import { ref, shellCommand } from './parameters';
import type { DatabaseRecoveryDescription, RecoveryStep } from './types';

/** Copy, hash-check, decompress and load a pg-dump or mysqldump backup with upstream tools. */
export function logicalRestoreByHand(d: DatabaseRecoveryDescription, e: 'pg-dump' | 'mysqldump', loc: { url: string; local: boolean; region?: string }, what: string): RecoveryStep[] {
  const id = ref('BackupId');
  const obj = STREAM_OBJECTS[e];
  const host = ref('TargetHost');
  const port = ref('TargetPort');
  const user = ref('TargetUser');
  const db = ref('TargetName');
  const load = e === 'pg-dump'
    ? `zstd -dc ./${id}/${obj} > ./${id}/dump.pgc && createdb --host ${host} --port ${port} --username ${user} ${db} && pg_restore --host ${host} --port ${port} --username ${user} --dbname ${db} --no-owner --no-privileges --exit-on-error --jobs 2 ./${id}/dump.pgc`
    : `mysql --host ${host} --port ${port} --user ${user} -e 'CREATE DATABASE \`${db}\`' && zstd -dc ./${id}/${obj} | mysql --host ${host} --port ${port} --user ${user} ${db}`;
  return [
    { id: 'list', title: 'List the complete backups', kind: 'manual', touchesProduction: false,
      description: `A backup is complete only when its manifest.json exists; pick ${what}.`,
      commands: [shellCommand('operator', listBackupsLine(loc))] },
    { id: 'copy', title: 'Copy the backup', kind: 'manual', touchesProduction: false,
      description: 'Copies the backup\'s objects and its manifest.', commands: [shellCommand('operator', copyBackupLine(loc, id))] },
    { id: 'check', title: 'Check every object against the manifest', kind: 'manual', touchesProduction: false,
      description: 'sha256sum must print OK for every object; stop on any FAILED line.',
      commands: [shellCommand('operator', checkHashesLine(id, e, d.name, d.storage?.prefix ?? 'runner'))] },
    { id: 'load', title: `Load it with ${e === 'pg-dump' ? 'pg_restore' : 'mysql'}`, kind: 'manual', touchesProduction: false,
      description: `Decompresses with zstd and loads into a new database ${db} on ${host}.`,
      commands: [shellCommand('operator', load, [e === 'pg-dump' ? 'PGPASSWORD' : 'MYSQL_PWD'])] },
  ];
}
