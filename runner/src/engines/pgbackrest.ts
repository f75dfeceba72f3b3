/**
 * pgBackRest engine: the runner is the repository host. It reaches the database host's
 * `pgbackrest server` over TLS (client certificate from Secrets Manager) and keeps the repository
 * in S3 or on a posix volume mounted at the same path on both hosts, such as EFS (zstd,
 * AES-256-CBC). The database host pushes WAL to the same repository from archive_command; both
 * configurations come from runtime/pgbackrest/config.ts.
 *
 * Secrets never reach argv: the cipher passphrase and the S3 credentials (resolved by the AWS SDK
 * default provider chain, because pgBackRest 2.45 cannot read ECS task-role credentials) go to
 * pgBackRest as PGBACKREST_* environment variables; the TLS key is a 0600 file in the spool.
 */
import { ConfigurationError } from '../../../runtime/errors';
import { S3Client } from '@aws-sdk/client-s3';
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  PGBACKREST_RUNNER_ENV, PGBACKREST_TOOL_ENV, PgBackRestSettings, isPosixRepository, renderLocalConfig, renderRepoHostConfig,
} from '../../../runtime/pgbackrest/config';
import type { BackupResult, Engine, JobContext, VerifyResult } from '../core/engine';
import { RunnerError, StorageError, VerificationError } from '../core/errors';
import { MANIFEST_NAME, Manifest } from '../../../runtime/manifest';
import type { Command, OptionSpec, Options } from '../core/options';
import { fromCatalog, registerEngine } from '../core/registry';
import { checkTargetDir, createTargetDir } from '../core/target-dir';
import {
  PgBackRestBackup, PgBackRestStanzaInfo, archivedSegmentTime, explainFailure, newBackup, parseInfoJson, parseVerifyText, pgUtc, printable,
  targetTimeMs, verifyProblems,
} from './pgbackrest/output';
import { resolveSettings } from './pgbackrest/settings';

/** `pgbackrest info` status codes of a stanza that exists: 0 ok, 2 no valid backups yet. */
const STANZA_READY_CODES = new Set([0, 2]);
const LABEL_RE = /^\d{8}-\d{6}F(_\d{8}-\d{6}[DI])?$/;
/** ISO-like timestamps PostgreSQL accepts as recovery_target_time, with an explicit zone. */
const TARGET_TIME_RE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:?\d{2})?|Z| UTC)$/;

export const PGBACKREST_OPTIONS: readonly OptionSpec[] = [
  { name: 'pgbackrest-settings', kind: 'string', env: PGBACKREST_RUNNER_ENV.settings,
    requiredFor: ['backup', 'restore', 'verify', 'expire', 'check', 'info'],
    description: 'JSON pgBackRest settings (stanza, S3 repository, database host) rendered by the BackupRunner construct; --s3-* flags override its repository.' },
  { name: 'pgbackrest-cipher-pass', kind: 'secret', env: PGBACKREST_RUNNER_ENV.cipherPass,
    requiredFor: ['backup', 'restore', 'verify', 'expire', 'check', 'info'],
    description: 'Repository cipher passphrase (AES-256-CBC), environment only.' },
  { name: 'pgbackrest-tls-ca', kind: 'secret', env: PGBACKREST_RUNNER_ENV.tlsCa,
    description: 'PEM of the CA that signed the database host\'s `pgbackrest server` certificate, environment only.' },
  { name: 'pgbackrest-tls-client-cert', kind: 'secret', env: PGBACKREST_RUNNER_ENV.tlsClientCert,
    description: 'PEM of the runner\'s TLS client certificate, environment only.' },
  { name: 'pgbackrest-tls-client-key', kind: 'secret', env: PGBACKREST_RUNNER_ENV.tlsClientKey,
    description: 'PEM of the runner\'s TLS client key, environment only.' },
  { name: 'pgbackrest-local', kind: 'bool', default: 'false',
    description: 'The runner runs on the database host: pg1-path is local, no TLS server is used.' },
  { name: 'pgbackrest-retention-full', kind: 'int', min: 1, max: 9999999, description: 'Full backups to keep (repo1-retention-full); --retain-count means the same.' },
  { name: 'pgbackrest-retention-diff', kind: 'int', min: 1, max: 9999999, description: 'Differential backups to keep (repo1-retention-diff).' },
  { name: 'pgbackrest-repo-type', kind: 'string', choices: ['s3', 'posix'],
    description: 'Repository type (default: the settings\' repositoryType, else s3). posix: a volume mounted at the same path on the runner and the database host (EFS), or local with --pgbackrest-local.' },
  { name: 'pgbackrest-repo-path', kind: 'path', description: 'Absolute path of the posix repository (with --pgbackrest-repo-type posix).' },
  { name: 'pgbackrest-compress-type', kind: 'string', choices: ['zst', 'lz4', 'gz', 'bz2', 'none'],
    description: 'Compression of backups (default zst; archived WAL follows the database host\'s configuration).' },
  { name: 'pgbackrest-compress-level', kind: 'int', min: -7, max: 22,
    description: 'Compression level (default 3 for zst; 1 is the speed setting). Per type: zst -7 to 22, lz4 -5 to 12, gz 0 to 9, bz2 1 to 9, none 0.' },
  { name: 'pgbackrest-process-max', kind: 'int', min: 1, max: 64, description: 'Parallel processes for transfer and compression (process-max).' },
  { name: 'target-dir', kind: 'path', requiredFor: ['restore'], description: 'restore: empty or missing PostgreSQL data directory to restore into.' },
  { name: 'target-time', kind: 'string',
    description: 'restore: point in time to recover to, with a zone (e.g. 2026-11-23 05:52:17.123+00); recovery stops before it and promotes.' },
  { name: 'pgbackrest-archive-mode', kind: 'string', default: 'preserve', choices: ['preserve', 'off'],
    description: 'restore: archive_mode of the restored cluster; off for drills so the copy never archives into the stanza.' },
  { name: 'pgbackrest-recovery-config-path', kind: 'path',
    description: 'restore: pgBackRest config directory the restored cluster\'s restore_command uses. When it holds a pgbackrest.conf it is used as is (the database host\'s /etc/pgbackrest); otherwise the runner writes one there (default <target-dir>.pgbackrest) with a 0600 conf.d/secrets.conf.' },
];

interface Prepared {
  readonly settings: PgBackRestSettings;
  readonly configPath: string;
  readonly env: Record<string, string>;
  readonly local: boolean;
}

function settingsOf(options: Options): PgBackRestSettings {
  const r = resolveSettings(options);
  if (r.problems.length || !r.settings) throw new ConfigurationError('invalid configuration', r.problems);
  return r.settings;
}

/** Temporary S3 credentials from the default provider chain (the ECS task role on Fargate). */
async function s3CredentialEnv(job: JobContext, region: string): Promise<Record<string, string>> {
  let creds;
  try {
    creds = await new S3Client({ region }).config.credentials();
  } catch (e) {
    throw new StorageError(`cannot resolve AWS credentials for the S3 repository (default provider chain: environment, ECS task role, instance profile): ${(e as Error).message}`);
  }
  job.redactor.add(creds.accessKeyId);
  job.redactor.add(creds.secretAccessKey);
  job.redactor.add(creds.sessionToken);
  if (creds.expiration) job.log.info('resolved temporary S3 credentials for pgbackrest', { expiresAt: creds.expiration.toISOString() });
  return {
    [PGBACKREST_TOOL_ENV.s3Key]: creds.accessKeyId,
    [PGBACKREST_TOOL_ENV.s3KeySecret]: creds.secretAccessKey,
    ...(creds.sessionToken ? { [PGBACKREST_TOOL_ENV.s3Token]: creds.sessionToken } : {}),
  };
}

/** Writes the job's pgbackrest.conf (and TLS files) into the spool and builds the child environment. */
async function prepare(job: JobContext, mode: 'repo-host' | 'local', localPgPath?: string): Promise<Prepared> {
  const settings = settingsOf(job.options);
  const configPath = job.spool.path('pgbackrest');
  mkdirSync(configPath, { recursive: true, mode: 0o700 });
  const dirs = {
    lockPath: join(configPath, 'lock'),
    logPath: join(configPath, 'log'),
    spoolPath: join(configPath, 'spool'),
  };
  for (const p of Object.values(dirs)) mkdirSync(p, { recursive: true, mode: 0o700 });
  const paths = { ...dirs, applyRetention: job.command === 'expire' };
  let conf: string;
  if (mode === 'repo-host') {
    const files = {
      tlsCaFile: job.spool.writeSecretFile('pgbackrest-tls-ca.crt', job.options.requireStr('pgbackrest-tls-ca')),
      tlsCertFile: job.spool.writeSecretFile('pgbackrest-tls-client.crt', job.options.requireStr('pgbackrest-tls-client-cert')),
      tlsKeyFile: job.spool.writeSecretFile('pgbackrest-tls-client.key', job.options.requireStr('pgbackrest-tls-client-key')),
    };
    conf = renderRepoHostConfig(settings, { ...paths, ...files });
  } else {
    conf = renderLocalConfig(settings, paths, localPgPath ?? settings.databaseHost.pgPath);
  }
  writeFileSync(join(configPath, 'pgbackrest.conf'), conf, { mode: 0o600 });
  const cipher = job.options.requireStr('pgbackrest-cipher-pass');
  const env = {
    [PGBACKREST_TOOL_ENV.cipherPass]: cipher,
    // A posix repository needs no credentials: access is the file system's.
    ...(isPosixRepository(settings) ? {} : await s3CredentialEnv(job, settings.repository.region)),
  };
  if (isPosixRepository(settings)) {
    const repo = settings.posixRepository!.path;
    if (!existsSync(repo) || !statSync(repo).isDirectory()) {
      throw new StorageError(`posix repository ${repo} is not a directory (is the volume mounted?)`);
    }
  }
  job.log.debug('pgbackrest configuration written', { configPath, mode, stanza: settings.stanza });
  return { settings, configPath, env, local: mode === 'local' };
}

function remoteMode(job: JobContext): 'repo-host' | 'local' {
  return job.options.bool('pgbackrest-local') ? 'local' : 'repo-host';
}

/**
 * Runs one pgbackrest command. Its console log (stdout) becomes runner log lines unless
 * `capture` is set, in which case stdout is returned (JSON or text output) and console logging is off.
 */
function pgbackrestArgv(p: Prepared, command: string, args: string[], capture: boolean, params: string[]): string[] {
  return [
    `--config-path=${p.configPath}`,
    `--stanza=${p.settings.stanza}`,
    `--log-level-console=${capture ? 'off' : 'info'}`,
    '--log-level-stderr=warn',
    ...args,
    command,
    ...params,
  ];
}

async function pgbackrest(job: JobContext, p: Prepared, command: string, args: string[], capture = false, params: string[] = []): Promise<string> {
  const argv = pgbackrestArgv(p, command, args, capture, params);
  const proc = job.proc.start({ cmd: job.tool('pgbackrest'), args: argv, env: p.env, label: `pgbackrest ${command}`, failureKind: 'database' });
  const chunks: Buffer[] = [];
  if (capture) {
    proc.stdout?.on('data', (d: Buffer) => chunks.push(d));
  } else if (proc.stdout) {
    const log = job.log.child({ process: `pgbackrest ${command}` });
    createInterface({ input: proc.stdout }).on('line', (line) => {
      if (line.trim()) log.info(printable(line).replace(/^\S+ \S+ P\d+\s+\w+:\s*/, ''));
    });
  }
  try {
    await proc.done;
  } catch (e) {
    if (job.signal.aborted) throw e;
    const err = e as RunnerError;
    const raw = printable(err.message ?? String(e));
    const why = explainFailure(raw, isPosixRepository(p.settings) ? { repoPath: p.settings.posixRepository!.path, freeBytes } : {});
    if (why) throw new RunnerError(why.kind, `pgbackrest ${command} failed: ${why.message}. pgbackrest said: ${raw}`);
    throw new RunnerError(err.kind ?? 'database', printable(raw), err.exitCode);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Bytes available to writers on the volume that holds `path` (its nearest existing folder). */
function freeBytes(path: string): number | undefined {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      const st = statfsSync(dir);
      return st.bavail * st.bsize;
    } catch {
      if (dir === dirname(dir)) return undefined;
    }
  }
}

/**
 * The runner runs pgBackRest as root, but the database host pushes WAL into the same posix
 * repository as its own user: after a command that writes, the stanza's files go back to the
 * owner of the repository directory, so archive-push and restore_command keep working.
 */
function keepPosixOwnership(job: JobContext, s: PgBackRestSettings): void {
  if (!isPosixRepository(s) || typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  const repo = s.posixRepository!.path;
  const st = statSync(repo);
  if (st.uid === 0) return;
  for (const sub of ['archive', 'backup']) {
    const dir = join(repo, sub, s.stanza);
    if (existsSync(dir)) {
      chownSync(join(repo, sub), st.uid, st.gid);
      chownTree(dir, st.uid, st.gid);
    }
  }
  job.log.debug('posix repository ownership kept', { repo, uid: st.uid, gid: st.gid });
}

async function stanzaInfo(job: JobContext, p: Prepared): Promise<PgBackRestStanzaInfo> {
  const out = await pgbackrest(job, p, 'info', ['--output=json'], true);
  try {
    return parseInfoJson(out, p.settings.stanza);
  } catch (e) {
    throw new StorageError(`cannot read the pgBackRest repository info: ${(e as Error).message}`);
  }
}

function positionOf(b: PgBackRestBackup): Record<string, string> {
  return { lsnStart: b.lsnStart, lsnStop: b.lsnStop, walStart: b.walStart, walStop: b.walStop };
}

function detailsOf(b: PgBackRestBackup, stanza: string): Record<string, unknown> {
  return {
    stanza,
    label: b.label,
    pgbackrestType: b.type,
    prior: b.prior,
    databaseBytes: b.databaseBytes,
    deltaBytes: b.deltaBytes,
    repositoryBytes: b.repositoryBytes,
    repositoryDeltaBytes: b.repositoryDeltaBytes,
    pgbackrestStart: new Date(b.startEpoch * 1000).toISOString(),
    pgbackrestStop: new Date(b.stopEpoch * 1000).toISOString(),
  };
}

async function backup(job: JobContext): Promise<BackupResult> {
  const p = await prepare(job, remoteMode(job));
  await job.recordToolVersion('pgbackrest', ['version']);
  // `info` reads only the repository. A stanza that exists (status ok or no valid backup yet) needs
  // no stanza-create: that command opens a database session over TLS (~0.6 s of pgBackRest's
  // 100 ms query polls) to confirm what `backup` confirms again itself, as it refuses a cluster
  // whose system identifier or version differs from the stanza's. Anything else (missing stanza,
  // missing or damaged info files) goes through stanza-create, which creates or explains it.
  let before = await stanzaInfo(job, p);
  if (!STANZA_READY_CODES.has(before.statusCode)) {
    job.log.info('creating the pgbackrest stanza', { stanza: p.settings.stanza, infoStatus: before.statusCode, infoMessage: before.statusMessage });
    await pgbackrest(job, p, 'stanza-create', []);
    keepPosixOwnership(job, p.settings);
    before = await stanzaInfo(job, p);
  }
  try {
    await pgbackrest(job, p, 'backup', [`--type=${job.backupType}`]);
  } finally {
    keepPosixOwnership(job, p.settings);
  }
  const after = await stanzaInfo(job, p);
  const made = newBackup(before.backups, after.backups);
  if (!made) throw new StorageError('pgbackrest backup finished but no new backup appears in `pgbackrest info`');
  if (made.error) throw new VerificationError(`pgbackrest backup ${made.label} reports page checksum errors`);
  job.log.info('pgbackrest backup complete', { label: made.label, type: made.type, lsnStart: made.lsnStart, lsnStop: made.lsnStop,
    repositoryDeltaBytes: made.repositoryDeltaBytes });
  // The runner's own record of the backup: what pgBackRest reported, hashed and listed in the manifest.
  const record = JSON.stringify({ stanza: p.settings.stanza, backup: made, archiveMin: after.archiveMin, archiveMax: after.archiveMax }, null, 2);
  const { Readable } = await import('node:stream');
  await job.upload('pgbackrest-backup.json', Readable.from([Buffer.from(record)]), { compress: false });
  let parentBackupId: string | undefined;
  if (made.prior) {
    const manifests = await job.listManifests();
    parentBackupId = manifests.find((m) => m.details?.label === made.prior)?.backupId;
  }
  return { position: positionOf(made), details: detailsOf(made, p.settings.stanza), ...(parentBackupId ? { parentBackupId } : {}) };
}

/**
 * Label to restore: --backup-id as a pgBackRest label, or the label in that runner backup's
 * manifest; without --backup-id, the label of the newest backup that has a manifest. A set
 * pgBackRest finished whose runner job then failed (no manifest) is never picked, even though
 * pgBackRest's own "latest" would be it.
 */
async function labelToRestore(job: JobContext): Promise<string> {
  const id = job.options.str('backup-id');
  if (id !== undefined && LABEL_RE.test(id)) return id;
  const m = await job.selectManifest();
  const label = m.details?.label;
  if (typeof label !== 'string') {
    if (id !== undefined) throw new ConfigurationError('invalid configuration', [`--backup-id ${JSON.stringify(id)}: its manifest has no pgBackRest label`]);
    throw new VerificationError(`the newest complete backup ${m.backupId} has no pgBackRest label in its manifest`);
  }
  return label;
}

/**
 * The backup to restore for a point in time, after checking the target lies in the recoverable
 * window: from the end of the oldest complete backup (PostgreSQL cannot stop recovery before a
 * backup's consistent point) to the time the newest WAL segment was archived (the repository
 * holds nothing later; recovery would end short of the target and the cluster would refuse to
 * start). Only backups with a runner manifest count. Without --backup-id: the newest complete
 * backup that ended at or before the target. A target outside the window is exit 2, before
 * anything is restored.
 */
async function labelForTargetTime(job: JobContext, p: Prepared, targetTime: string): Promise<string> {
  const target = targetTimeMs(targetTime);
  if (Number.isNaN(target)) throw new ConfigurationError('invalid configuration', [`--target-time ${JSON.stringify(targetTime)} is not a valid time`]);
  const info = await stanzaInfo(job, p);
  const complete = new Set((await job.listManifests()).map((m) => m.details?.label).filter((l): l is string => typeof l === 'string'));
  const usable = info.backups.filter((b) => complete.has(b.label) && !b.error).sort((a, b) => a.stopEpoch - b.stopEpoch);
  if (usable.length === 0) {
    throw new VerificationError(`no complete pgBackRest backup (with a runner manifest) in stanza ${p.settings.stanza}: nothing to recover to ${targetTime} from`);
  }
  const oldest = usable[0];
  const segment = info.archiveMax;
  let walEnd: number | undefined;
  if (segment && info.archiveId) {
    const listing = await pgbackrest(job, p, 'repo-ls', ['--output=json'], true, [`archive/${p.settings.stanza}/${info.archiveId}/${segment.slice(0, 16)}`]);
    const t = archivedSegmentTime(listing, segment);
    if (t !== undefined) walEnd = t * 1000;
  }
  if (walEnd === undefined) throw new VerificationError(`the repository of stanza ${p.settings.stanza} lists no archived WAL: no point in time can be recovered`);
  // Recovery to a time stops at the first commit after it; with none, it ends short of the target
  // and PostgreSQL refuses to start. The newest commit in the archived WAL is the exact end.
  const lastCommit = await lastCommitTime(job, p, segment!, info.archiveId!);
  const windowEnd = lastCommit ?? walEnd;
  const window = `recoverable window: ${pgUtc(oldest.stopEpoch * 1000)} (end of the oldest complete backup ${oldest.label}, started ${pgUtc(oldest.startEpoch * 1000)})`
    + ` to ${pgUtc(windowEnd)} (${lastCommit !== undefined ? 'last commit in the newest archived WAL' : 'newest archived WAL'} ${segment})`;
  const refuse = (why: string): never => {
    throw new ConfigurationError('invalid configuration', [`--target-time ${JSON.stringify(targetTime)} ${why}; ${window}`]);
  };
  const now = Date.now();
  if (target > now) refuse(`is in the future (now ${pgUtc(now)})`);
  if (target > walEnd) refuse(`is after the newest archived WAL: recovery would end before reaching it`);
  if (lastCommit !== undefined && target > lastCommit) refuse('is after the last commit in the archived WAL: recovery would end before reaching it');
  if (target < oldest.stopEpoch * 1000) refuse('is before the end of the oldest complete backup');
  const id = job.options.str('backup-id');
  if (id !== undefined) {
    const label = await labelToRestore(job);
    const chosen = usable.find((b) => b.label === label);
    if (!chosen) throw new VerificationError(`--backup-id ${JSON.stringify(id)}: pgBackRest set ${label} is not a complete backup in stanza ${p.settings.stanza}`);
    if (target < chosen.stopEpoch * 1000) refuse(`is before the end of backup ${label} (${pgUtc(chosen.stopEpoch * 1000)}): pick an older backup or omit --backup-id`);
    return label;
  }
  const chosen = usable.filter((b) => b.stopEpoch * 1000 <= target).pop()!;
  job.log.info('backup chosen for the point in time', { targetTime, label: chosen.label, backupStop: pgUtc(chosen.stopEpoch * 1000), walEnd: pgUtc(walEnd) });
  return chosen.label;
}

/**
 * Time (epoch ms) of the newest commit or abort record in the newest archived WAL segment (or the
 * one before, when the newest holds none): fetched with `archive-get` into the spool and read with
 * the pg_waldump of the stanza's PostgreSQL version. Undefined when that is not possible (another
 * server version, no pg_waldump); the window then ends at the segment's archive time.
 */
async function lastCommitTime(job: JobContext, p: Prepared, newest: string, archiveId: string): Promise<number | undefined> {
  const version = archiveId.split('-')[0];
  const waldump = [`/usr/lib/postgresql/${version}/bin/pg_waldump`].find((f) => existsSync(f));
  if (!waldump) {
    job.log.warn('no pg_waldump for this PostgreSQL version: the recoverable window ends at the archive time of the newest WAL', { version });
    return undefined;
  }
  const dir = job.spool.path('wal-check');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const previous = previousSegment(newest);
  for (const segment of previous ? [newest, previous] : [newest]) {
    const file = join(dir, segment);
    try {
      // repo-get decrypts (archive-get would need the restored cluster's pg_control); the file's extension names its compression.
      const folder = `archive/${p.settings.stanza}/${archiveId}/${segment.slice(0, 16)}`;
      const listing = JSON.parse(await pgbackrest(job, p, 'repo-ls', ['--output=json'], true, [folder])) as Record<string, unknown>;
      const name = Object.keys(listing).find((n) => n.startsWith(`${segment}-`));
      if (!name) return undefined;
      const ext = /\.(zst|gz|lz4|bz2)$/.exec(name)?.[1];
      const decompress: Record<string, string[]> = { zst: ['zstd', '-d', '-c'], gz: ['gzip', '-d', '-c'], lz4: ['lz4', '-d', '-c'], bz2: ['bzip2', '-d', '-c'] };
      const get = job.proc.start({ cmd: job.tool('pgbackrest'), args: pgbackrestArgv(p, 'repo-get', [], true, [`${folder}/${name}`]), env: p.env,
        label: 'pgbackrest repo-get', failureKind: 'storage' });
      const unpack = ext ? job.proc.start({ cmd: job.tool(decompress[ext][0]), args: decompress[ext].slice(1), stdin: get.stdout!, label: `${ext} -d`, failureKind: 'storage' }) : undefined;
      await Promise.all([get.done, unpack?.done, pipeline((unpack ?? get).stdout!, createWriteStream(file, { mode: 0o600 }))]);
      // TZ=UTC: pg_waldump prints commit times in its own zone, by abbreviation.
      const out = await job.proc.run({ cmd: waldump, args: [file], env: { TZ: 'UTC' }, label: 'pg_waldump', failureKind: 'database' });
      let last: number | undefined;
      for (const m of out.matchAll(/desc: (?:COMMIT|ABORT) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) (UTC|[+-]\d\d(?::?\d\d)?)/g)) {
        const t = targetTimeMs(`${m[1]}${m[2] === 'UTC' ? ' UTC' : m[2]}`);
        if (!Number.isNaN(t)) last = Math.max(last ?? 0, t);
      }
      if (last !== undefined) return last;
    } catch (e) {
      job.log.warn('could not read the newest archived WAL: the recoverable window ends at its archive time', { segment, error: (e as Error).message });
      return undefined;
    } finally {
      rmSync(file, { force: true });
    }
  }
  return undefined;
}

/** The segment before `segment` (24 hex digits: timeline, log, seg; 256 segments per log with 16 MiB segments), or undefined. */
function previousSegment(segment: string): string | undefined {
  const tli = segment.slice(0, 8);
  const log = parseInt(segment.slice(8, 16), 16);
  const seg = parseInt(segment.slice(16, 24), 16);
  if (seg > 0) return `${tli}${segment.slice(8, 16)}${(seg - 1).toString(16).toUpperCase().padStart(8, '0')}`;
  if (log > 0) return `${tli}${(log - 1).toString(16).toUpperCase().padStart(8, '0')}000000FF`;
  return undefined;
}

function isEmptyDir(p: string): boolean {
  return readdirSync(p).length === 0;
}

/** Removes what a failed restore left, so nothing looks like a usable data directory. */
function clearRestoreTarget(dir: string, created: boolean): void {
  if (!existsSync(dir)) return;
  if (created) rmSync(dir, { recursive: true, force: true });
  else for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
}

async function restore(job: JobContext): Promise<void> {
  const targetDir = job.options.requireStr('target-dir');
  const created = !existsSync(targetDir);
  if (!created && !isEmptyDir(targetDir)) {
    throw new ConfigurationError('invalid configuration', [`--target-dir ${JSON.stringify(targetDir)} is not empty; restore only into an empty or new directory`]);
  }
  checkTargetDir('--target-dir', targetDir);
  const recoveryDir = job.options.str('pgbackrest-recovery-config-path') ?? `${targetDir}.pgbackrest`;
  const useExisting = existsSync(join(recoveryDir, 'pgbackrest.conf'));
  if (!useExisting) {
    checkTargetDir(job.options.has('pgbackrest-recovery-config-path') ? '--pgbackrest-recovery-config-path' : '--target-dir (its recovery config directory)', recoveryDir);
  }
  const p = await prepare(job, 'local', targetDir);
  const settings = p.settings;
  const targetTime = job.options.str('target-time');
  const label = targetTime ? await labelForTargetTime(job, p, targetTime) : await labelToRestore(job);
  const restoreCommand = `pgbackrest --config-path=${recoveryDir} --stanza=${settings.stanza} archive-get %f "%p"`;
  const args = [
    `--archive-mode=${job.options.str('pgbackrest-archive-mode') ?? 'preserve'}`,
    `--recovery-option=restore_command=${restoreCommand}`,
    `--set=${label}`,
    ...(targetTime ? ['--type=time', `--target=${targetTime}`, '--target-action=promote'] : []),
  ];
  await job.recordToolVersion('pgbackrest', ['version']);
  if (created) createTargetDir('--target-dir', targetDir, 0o700);
  let wroteRecoveryDir = false;
  try {
    await pgbackrest(job, p, 'restore', args);
    if (!useExisting) {
      writeRecoveryConfig(job, settings, recoveryDir, targetDir, p.env);
      wroteRecoveryDir = true;
    }
  } catch (e) {
    clearRestoreTarget(targetDir, created);
    if (wroteRecoveryDir) rmSync(recoveryDir, { recursive: true, force: true });
    job.log.error('restore failed; the target directory was cleared so it cannot be mistaken for a restored cluster', { targetDir });
    throw e;
  }
  job.log.info('pgbackrest restore complete; start PostgreSQL on the target to replay WAL', {
    targetDir, label, targetTime: targetTime ?? null, restoreCommand,
    recoveryConfig: useExisting ? 'existing' : 'written by the runner (holds the passphrase: remove it once recovery has finished)',
  });
}

/**
 * The restored cluster's restore_command runs pgBackRest as the cluster's owner without the
 * runner's environment, so it needs a config directory of its own: pgbackrest.conf (no secrets)
 * and conf.d/secrets.conf (0600) with the passphrase and the S3 credentials.
 */
function writeRecoveryConfig(job: JobContext, settings: PgBackRestSettings, dir: string, targetDir: string, env: Record<string, string>): void {
  const paths = { lockPath: join(dir, 'lock'), logPath: join(dir, 'log'), spoolPath: join(dir, 'spool') };
  for (const d of [dir, join(dir, 'conf.d'), ...Object.values(paths)]) mkdirSync(d, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'pgbackrest.conf'), renderLocalConfig(settings, paths, targetDir), { mode: 0o600 });
  const secrets = [
    '[global]',
    `repo1-cipher-pass=${env[PGBACKREST_TOOL_ENV.cipherPass]}`,
    ...(isPosixRepository(settings) ? [] : [
      `repo1-s3-key=${env[PGBACKREST_TOOL_ENV.s3Key]}`,
      `repo1-s3-key-secret=${env[PGBACKREST_TOOL_ENV.s3KeySecret]}`,
      ...(env[PGBACKREST_TOOL_ENV.s3Token] ? [`repo1-s3-token=${env[PGBACKREST_TOOL_ENV.s3Token]}`] : []),
    ]),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'conf.d', 'secrets.conf'), secrets, { mode: 0o600 });
  // Owned like the restored data directory: PostgreSQL runs restore_command as that user.
  const st = statSync(targetDir);
  chownTree(dir, st.uid, st.gid);
  chmodSync(dir, 0o700);
  job.log.info('recovery configuration written for restore_command', { dir });
}

function chownTree(p: string, uid: number, gid: number): void {
  chownSync(p, uid, gid);
  if (statSync(p).isDirectory()) for (const e of readdirSync(p)) chownTree(join(p, e), uid, gid);
}

async function verify(job: JobContext, manifest: Manifest): Promise<VerifyResult> {
  const p = await prepare(job, 'local');
  const label = manifest.details?.label;
  if (typeof label !== 'string') throw new VerificationError(`manifest of ${manifest.backupId} has no pgBackRest label`);
  const text = await pgbackrest(job, p, 'verify', ['--output=text', '--verbose'], true);
  const report = parseVerifyText(text);
  job.log.info('pgbackrest verify result', { status: report.status, backups: report.backups, walChecked: report.walChecked, walValid: report.walValid });
  const problems = verifyProblems(report, label);
  if (problems.length) throw new VerificationError(`pgbackrest verify failed: ${problems.join('; ')}`);
  const mine = report.backups.find((b) => b.label === label)!;
  return {
    checks: [
      `pgbackrest verify: status ${report.status}, ${report.backups.length} backup(s) valid`,
      `backup ${label}: ${mine.filesValid}/${mine.filesChecked} files valid`,
      `archived WAL: ${report.walValid}/${report.walChecked} segments valid`,
    ],
  };
}

async function expire(job: JobContext): Promise<void> {
  const p = await prepare(job, 'local');
  try {
    await pgbackrest(job, p, 'expire', []);
  } finally {
    keepPosixOwnership(job, p.settings);
  }
  const info = await stanzaInfo(job, p);
  const kept = new Set(info.backups.map((b) => b.label));
  // Runner manifests of backups pgBackRest expired would promise a restore that cannot happen.
  let removed = 0;
  for (const m of await job.listManifests()) {
    const label = m.details?.label;
    if (typeof label !== 'string' || kept.has(label)) continue;
    await job.storage.delete(`${job.enginePrefix}/${m.backupId}/${MANIFEST_NAME}`);
    for (const o of m.objects) await job.storage.delete(o.key);
    removed++;
  }
  job.log.info('pgbackrest expire complete', { backupsKept: [...kept], runnerManifestsRemoved: removed, retentionFull: p.settings.retentionFull ?? 2 });
}

async function check(job: JobContext): Promise<void> {
  const p = await prepare(job, remoteMode(job));
  await pgbackrest(job, p, 'check', []);
}

async function info(job: JobContext): Promise<Record<string, unknown>> {
  const p = await prepare(job, 'local');
  const i = await stanzaInfo(job, p);
  return { stanza: i.name, status: i.statusMessage, statusCode: i.statusCode, archiveMin: i.archiveMin, archiveMax: i.archiveMax, backups: i.backups };
}

function validate(command: Command, options: Options): string[] {
  // The resolved settings (flags applied) are checked like the construct checks them: compressLevel per compress-type, processMax, retention.
  const problems = [...resolveSettings(options).problems];
  const local = options.bool('pgbackrest-local');
  if ((command === 'backup' || command === 'check') && !local) {
    for (const n of ['pgbackrest-tls-ca', 'pgbackrest-tls-client-cert', 'pgbackrest-tls-client-key']) {
      if (!options.str(n)) {
        const env = PGBACKREST_OPTIONS.find((o) => o.name === n)!.env!;
        problems.push(`${env} is required for ${command} (the runner's TLS identity for the database host's pgbackrest server), or set --pgbackrest-local`);
      }
    }
  }
  if (command === 'restore') {
    const dir = options.str('target-dir');
    if (dir !== undefined && !isAbsolute(dir)) problems.push(`--target-dir must be an absolute path, got ${JSON.stringify(dir)}`);
    const t = options.str('target-time');
    if (t !== undefined && !TARGET_TIME_RE.test(t)) {
      problems.push(`--target-time must be a timestamp with a time zone like 2026-11-23 05:52:17+00, got ${JSON.stringify(t)}`);
    }
  }
  return problems;
}

export const pgBackRestEngine: Engine = {
  ...fromCatalog('pgbackrest'),
  requiredTools: ['pgbackrest'],
  options: PGBACKREST_OPTIONS,
  validate,
  backup,
  restore,
  verify,
  expire,
  check,
  info,
};

registerEngine(pgBackRestEngine);
