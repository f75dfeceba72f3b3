/**
 * Command lines the procedures share: the runner CLI with the database's storage, the ECS
 * run-task that starts it as a task, and the storage locations the by-hand variants copy from.
 */
import { argvCommand, renderLine } from './parameters';
import type { AwsApiCall, DatabaseRecoveryDescription, RecoveryCommand, RecoveryRunnerTasks } from './types';

/** Which copy of the backups a command reads: the primary bucket, or the replica in the DR region. */
export type StorageSide = 'primary' | 'dr';

/** Object names of the runner's streams (runner/src/engines), for the by-hand variants. */
export const STREAM_OBJECTS: Readonly<Record<string, string>> = {
  'pg-dump': 'dump.pgc.zst',
  'mysqldump': 'dump.sql.zst',
  'mongodump': 'dump.archive.zst',
  'mariabackup': 'backup.xbstream',
  'xtrabackup': 'backup.xbstream',
};

/** The storage flags of a runner command line for one side. */
export function storageFlags(d: DatabaseRecoveryDescription, side: StorageSide): string[] {
  const s = d.storage;
  if (!s) return [];
  if (s.posixRepo) return ['--posix-repo', s.posixRepo];
  const bucket = side === 'dr' ? s.replicaBucket : s.bucket;
  const region = side === 'dr' ? d.drRegion : d.primaryRegion;
  return [...(bucket ? ['--s3-bucket', bucket] : []), '--s3-prefix', s.prefix ?? 'runner', ...(region ? ['--s3-region', region] : [])];
}

/** `runner <command> --engine E --database N <storage> <flags> <description's extra flags>`. */
export function runnerArgv(d: DatabaseRecoveryDescription, command: string, engine: string, side: StorageSide, flags: readonly string[]): string[] {
  const extra = Object.entries(d.runnerFlags ?? {}).flatMap(([k, v]) => [`--${k}`, v]);
  return ['runner', command, '--engine', engine, '--database', d.name, ...storageFlags(d, side), ...flags, ...extra];
}

/** A runner command (runsOn `runner`), with the secret environment variables it reads. */
export function runnerCommand(d: DatabaseRecoveryDescription, command: string, engine: string, side: StorageSide, flags: readonly string[],
  env: readonly string[] = []): RecoveryCommand {
  return argvCommand('runner', runnerArgv(d, command, engine, side, flags), env);
}

/**
 * Starting a runner command as an ECS task: the AWS CLI line and the RunTask call, with the
 * command as the container's override (the image's entry point is the runner) and the restore
 * target's user left to the task definition.
 */
export function runTask(tasks: RecoveryRunnerTasks, engine: string, region: string, runnerArgs: readonly string[]): { command: RecoveryCommand; api: AwsApiCall } | undefined {
  const taskDefinition = tasks.taskDefinitions[engine];
  if (!taskDefinition) return undefined;
  const all = runnerArgs[0] === 'runner' ? runnerArgs.slice(1) : [...runnerArgs];
  // The restore task definition holds the target's credentials, user and password: a --target-user
  // given here would pair another user with that password.
  const args = all.filter((a, i) => a !== '--target-user' && all[i - 1] !== '--target-user');
  const container = tasks.containerName ?? 'runner';
  const overrides = { containerOverrides: [{ name: container, command: args }] };
  const network = { awsvpcConfiguration: { subnets: [...tasks.subnets], securityGroups: [...tasks.securityGroups], assignPublicIp: 'DISABLED' } };
  const argv = ['aws', 'ecs', 'run-task', '--region', region, '--cluster', tasks.cluster, '--task-definition', taskDefinition,
    '--launch-type', 'FARGATE', '--network-configuration', JSON.stringify(network), '--overrides', JSON.stringify(overrides)];
  return {
    command: { runsOn: 'operator', argv, line: renderLine(argv) },
    api: { service: 'ecs', api: 'RunTask', region, input: { cluster: tasks.cluster, taskDefinition, launchType: 'FARGATE', networkConfiguration: network, overrides } },
  };
}

/** Where an engine's backups live: `s3://bucket/prefix/db/engine` or `DIR/prefix/db/engine`, and the copy command's source. */
export function backupLocation(d: DatabaseRecoveryDescription, engine: string, side: StorageSide): { url: string; local: boolean; region?: string } | undefined {
  const s = d.storage;
  if (!s) return undefined;
  const path = `${s.prefix ?? 'runner'}/${d.name}/${engine}`;
  if (s.posixRepo) return { url: `${s.posixRepo.replace(/\/+$/, '')}/${path}`, local: true };
  const bucket = side === 'dr' ? s.replicaBucket : s.bucket;
  if (!bucket) return undefined;
  return { url: `s3://${bucket}/${path}`, local: false, region: side === 'dr' ? d.drRegion : d.primaryRegion };
}

/** The shell line that copies one backup's folder (objects and manifest) into `./{{BackupId}}`. */
export function copyBackupLine(loc: { url: string; local: boolean; region?: string }, backupIdRef: string): string {
  return loc.local
    ? `cp -r ${loc.url}/${backupIdRef} ./${backupIdRef}`
    : `aws s3 cp --recursive${loc.region ? ` --region ${loc.region}` : ''} ${loc.url}/${backupIdRef}/ ./${backupIdRef}/`;
}

/** Lists backups with a manifest (a complete backup has one). */
export function listBackupsLine(loc: { url: string; local: boolean; region?: string }): string {
  return loc.local
    ? `ls ${loc.url}/*/manifest.json`
    : `aws s3 ls --recursive${loc.region ? ` --region ${loc.region}` : ''} ${loc.url}/ | grep /manifest.json`;
}

/**
 * Checks every object of a copied backup against its manifest's SHA-256 (of the stored bytes),
 * with the manifest read by jq: `sha256sum -c` exits non-zero on any mismatch.
 */
export function checkHashesLine(backupIdRef: string, engine: string, name: string, prefix: string): string {
  const base = `${prefix}/${name}/${engine}/${backupIdRef}/`;
  return `(cd ./${backupIdRef} && jq -r '.objects[] | .sha256 + "  " + (.key | ltrimstr("${base}"))' manifest.json | sha256sum -c -)`;
}
