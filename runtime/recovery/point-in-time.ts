/**
 * (a) Point-in-time recovery to a new instance (RDS / Aurora: the RDS point-in-time restore that
 * AWS Backup continuous backup provides) or to a new data directory (self-managed: pgBackRest or
 * mariabackup + binlogs through the runner). Production is never touched until the approval step
 * before redirecting the application.
 */
import { engine as catalogEngine } from '../engines';
import { backupLocation, checkHashesLine, copyBackupLine, listBackupsLine, runnerCommand, STREAM_OBJECTS } from './commands';
import { argvCommand, PARAMETERS, ref, shellCommand } from './parameters';
import { approvalStep, redirectStep, unavailable, verifyStep } from './steps';
import type { DatabaseRecoveryDescription, RecoveryProcedure, RecoveryStep } from './types';

const KIND = 'point-in-time' as const;
const TITLE = 'Point-in-time recovery';

export function pointInTimeProcedure(d: DatabaseRecoveryDescription): RecoveryProcedure {
  if (d.deployment !== 'self-managed') return managed(d);
  const e = d.physicalEngine;
  if (!e || !catalogEngine(e).archive) {
    return unavailable(d, KIND, TITLE, `${d.name} has no continuous log archive (archive tier): it can only be restored to the time of a backup; use the dr-region procedure or a runner restore of the newest backup`);
  }
  if (e === 'pgbackrest') return pgbackrest(d);
  if (e === 'mariabackup' || e === 'xtrabackup') return mariabackup(d, e);
  if (e === 'wal-g') return walg(d);
  return unavailable(d, KIND, TITLE, `engine ${e} has no point-in-time procedure yet`);
}

function estimate(d: DatabaseRecoveryDescription): { estimateMinutes?: number } {
  return d.estimates?.pointInTimeMinutes !== undefined ? { estimateMinutes: d.estimates.pointInTimeMinutes } : {};
}

function managed(d: DatabaseRecoveryDescription): RecoveryProcedure {
  const m = d.managed;
  if (!m) return unavailable(d, KIND, TITLE, `${d.name} is ${d.deployment} but its description has no managed database (identifier, ARN)`);
  const aurora = d.deployment === 'aurora';
  const region = d.primaryRegion;
  const t = ref('TargetTime');
  const n = ref('TargetName');
  const describe = aurora
    ? ['aws', 'rds', 'describe-db-clusters', '--region', region, '--db-cluster-identifier', m.identifier, '--query', 'DBClusters[0].[EarliestRestorableTime,LatestRestorableTime]']
    : ['aws', 'rds', 'describe-db-instances', '--region', region, '--db-instance-identifier', m.identifier, '--query', 'DBInstances[0].LatestRestorableTime'];
  const restore = aurora
    ? ['aws', 'rds', 'restore-db-cluster-to-point-in-time', '--region', region, '--source-db-cluster-identifier', m.identifier,
      '--db-cluster-identifier', n, '--restore-to-time', t, ...(m.subnetGroupName ? ['--db-subnet-group-name', m.subnetGroupName] : [])]
    : ['aws', 'rds', 'restore-db-instance-to-point-in-time', '--region', region, '--source-db-instance-identifier', m.identifier,
      '--target-db-instance-identifier', n, '--restore-time', t, ...(m.subnetGroupName ? ['--db-subnet-group-name', m.subnetGroupName] : []),
      ...(m.instanceClass ? ['--db-instance-class', m.instanceClass] : [])];
  const restoreInput: Record<string, unknown> = aurora
    ? { SourceDBClusterIdentifier: m.identifier, DBClusterIdentifier: n, RestoreToTime: t, ...(m.subnetGroupName ? { DBSubnetGroupName: m.subnetGroupName } : {}) }
    : { SourceDBInstanceIdentifier: m.identifier, TargetDBInstanceIdentifier: n, RestoreTime: t,
      ...(m.subnetGroupName ? { DBSubnetGroupName: m.subnetGroupName } : {}), ...(m.instanceClass ? { DBInstanceClass: m.instanceClass } : {}) };
  const steps: RecoveryStep[] = [
    { id: 'window', title: 'Read the restorable window', kind: 'aws', touchesProduction: false,
      description: 'The target time must lie between the earliest restorable time (the continuous backup\'s retention) and LatestRestorableTime (typically within 5 minutes of now).',
      commands: [argvCommand('operator', describe)] },
    { id: 'restore', title: `Restore to a new ${aurora ? 'cluster' : 'instance'} at the target time`, kind: 'aws', touchesProduction: false,
      description: `Creates ${n} from ${m.identifier} as it was at the target time; ${m.identifier} keeps running untouched.`,
      commands: [argvCommand('operator', restore)],
      awsApi: { service: 'rds', api: aurora ? 'RestoreDBClusterToPointInTime' : 'RestoreDBInstanceToPointInTime', region, input: restoreInput } },
    ...(aurora ? [{
      id: 'instance', title: 'Add an instance to the restored cluster', kind: 'aws' as const, touchesProduction: false,
      description: 'A restored Aurora cluster has no instance until one is created.',
      commands: [argvCommand('operator', ['aws', 'rds', 'create-db-instance', '--region', region, '--db-cluster-identifier', n,
        '--db-instance-identifier', `${n}-1`, '--engine', d.databaseType === 'postgres' ? 'aurora-postgresql' : 'aurora-mysql',
        '--db-instance-class', m.instanceClass ?? 'db.r6g.large'])],
      awsApi: { service: 'rds', api: 'CreateDBInstance', region, input: { DBClusterIdentifier: n, DBInstanceIdentifier: `${n}-1`,
        Engine: d.databaseType === 'postgres' ? 'aurora-postgresql' : 'aurora-mysql', DBInstanceClass: m.instanceClass ?? 'db.r6g.large' } },
    }] : []),
    { id: 'wait', title: 'Wait until it is available', kind: 'aws', touchesProduction: false,
      description: 'Restores take the recovery model\'s estimate; the waiter polls every 30 s.',
      commands: [argvCommand('operator', ['aws', 'rds', 'wait', 'db-instance-available', '--region', region, '--db-instance-identifier', aurora ? `${n}-1` : n])] },
    verifyStep(d, `the restored ${aurora ? 'cluster' : 'instance'} ${n}`, {
      host: `"$(aws rds describe-db-instances --region ${region} --db-instance-identifier ${aurora ? `${n}-1` : n} --query 'DBInstances[0].Endpoint.Address' --output text)"`,
      port: d.databaseType === 'postgres' ? '5432' : '3306' }),
    approvalStep('approve-redirect', `Approve redirecting the application from ${m.identifier} to ${n}`),
    redirectStep(d, n),
  ];
  return {
    kind: KIND, title: TITLE, database: d.name, available: true, region,
    summary: `Restores ${m.identifier} as it was at {{TargetTime}} into a new ${d.deployment === 'aurora' ? 'Aurora cluster' : 'RDS instance'} {{TargetName}} (RDS point-in-time restore from the continuous backup), checks it, and after approval redirects the application to it.`,
    parameters: [PARAMETERS.targetTimeIso(), PARAMETERS.targetInstance(aurora ? 'DB cluster' : 'DB instance', d.name)],
    steps, byHand: managedByHand(d), ...estimate(d),
  };
}

/**
 * RDS point-in-time restore has no upstream-tool equivalent: the AWS CLI lines are the by-hand
 * variant. Without RDS, the nearest recovery is the newest logical dump.
 */
function managedByHand(d: DatabaseRecoveryDescription): RecoveryStep[] {
  return [{ id: 'by-hand', title: 'Without this library', kind: 'manual', touchesProduction: false, commands: [],
    description: `The AWS CLI lines of the steps above are plain RDS API calls and need nothing of this library.${d.logicalEngine ? ` Without RDS point-in-time restore, the newest ${d.logicalEngine} dump restores with upstream tools (the table-restore procedure's by-hand steps, every table): its restore point is the dump's start, not the target time.` : ''}` }];
}

function pgbackrest(d: DatabaseRecoveryDescription): RecoveryProcedure {
  const dir = ref('TargetName');
  const stanza = d.pgbackrestStanza ?? d.name;
  const region = d.primaryRegion;
  const steps: RecoveryStep[] = [
    { id: 'info', title: 'List the complete backups', kind: 'runner', touchesProduction: false,
      description: 'Only backups with a runner manifest are complete; the restore picks the newest one that ended at or before the target time.',
      commands: [runnerCommand(d, 'info', 'pgbackrest', 'primary', [], ['RUNNER_PGBACKREST_CIPHER_PASS'])] },
    { id: 'restore', title: 'Restore to the target time into a new data directory', kind: 'runner', touchesProduction: false,
      description: 'Run on the host that will run the restored cluster (the runner CLI with the pgBackRest settings of the runner task). It refuses (exit 2) a target outside the recoverable window and names the window.',
      commands: [{ ...runnerCommand(d, 'restore', 'pgbackrest', 'primary', ['--target-dir', dir, '--target-time', ref('TargetTime'), '--backup-id', ref('BackupId'),
        '--pgbackrest-archive-mode', 'off'], ['RUNNER_PGBACKREST_CIPHER_PASS', 'RUNNER_PGBACKREST_SETTINGS']), runsOn: 'restore-host' }] },
    { id: 'start', title: 'Start the restored cluster', kind: 'manual', touchesProduction: false,
      description: 'PostgreSQL replays the archived WAL up to the target, then promotes; wait until pg_is_in_recovery() is false. pg_ctl is the one of the cluster\'s major version (Debian: /usr/lib/postgresql/<major>/bin/pg_ctl, not on PATH).',
      commands: [
        shellCommand('restore-host', `chown -R postgres:postgres ${dir} && su postgres -c 'pg_ctl --pgdata ${dir} --options "-p ${ref('TargetPort')}" --wait --timeout 600 start'`),
        shellCommand('restore-host', `psql --host localhost --port ${ref('TargetPort')} --username postgres --tuples-only --command 'select pg_is_in_recovery()'`),
      ] },
    verifyStep(d, `the restored cluster in ${dir}`, { host: 'localhost', port: ref('TargetPort'), user: 'postgres' }),
    approvalStep('approve-redirect', 'Approve redirecting the application to the restored cluster (archive_mode is off on it: enable archiving and take a full backup once it is production)'),
    redirectStep(d, `the restore host:${ref('TargetPort')}`),
  ];
  const byHand: RecoveryStep[] = [
    { id: 'info', title: 'List the backups', kind: 'manual', touchesProduction: false,
      description: 'pgBackRest\'s own view of the repository (the runner task\'s pgbackrest.conf: repository, cipher, S3 settings).',
      commands: [shellCommand('restore-host', `pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=${stanza} info`, ['PGBACKREST_REPO1_CIPHER_PASS'])] },
    { id: 'restore', title: 'Restore to the target time', kind: 'manual', touchesProduction: false,
      description: 'Name the set (--set) of a backup that ended before the target: pgBackRest\'s latest may be a set whose runner job failed.',
      commands: [shellCommand('restore-host', `pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=${stanza} --pg1-path=${dir} --set=${ref('BackupId')} --type=time --target="${ref('TargetTime')}" --target-action=promote --archive-mode=off restore`,
        ['PGBACKREST_REPO1_CIPHER_PASS'])] },
    { id: 'start', title: 'Start the restored cluster', kind: 'manual', touchesProduction: false,
      description: 'As in the runner variant.',
      commands: [shellCommand('restore-host', `chown -R postgres:postgres ${dir} && su postgres -c 'pg_ctl --pgdata ${dir} --options "-p ${ref('TargetPort')}" --wait --timeout 600 start'`)] },
  ];
  return {
    kind: KIND, title: TITLE, database: d.name, available: true, region,
    summary: `Restores ${d.name} (pgBackRest stanza ${stanza}) as it was at {{TargetTime}} into a new data directory {{TargetName}}: the newest complete backup before the target plus the archived WAL up to it. Production keeps running; after checks and approval the application is redirected.`,
    parameters: [PARAMETERS.targetTimePostgres(), PARAMETERS.targetDataDirectory(d.name), PARAMETERS.backupId(), PARAMETERS.targetPort('5433')],
    steps, byHand, ...estimate(d),
  };
}

function mariabackup(d: DatabaseRecoveryDescription, e: 'mariabackup' | 'xtrabackup'): RecoveryProcedure {
  const dir = ref('TargetName');
  const binlogs = d.binlogDir ?? '/var/lib/mysql';
  const server = e === 'mariabackup' ? '/usr/sbin/mariadbd' : '/usr/sbin/mysqld';
  const tool = e;
  const stream = e === 'mariabackup' ? 'mbstream' : 'xbstream';
  const client = e === 'mariabackup' ? 'mariadb' : 'mysql';
  const steps: RecoveryStep[] = [
    { id: 'info', title: 'List the complete backups', kind: 'runner', touchesProduction: false,
      description: 'Complete backups (with a manifest), their chain and binlog positions.',
      commands: [{ ...runnerCommand(d, 'info', e, 'primary', []), runsOn: 'restore-host' }] },
    { id: 'restore', title: 'Restore the chain and replay binlogs to the target time', kind: 'runner', touchesProduction: false,
      description: `Run on the restore host: restores the newest complete backup that ended at or before the target (full + incrementals, prepared), then applies every binlog event of ${binlogs} stamped at or before the target second. Refused (exit 2) outside the recoverable window.`,
      commands: [{ ...runnerCommand(d, 'restore', e, 'primary', ['--restore-datadir', dir, '--target-time', ref('TargetTime'), '--binlog-dir', binlogs,
        '--backup-id', ref('BackupId')]), runsOn: 'restore-host' }] },
    { id: 'start', title: 'Start a server on the restored data directory', kind: 'manual', touchesProduction: false,
      description: 'On a port of its own; production keeps running.',
      commands: [shellCommand('restore-host', `${server} --no-defaults --datadir=${dir} --port=${ref('TargetPort')} --socket=${dir}/restore.sock --user=mysql &`)] },
    verifyStep(d, `the server on ${dir}`, { host: '127.0.0.1', port: ref('TargetPort'), user: 'root' }),
    approvalStep('approve-redirect', 'Approve redirecting the application to the restored server'),
    redirectStep(d, `the restore host:${ref('TargetPort')}`),
  ];
  const loc = backupLocation(d, e, 'primary');
  const id = ref('BackupId');
  const byHand: RecoveryStep[] = loc ? [
    { id: 'list', title: 'List the complete backups and pick the chain', kind: 'manual', touchesProduction: false,
      description: 'A backup is complete when its manifest.json exists. An incremental\'s manifest names its parent (parentBackupId): copy the full backup and every incremental up to the chosen one. Repeat the copy and check steps for each backup of the chain.',
      commands: [shellCommand('operator', listBackupsLine(loc))] },
    { id: 'copy', title: 'Copy a backup of the chain', kind: 'manual', touchesProduction: false,
      description: 'Objects and manifest.', commands: [shellCommand('restore-host', copyBackupLine(loc, id))] },
    { id: 'check', title: 'Check it against its manifest', kind: 'manual', touchesProduction: false,
      description: 'Every line must say OK.', commands: [shellCommand('restore-host', checkHashesLine(id, e, d.name, d.storage?.prefix ?? 'runner'))] },
    { id: 'extract', title: 'Decompress and extract', kind: 'manual', touchesProduction: false,
      description: `The stream is zstd-compressed ${stream}.`,
      commands: [shellCommand('restore-host', `mkdir -p ./${id}/data && zstd -dc ./${id}/${STREAM_OBJECTS[e]} | ${stream} -x -C ./${id}/data`)] },
    { id: 'prepare', title: 'Prepare the full backup, then apply each incremental in order', kind: 'manual', touchesProduction: false,
      description: 'FULL and INCR stand for the extracted folders of the chain, oldest incremental first.',
      commands: [
        shellCommand('restore-host', `${tool} --prepare --target-dir=./FULL/data`),
        shellCommand('restore-host', `${tool} --prepare --target-dir=./FULL/data --incremental-dir=./INCR/data`),
      ] },
    { id: 'copy-back', title: 'Copy back into the new data directory', kind: 'manual', touchesProduction: false,
      description: 'Into an empty directory, owned by mysql.',
      commands: [shellCommand('restore-host', `${tool} --copy-back --target-dir=./FULL/data --datadir=${dir} && chown -R mysql:mysql ${dir}`)] },
    { id: 'replay', title: 'Replay the binlogs up to the target', kind: 'manual', touchesProduction: false,
      description: 'Start a server on the copy (as in the runner variant), then replay from the binlog file and position of the newest backup\'s manifest (position.binlogFile / binlogPosition, also in xtrabackup_binlog_info). --stop-datetime stops before the first event stamped at it: pass the second after the target to include the target second.',
      commands: [shellCommand('restore-host', `mysqlbinlog --start-position=POSITION --stop-datetime="TARGET_PLUS_ONE_SECOND" ${binlogs}/BINLOG_FILE ${binlogs}/LATER_FILES... | ${client} --socket=${dir}/restore.sock --user=root`)] },
  ] : [];
  return {
    kind: KIND, title: TITLE, database: d.name, available: true, region: d.primaryRegion,
    summary: `Restores ${d.name} as it was at {{TargetTime}} into a new data directory {{TargetName}}: the ${tool} chain of the newest complete backup before the target, then the binlogs up to the target second.`,
    parameters: [PARAMETERS.targetTimeMariaDb(), PARAMETERS.targetDataDirectory(d.name), PARAMETERS.backupId(), PARAMETERS.targetPort('3307')],
    steps, byHand, ...estimate(d),
  };
}

function walg(d: DatabaseRecoveryDescription): RecoveryProcedure {
  const dir = ref('TargetName');
  const recoveryConf = `restore_command = 'wal-g wal-fetch %f %p'\\nrecovery_target_time = '${ref('TargetTime')}'\\nrecovery_target_action = 'promote'`;
  const steps: RecoveryStep[] = [
    { id: 'restore', title: 'Fetch the newest backup before the target into a new data directory', kind: 'runner', touchesProduction: false,
      description: 'wal-g backup-fetch of the named (or newest complete) backup; pick one that ended before the target time.',
      commands: [{ ...runnerCommand(d, 'restore', 'wal-g', 'primary', ['--target-dir', dir, '--backup-id', ref('BackupId')], ['RUNNER_WALG_LIBSODIUM_KEY']), runsOn: 'restore-host' }] },
    { id: 'recovery-target', title: 'Set the recovery target', kind: 'manual', touchesProduction: false,
      description: 'The runner\'s wal-g restore has no --target-time: set the target and the restore_command (the restore host needs wal-g and its WALG_* settings).',
      commands: [shellCommand('restore-host', `printf "${recoveryConf}\\n" >> ${dir}/postgresql.auto.conf && touch ${dir}/recovery.signal`)] },
    { id: 'start', title: 'Start the restored cluster', kind: 'manual', touchesProduction: false,
      description: 'PostgreSQL replays WAL to the target and promotes.',
      commands: [shellCommand('restore-host', `chown -R postgres:postgres ${dir} && su postgres -c 'pg_ctl --pgdata ${dir} --options "-p ${ref('TargetPort')}" --wait --timeout 600 start'`)] },
    verifyStep(d, `the restored cluster in ${dir}`, { host: 'localhost', port: ref('TargetPort'), user: 'postgres' }),
    approvalStep('approve-redirect', 'Approve redirecting the application to the restored cluster'),
    redirectStep(d, `the restore host:${ref('TargetPort')}`),
  ];
  const byHand: RecoveryStep[] = [
    { id: 'fetch', title: 'Fetch the backup', kind: 'manual', touchesProduction: false, description: 'With the runner task\'s WALG_* settings.',
      commands: [shellCommand('restore-host', `wal-g backup-fetch ${dir} ${ref('BackupId')}`, ['WALG_S3_PREFIX', 'WALG_LIBSODIUM_KEY'])] },
    { id: 'recovery-target', title: 'Set the recovery target and start', kind: 'manual', touchesProduction: false, description: 'As in the runner variant.',
      commands: [shellCommand('restore-host', `printf "${recoveryConf}\\n" >> ${dir}/postgresql.auto.conf && touch ${dir}/recovery.signal`)] },
  ];
  return {
    kind: KIND, title: TITLE, database: d.name, available: true, region: d.primaryRegion,
    summary: `Restores ${d.name} as it was at {{TargetTime}} into a new data directory {{TargetName}} from a wal-g base backup and its archived WAL.`,
    parameters: [PARAMETERS.targetTimePostgres(), PARAMETERS.targetDataDirectory(d.name), { name: 'BackupId', required: true, example: 'base_000000010000000000000042',
      description: 'wal-g backup to fetch: one that ended before the target time (runner info lists them)' }, PARAMETERS.targetPort('5433')],
    steps, byHand, ...estimate(d),
  };
}
