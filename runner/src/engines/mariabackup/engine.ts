/**
 * Physical MySQL/MariaDB backups with mariabackup or Percona XtraBackup: full and incremental
 * chains streamed as xbstream through zstd into the repository, never copied to local disk.
 *
 * Backup: `<tool> --defaults-file=<rendered> --backup --stream=xbstream` → core upload (zstd,
 * SHA-256, multipart). The tool's xtrabackup_checkpoints/xtrabackup_info land in a small
 * `--extra-lsndir` and are stored next to the stream; the chain link (LSN range, parent, binlog
 * position) goes into the manifest. The next incremental rebuilds `--incremental-basedir` from
 * the newest complete backup's stored checkpoints, so no state is kept on the host.
 *
 * Restore: download and `mbstream -x` each link of the chain, prepare the full, apply each
 * incremental in order, copy (or move) back into an empty data directory, chown it to the server
 * user, and optionally replay binlogs up to a point in time (see pitr.ts).
 *
 * The tool must run where the data files are: on the database host (the runner image on that
 * host, or the CLI installed there), not in a Fargate task — see the README in this folder.
 */
import { ConfigurationError } from '../../../../runtime/errors';
import { existsSync, mkdirSync, readFileSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { connectionFrom } from '../../core/connection';
import type { BackupResult, Engine, JobContext, VerifyResult } from '../../core/engine';
import { DatabaseError, RunnerError, StorageError, VerificationError } from '../../core/errors';
import type { Manifest } from '../../../../runtime/manifest';
import type { Command, OptionSpec, Options } from '../../core/options';
import { fromCatalog } from '../../core/registry';
import { checkTargetDir, createTargetDir } from '../../core/target-dir';
import { probeMariaDbReplica } from '../../core/replica-probe';
import {
  ChainLink, PhysicalBackupType, basedirCheckpoints, parseBinlogPosition, parseChainLink, parseCheckpoints, parseToolInfo, resolveChain,
} from './chain';
import {
  PhysicalBackupTool, backupCommand, copyBackCommand, extractCommand, prepareCommands, renderBackupDefaultsFile, renderRestoreDefaultsFile,
} from './commands';
import { localTime, localTimeMs, newestBinlogTime, replayBinlogs } from './pitr';

/** Object names inside a backup's folder. */
export const STREAM_NAME = 'backup.xbstream';
export const CHECKPOINTS_NAME = 'xtrabackup_checkpoints';
export const INFO_NAME = 'xtrabackup_info';
export const LSN_STATE_NAME = 'lsn-state.json';

const TYPES: Record<string, PhysicalBackupType> = { full: 'full', incr: 'incremental' };

export function physicalOptions(tool: PhysicalBackupTool): OptionSpec[] {
  return [
    { name: 'mysql-defaults-file', kind: 'path', description: `${tool.engine}: the server's my.cnf (datadir, InnoDB layout), included by the option file the runner renders for ${tool.binary}.` },
    { name: 'db-socket', kind: 'path', description: `${tool.engine}: Unix socket of the server (instead of --db-host/--db-port).` },
    { name: 'backup-parallel', kind: 'int', default: '1', min: 1, description: `${tool.engine}: copy threads of ${tool.binary} --parallel.` },
    { name: 'safe-slave-backup', kind: 'bool', default: 'false', description: `${tool.engine}: pause the replica SQL thread while non-InnoDB files are copied (--safe-slave-backup).` },
    { name: 'restore-datadir', kind: 'path', requiredFor: ['restore'], description: `${tool.engine} restore: empty (or absent) data directory to restore into.` },
    { name: 'restore-owner', kind: 'string', default: 'mysql', description: `${tool.engine} restore: user (and group) that owns the restored data directory.` },
    { name: 'restore-move', kind: 'bool', default: 'false', description: `${tool.engine} restore: --move-back instead of --copy-back (needs no second copy of the data).` },
    { name: 'prepare-memory', kind: 'string', default: '256M', description: `${tool.engine} restore: --use-memory of the prepare steps.` },
    { name: 'target-time', kind: 'string', description: `${tool.engine} restore: point in time (YYYY-MM-DD HH:MM:SS in the runner's TZ, whole seconds): restores the newest complete backup that ended at or before it, then applies every binlog event stamped at or before this second and none after; refused (exit 2) outside the recoverable window.` },
    { name: 'binlog-dir', kind: 'path', description: `${tool.engine} restore: directory holding the binlog files to replay for --target-time.` },
    { name: 'mysqld', kind: 'path', default: '/usr/sbin/mariadbd', description: `${tool.engine} restore: server binary started on the restored data directory to replay binlogs (--target-time).` },
  ];
}

export function physicalEngine(tool: PhysicalBackupTool): Engine {
  return {
    ...fromCatalog(tool.engine),
    requiredTools: [tool.binary, tool.extractor, tool.binlogReader, tool.client, 'chown'],
    toolsFor(command: Command): readonly string[] {
      if (command === 'backup') return [tool.binary];
      if (command === 'restore') return [tool.binary, tool.extractor, 'chown'];
      if (command === 'verify') return [tool.extractor];
      return [];
    },
    options: physicalOptions(tool),
    validate(command: Command, o: Options): string[] {
      const problems: string[] = [];
      if (command === 'backup' && !o.str('db-user')) problems.push(`--db-user (or RUNNER_DB_USER) is required for ${tool.engine} backup`);
      if (command === 'backup' && o.str('db-socket') && o.str('db-host')) {
        problems.push(`--db-socket ${JSON.stringify(o.str('db-socket'))} and --db-host ${JSON.stringify(o.str('db-host'))} are exclusive: give one`);
      }
      const t = o.str('target-time');
      if (t !== undefined) {
        if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(t)) problems.push(`--target-time must be YYYY-MM-DD HH:MM:SS (server local time), got ${JSON.stringify(t)}`);
        if (!o.str('binlog-dir')) problems.push(`--target-time ${JSON.stringify(t)} needs --binlog-dir (the binlogs to replay)`);
      }
      return problems;
    },
    // The lag guard connects over TCP (--db-host/--db-port), like the tool's own connection.
    replicaStatus: (job) => probeMariaDbReplica(connectionFrom(job.options, 'db', { port: 3306, user: 'root' })),
    backup: (job) => backup(tool, job),
    restore: (job) => restore(tool, job),
    verify: (job, manifest) => verify(tool, job, manifest),
    info: (job) => info(job),
  };
}

/** The chain link a manifest carries (undefined for manifests of other shapes). */
export function linkOf(m: Manifest): ChainLink | undefined {
  const raw = m.details?.chain;
  if (!raw) return undefined;
  return parseChainLink(JSON.stringify(raw), `manifest of ${m.backupId}`);
}

async function backup(tool: PhysicalBackupTool, job: JobContext): Promise<BackupResult> {
  const type = TYPES[job.backupType];
  const o = job.options;
  let parent: ChainLink | undefined;
  if (type === 'incremental') {
    const manifests = await job.listManifests();
    for (const m of manifests) {
      const link = linkOf(m);
      if (link) parent = link;
    }
    if (!parent) {
      throw new RunnerError('config', `${tool.engine} incremental backup of ${job.database}: there is no complete backup to base it on in ${job.storage.location}; take a full backup first (--type full)`);
    }
  }

  const password = o.str('db-password');
  const defaultsFile = job.spool.writeSecretFile('backup.cnf', renderBackupDefaultsFile({
    serverDefaultsFile: o.str('mysql-defaults-file'),
    user: o.requireStr('db-user'),
    password,
    host: o.str('db-host'),
    port: o.int('db-port'),
    socket: o.str('db-socket'),
  }));
  const lsnDir = job.spool.path('lsn');
  const targetDir = job.spool.path('tool-tmp');
  mkdirSync(lsnDir, { recursive: true, mode: 0o700 });
  mkdirSync(targetDir, { recursive: true, mode: 0o700 });
  let baseDir: string | undefined;
  if (parent) {
    baseDir = job.spool.path('incremental-base');
    mkdirSync(baseDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(baseDir, CHECKPOINTS_NAME), basedirCheckpoints(parent));
  }
  const argv = backupCommand(tool, {
    defaultsFile, targetDir, extraLsnDir: lsnDir, incrementalBaseDir: baseDir,
    parallel: o.int('backup-parallel'), safeSlaveBackup: o.bool('safe-slave-backup'),
  });
  job.log.info('physical backup starting', { type, parent: parent?.backupId, fromLsn: parent?.toLsn });
  const p = job.proc.start({ cmd: job.tool(tool.binary), args: argv.slice(1), label: tool.binary, failureKind: 'database' });
  // A tool failure must fail the upload too: a truncated stream is never stored as complete.
  p.done.catch((e) => p.stdout?.destroy(e as Error));
  const [, stream] = await Promise.all([p.done, job.upload(STREAM_NAME, p.stdout!, { producer: p })]);

  const checkpointsPath = join(lsnDir, CHECKPOINTS_NAME);
  const infoPath = join(lsnDir, INFO_NAME);
  if (!existsSync(checkpointsPath)) throw new DatabaseError(`${tool.binary} finished without writing ${CHECKPOINTS_NAME} to --extra-lsndir ${lsnDir}`);
  const checkpointsText = readFileSync(checkpointsPath, 'utf8');
  const infoText = existsSync(infoPath) ? readFileSync(infoPath, 'utf8') : '';
  const cp = parseCheckpoints(checkpointsText);
  if (parent && BigInt(cp.fromLsn) !== BigInt(parent.toLsn)) {
    throw new DatabaseError(`${tool.binary} incremental started at LSN ${cp.fromLsn}, but its base ${parent.backupId} ended at ${parent.toLsn}`);
  }
  const binlog = parseBinlogPosition(infoText);
  const versions = parseToolInfo(infoText);
  if (versions.toolVersion) job.manifest.setToolVersion(tool.binary, versions.toolVersion);
  if (versions.serverVersion) job.manifest.setToolVersion('server', versions.serverVersion);

  const link: ChainLink = {
    version: 1,
    engine: tool.engine,
    backupId: job.backupId,
    type,
    ...(parent ? { parentId: parent.backupId } : {}),
    fromLsn: cp.fromLsn,
    toLsn: cp.toLsn,
    checkpoints: checkpointsText,
    streamKey: stream.key,
    ...(binlog ? { binlog } : {}),
    stoppedAt: new Date().toISOString(),
  };
  // The LSN state next to the stream, readable without the manifest (operators, other tools).
  await job.upload(CHECKPOINTS_NAME, Readable.from([checkpointsText]), { compress: false });
  if (infoText) await job.upload(INFO_NAME, Readable.from([infoText]), { compress: false });
  await job.upload(LSN_STATE_NAME, Readable.from([JSON.stringify(link, null, 2) + '\n']), { compress: false });

  job.log.info('physical backup complete', { type, fromLsn: cp.fromLsn, toLsn: cp.toLsn, binlog });
  const position: Record<string, string> = { fromLsn: cp.fromLsn, toLsn: cp.toLsn };
  if (cp.lastLsn) position.lastLsn = cp.lastLsn;
  if (binlog) {
    position.binlogFile = binlog.file;
    position.binlogPosition = String(binlog.position);
    if (binlog.gtid) position.gtid = binlog.gtid;
  }
  return { position, ...(parent ? { parentBackupId: parent.backupId } : {}), details: { chain: link } };
}

/** The chain ending at the selected backup, each with its manifest, full first. */
async function selectChain(job: JobContext, selected: Manifest): Promise<Array<{ link: ChainLink; manifest: Manifest }>> {
  const manifests = new Map((await job.listManifests()).map((m) => [m.backupId, m]));
  manifests.set(selected.backupId, selected);
  const chain = await resolveChain(selected.backupId, async (id) => {
    const m = manifests.get(id);
    if (!m) throw new VerificationError(`backup ${id} (needed by the chain of ${selected.backupId}) has no manifest in ${job.storage.location}: it is incomplete or expired`);
    const link = linkOf(m);
    if (!link) throw new VerificationError(`backup ${id} has no ${job.engine} chain state in its manifest`);
    return link;
  }).catch((e) => {
    throw e instanceof RunnerError ? e : new VerificationError((e as Error).message);
  });
  return chain.map((link) => ({ link, manifest: manifests.get(link.backupId)! }));
}

/**
 * The extractor writes the unpacked backup into the spool itself, past the Spool's byte counter:
 * check the room first against --spool-max-bytes and the file system, so a small task volume
 * fails cleanly (exit 4) before anything is unpacked.
 */
function ensureSpoolRoom(job: JobContext, bytes: number, what: string): void {
  const dir = job.spool.path('.');
  const max = job.options.int('spool-max-bytes') ?? 0;
  if (max > 0 && job.spool.usedBytes + bytes > max) {
    throw new StorageError(`spool directory ${dir} is too small for ${what}: it needs ${bytes} bytes unpacked, --spool-max-bytes=${max}; give the task more ephemeral storage or raise the quota`);
  }
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  if (bytes > free) throw new StorageError(`spool directory ${dir} is too small for ${what}: it needs ${bytes} bytes unpacked, ${free} bytes are free`);
}

function rawBytesOf(link: ChainLink, manifest: Manifest): number {
  return manifest.objects.find((x) => x.key === link.streamKey)?.rawBytes ?? 0;
}

/** Downloads one backup's stream (hash-checked) and unpacks it into `dir`. */
async function extract(tool: PhysicalBackupTool, job: JobContext, link: ChainLink, manifest: Manifest, dir: string): Promise<void> {
  const obj = manifest.objects.find((x) => x.key === link.streamKey);
  if (!obj) throw new VerificationError(`manifest of ${manifest.backupId} does not list its stream ${link.streamKey}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const body = await job.download(obj.key, { sha256: obj.sha256 });
  const argv = extractCommand(tool, dir);
  const p = job.proc.start({ cmd: job.tool(tool.extractor), args: argv.slice(1), label: tool.extractor, stdin: body, failureKind: 'storage' });
  // A hash mismatch or storage error surfaces on the download stream; the extractor only sees EOF.
  const downloadDone = new Promise<void>((resolve, reject) => {
    body.on('error', reject);
    body.on('end', resolve);
  });
  await Promise.all([p.done, downloadDone]);
  const got = readFileSync(join(dir, CHECKPOINTS_NAME), 'utf8');
  if (parseCheckpoints(got).toLsn !== link.toLsn) {
    throw new VerificationError(`backup ${link.backupId}: the stream's ${CHECKPOINTS_NAME} ends at LSN ${parseCheckpoints(got).toLsn}, the manifest says ${link.toLsn}`);
  }
}

async function restore(tool: PhysicalBackupTool, job: JobContext): Promise<void> {
  const o = job.options;
  const target = o.requireStr('restore-datadir');
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new RunnerError('config', `--restore-datadir ${target} is not empty: restore only into an empty or new directory (the server must not be using it)`);
  }
  checkTargetDir('--restore-datadir', target);
  const targetTime = o.str('target-time');
  const selected = targetTime ? await selectForTargetTime(job, targetTime) : await job.selectManifest();
  const chain = await selectChain(job, selected);
  job.log.info('restoring chain', { backups: chain.map((c) => `${c.link.backupId} (${c.link.type} ${c.link.fromLsn}-${c.link.toLsn})`) });
  ensureSpoolRoom(job, chain.reduce((n, c) => n + rawBytesOf(c.link, c.manifest), 0), `the chain of ${chain.length} backup(s)`);
  const dirs: string[] = [];
  for (const [i, c] of chain.entries()) {
    const dir = job.spool.path(`chain-${String(i).padStart(3, '0')}`);
    await extract(tool, job, c.link, c.manifest, dir);
    dirs.push(dir);
  }
  const steps = prepareCommands(tool, dirs[0], dirs.slice(1), o.str('prepare-memory'));
  for (const argv of steps) {
    await job.proc.run({ cmd: job.tool(tool.binary), args: argv.slice(1), label: `${tool.binary} --prepare`, failureKind: 'verification' });
  }
  createTargetDir('--restore-datadir', target, 0o750);
  const restoreCnf = job.spool.writeSecretFile('restore.cnf', renderRestoreDefaultsFile(target));
  const copy = copyBackCommand(tool, { defaultsFile: restoreCnf, preparedDir: dirs[0], move: o.bool('restore-move'), parallel: o.int('backup-parallel') });
  await job.proc.run({ cmd: job.tool(tool.binary), args: copy.slice(1), label: `${tool.binary} ${o.bool('restore-move') ? '--move-back' : '--copy-back'}`, failureKind: 'storage' });
  const owner = o.str('restore-owner') ?? 'mysql';
  await job.proc.run({ cmd: job.tool('chown'), args: ['-R', `${owner}:${owner}`, target], label: 'chown', failureKind: 'config' });

  const last = chain[chain.length - 1].link;
  if (targetTime) {
    if (!last.binlog) throw new RunnerError('config', `backup ${last.backupId} has no binlog position (the server ran without log-bin): --target-time cannot be applied`);
    await replayBinlogs(tool, job, { dataDir: target, owner, binlogDir: o.requireStr('binlog-dir'), start: last.binlog, stopDatetime: targetTime, mysqld: o.str('mysqld') ?? '/usr/sbin/mariadbd' });
  }
  job.log.info('restore complete', { datadir: target, backupId: last.backupId, toLsn: last.toLsn, binlog: last.binlog, targetTime });
}

/**
 * The backup a point-in-time restore starts from, after checking the target against the
 * recoverable window: from the end of the oldest complete backup (with a binlog position) to the
 * newest event in --binlog-dir. Without --backup-id: the newest complete backup that ended at or
 * before the target second (a later one holds changes made after the target, which replay cannot
 * undo). A target outside the window is exit 2 before anything is downloaded: in the future,
 * after the shipped binlogs (the replay would stop short of it and report success), or before
 * every backup.
 */
async function selectForTargetTime(job: JobContext, targetTime: string): Promise<Manifest> {
  const target = localTimeMs(targetTime);
  const refuseConfig = (problem: string): never => { throw new ConfigurationError('invalid configuration', [problem]); };
  if (Number.isNaN(target)) refuseConfig(`--target-time ${JSON.stringify(targetTime)} is not a valid time`);
  // Every event stamped in the target second is applied: the target covers the whole second.
  const targetEnd = target + 1000;
  const complete = (await job.listManifests()).map((m) => ({ m, link: linkOf(m) }))
    .filter((x): x is { m: Manifest; link: ChainLink } => !!x.link?.binlog)
    .sort((a, b) => Date.parse(a.link.stoppedAt) - Date.parse(b.link.stoppedAt));
  if (complete.length === 0) {
    throw new VerificationError(`no complete ${job.engine} backup with a binlog position in ${job.storage.location}: nothing to recover to ${targetTime} from`);
  }
  const binlogDir = job.options.requireStr('binlog-dir');
  const newestFile = complete[complete.length - 1].link.binlog!.file;
  const binlogEnd = newestBinlogTime(binlogDir, newestFile);
  if (binlogEnd === undefined) refuseConfig(`--binlog-dir ${binlogDir} holds no binlog named like ${newestFile}`);
  const oldest = complete[0];
  const oldestEnd = Date.parse(oldest.link.stoppedAt);
  const window = `recoverable window: ${localTime(oldestEnd)} (end of the oldest complete backup ${oldest.m.backupId}) to ${localTime(binlogEnd!)} (newest event in --binlog-dir ${binlogDir})`;
  const refuse = (why: string): never => refuseConfig(`--target-time ${JSON.stringify(targetTime)} ${why}; ${window}`);
  const now = Date.now();
  if (target > now) refuse(`is in the future (now ${localTime(now)})`);
  if (target > binlogEnd!) refuse('is after the newest event in --binlog-dir: the replay would stop short of it');
  if (targetEnd <= oldestEnd) refuse('is before the end of the oldest complete backup');
  if (job.options.str('backup-id')) {
    const m = await job.selectManifest();
    const link = linkOf(m);
    if (link && Date.parse(link.stoppedAt) >= targetEnd) {
      refuse(`is before the end of backup ${m.backupId} (${localTime(Date.parse(link.stoppedAt))}): pick an older backup or omit --backup-id`);
    }
    return m;
  }
  const chosen = complete.filter((x) => Date.parse(x.link.stoppedAt) < targetEnd).pop()!;
  job.log.info('backup chosen for the point in time', { targetTime, backupId: chosen.m.backupId, backupEnd: localTime(Date.parse(chosen.link.stoppedAt)),
    binlogEnd: localTime(binlogEnd!) });
  return chosen.m;
}

async function verify(tool: PhysicalBackupTool, job: JobContext, manifest: Manifest): Promise<VerifyResult> {
  const chain = await selectChain(job, manifest);
  const checks = [`chain of ${chain.length} backup(s) from ${chain[0].link.backupId} is complete and LSN-contiguous (${chain[0].link.fromLsn} → ${chain[chain.length - 1].link.toLsn})`];
  // The engine's own check: the stored stream unpacks with the vendor's extractor and carries the recorded LSN range.
  const dir = job.spool.path('verify');
  ensureSpoolRoom(job, rawBytesOf(chain[chain.length - 1].link, manifest), `unpacking ${manifest.backupId}`);
  await extract(tool, job, chain[chain.length - 1].link, manifest, dir);
  checks.push(`${manifest.backupId}: ${tool.extractor} unpacked the stream; its ${CHECKPOINTS_NAME} matches the manifest (to_lsn ${chain[chain.length - 1].link.toLsn})`);
  return { checks };
}

async function info(job: JobContext): Promise<Record<string, unknown>> {
  const backups = (await job.listManifests()).map((m) => ({ m, link: linkOf(m) })).filter((x) => x.link);
  return {
    backups: backups.map(({ m, link }) => ({
      backupId: m.backupId, type: link!.type, parent: link!.parentId, fromLsn: link!.fromLsn, toLsn: link!.toLsn,
      binlog: link!.binlog, bytesStored: m.bytesStored, stoppedAt: m.stoppedAt,
    })),
  };
}
