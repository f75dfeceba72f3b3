/**
 * wal-g engine (PostgreSQL): remote `backup-push` over the replication protocol, `wal-receive`
 * (continuous WAL streaming through a replication slot, no agent on the database host), and
 * `backup-fetch` restores, into the BackupBucket. wal-g cannot be installed on the machines this
 * library is tested on: the command lines and environment are built by the pure functions below
 * and tested exactly, and a missing wal-g fails with exit 2, a clear message and a failure metric.
 *
 * Secrets (PGPASSWORD, the libsodium key) go to wal-g through its environment, never argv. S3
 * credentials are not copied: wal-g's AWS SDK reads the ECS task role itself
 * (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), which is passed through.
 */
import { ConfigurationError } from '../../../runtime/errors';
import { Readable } from 'node:stream';
import type { BackupResult, Engine, JobContext, VerifyResult } from '../core/engine';
import { StorageError, VerificationError } from '../core/errors';
import type { Command, OptionSpec, Options } from '../core/options';
import { fromCatalog, registerEngine } from '../core/registry';
import { checkTargetDir } from '../core/target-dir';

export const WALG_OPTIONS: readonly OptionSpec[] = [
  { name: 'walg-compression', kind: 'string', default: 'zstd', choices: ['zstd', 'lz4', 'lzma', 'brotli'],
    description: 'wal-g compression method (WALG_COMPRESSION_METHOD).' },
  { name: 'walg-libsodium-key', kind: 'secret', env: 'RUNNER_WALG_LIBSODIUM_KEY', requiredFor: ['backup', 'restore', 'verify', 'expire', 'info'],
    description: 'libsodium encryption key (32 bytes, encoded per --walg-libsodium-key-transform), environment only.' },
  { name: 'walg-libsodium-key-transform', kind: 'string', default: 'base64', choices: ['base64', 'hex', 'none'],
    description: 'Encoding of RUNNER_WALG_LIBSODIUM_KEY (WALG_LIBSODIUM_KEY_TRANSFORM).' },
  { name: 'walg-upload-concurrency', kind: 'int', default: '2', min: 1, description: 'Parallel uploads (WALG_UPLOAD_CONCURRENCY).' },
  { name: 'walg-delta-max-steps', kind: 'int', default: '6', min: 1,
    description: 'incr backups: delta backups allowed before a full one (WALG_DELTA_MAX_STEPS).' },
  { name: 'walg-slot-name', kind: 'string', default: 'walg', description: 'wal-receive: replication slot (WALG_SLOTNAME).' },
  { name: 'walg-retain-full', kind: 'int', min: 1, description: 'expire: full backups to keep (`wal-g delete retain FULL n --confirm`); --retain-count means the same.' },
  { name: 'target-dir', kind: 'path', requiredFor: ['restore'], description: 'restore: empty or missing data directory for backup-fetch.' },
];

/** Everything the wal-g environment is built from (resolved flags; secrets included). */
export interface WalgEnvInput {
  readonly bucket: string;
  /** Key prefix of this database's wal-g repository inside the bucket (no leading or trailing slash). */
  readonly repositoryPrefix: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly caFile?: string;
  readonly compression: string;
  readonly libsodiumKey: string;
  readonly libsodiumKeyTransform: string;
  readonly uploadConcurrency: number;
  readonly deltaMaxSteps?: number;
  readonly slotName?: string;
  readonly dbHost?: string;
  readonly dbPort?: number;
  readonly dbUser?: string;
  readonly dbName?: string;
  readonly dbPassword?: string;
  /** The runner's own environment, from which AWS credential variables are passed through. */
  readonly parentEnv: NodeJS.ProcessEnv;
}

/** AWS variables wal-g's SDK needs to find the task role (or explicit keys in tests). */
const AWS_PASS_THROUGH = [
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
] as const;

/** The exact environment wal-g runs with. */
export function walgEnv(i: WalgEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    WALG_S3_PREFIX: `s3://${i.bucket}/${i.repositoryPrefix}`,
    WALG_COMPRESSION_METHOD: i.compression,
    WALG_LIBSODIUM_KEY: i.libsodiumKey,
    WALG_LIBSODIUM_KEY_TRANSFORM: i.libsodiumKeyTransform,
    WALG_UPLOAD_CONCURRENCY: String(i.uploadConcurrency),
  };
  if (i.region) env.AWS_REGION = i.region;
  if (i.endpoint) {
    env.AWS_ENDPOINT = i.endpoint;
    env.AWS_S3_FORCE_PATH_STYLE = 'true';
  }
  if (i.caFile) env.WALG_S3_CA_CERT_FILE = i.caFile;
  if (i.deltaMaxSteps !== undefined) env.WALG_DELTA_MAX_STEPS = String(i.deltaMaxSteps);
  if (i.slotName) env.WALG_SLOTNAME = i.slotName;
  if (i.dbHost) env.PGHOST = i.dbHost;
  if (i.dbPort !== undefined) env.PGPORT = String(i.dbPort);
  if (i.dbUser) env.PGUSER = i.dbUser;
  if (i.dbName) env.PGDATABASE = i.dbName;
  if (i.dbPassword) env.PGPASSWORD = i.dbPassword;
  for (const k of AWS_PASS_THROUGH) if (i.parentEnv[k]) env[k] = i.parentEnv[k]!;
  return env;
}

/** `backup-push` arguments: no data directory, so wal-g takes the backup over the replication protocol. */
export function walgBackupPushArgs(type: string): string[] {
  return type === 'full' ? ['backup-push', '--full'] : ['backup-push'];
}

export function walgReceiveArgs(): string[] {
  return ['wal-receive'];
}

export function walgFetchArgs(targetDir: string, backupName?: string): string[] {
  return ['backup-fetch', targetDir, backupName ?? 'LATEST'];
}

export function walgDeleteArgs(retainFull: number): string[] {
  return ['delete', 'retain', 'FULL', String(retainFull), '--confirm'];
}

export function walgListArgs(): string[] {
  return ['backup-list', '--json', '--detail'];
}

export function walgVerifyArgs(): string[] {
  return ['wal-verify', 'integrity', 'timeline', '--json'];
}

function envFromJob(job: JobContext, options: Options = job.options): Record<string, string> {
  const bucket = options.str('s3-bucket');
  if (!bucket) throw new ConfigurationError('invalid configuration', ['--s3-bucket (or RUNNER_S3_BUCKET) is required for wal-g (it writes to S3 itself)']);
  return walgEnv({
    bucket,
    repositoryPrefix: `${job.enginePrefix}/repository`,
    region: options.str('s3-region'),
    endpoint: options.str('s3-endpoint'),
    caFile: options.str('s3-ca-file'),
    compression: options.str('walg-compression')!,
    libsodiumKey: options.requireStr('walg-libsodium-key'),
    libsodiumKeyTransform: options.str('walg-libsodium-key-transform')!,
    uploadConcurrency: options.int('walg-upload-concurrency')!,
    deltaMaxSteps: job.backupType === 'incr' ? options.int('walg-delta-max-steps') : undefined,
    slotName: job.backupType === 'wal-receive' ? options.str('walg-slot-name') : undefined,
    dbHost: options.str('db-host'),
    dbPort: options.int('db-port'),
    dbUser: options.str('db-user'),
    dbName: options.str('db-name'),
    dbPassword: options.str('db-password'),
    parentEnv: process.env,
  });
}

async function walg(job: JobContext, args: string[], label?: string): Promise<string> {
  return job.proc.run({ cmd: job.tool('wal-g'), args, env: envFromJob(job), label: label ?? `wal-g ${args[0]}`, failureKind: 'database' });
}

interface WalgBackupEntry {
  backup_name: string;
  start_lsn?: number | string;
  finish_lsn?: number | string;
  wal_file_name?: string;
  uncompressed_size?: number;
  compressed_size?: number;
  is_permanent?: boolean;
}

function parseList(text: string): WalgBackupEntry[] {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? (v as WalgBackupEntry[]) : [];
  } catch (e) {
    throw new StorageError(`wal-g backup-list did not print JSON: ${(e as Error).message}`);
  }
}

async function backup(job: JobContext): Promise<BackupResult> {
  if (!job.options.str('db-host')) throw new ConfigurationError('invalid configuration', ['--db-host (or RUNNER_DB_HOST) is required for wal-g backups']);
  await job.recordToolVersion('wal-g', ['--version']);
  if (job.backupType === 'wal-receive') {
    // Streams until the task is stopped; it never completes a backup of its own, so it writes no manifest.
    await walg(job, walgReceiveArgs());
    throw new StorageError('wal-g wal-receive ended without being stopped: the WAL stream was interrupted');
  }
  const before = new Set(parseList(await walg(job, walgListArgs())).map((b) => b.backup_name));
  await walg(job, walgBackupPushArgs(job.backupType));
  const made = parseList(await walg(job, walgListArgs())).filter((b) => !before.has(b.backup_name)).pop();
  if (!made) throw new StorageError('wal-g backup-push finished but no new backup appears in backup-list');
  await job.upload('wal-g-backup.json', Readable.from([Buffer.from(JSON.stringify(made, null, 2))]), { compress: false });
  return {
    position: { startLsn: String(made.start_lsn ?? ''), finishLsn: String(made.finish_lsn ?? ''), walFile: made.wal_file_name ?? '' },
    details: { backupName: made.backup_name, uncompressedBytes: made.uncompressed_size ?? 0, compressedBytes: made.compressed_size ?? 0 },
  };
}

async function restore(job: JobContext): Promise<void> {
  const target = job.options.requireStr('target-dir');
  checkTargetDir('--target-dir', target);
  // Always by name: --backup-id's, or the newest backup with a runner manifest. wal-g's LATEST
  // could be a backup whose runner job failed after backup-push (no manifest: not complete).
  const m = await job.selectManifest();
  const name = m.details?.backupName;
  if (typeof name !== 'string') throw new VerificationError(`the manifest of ${m.backupId} has no wal-g backup name`);
  await walg(job, walgFetchArgs(target, name));
}

async function verify(job: JobContext): Promise<VerifyResult> {
  const out = await walg(job, walgVerifyArgs());
  return { checks: [`wal-g wal-verify: ${out.trim().slice(0, 500)}`] };
}

async function expire(job: JobContext): Promise<void> {
  const n = job.options.int('walg-retain-full') ?? job.options.int('retain-count');
  if (n === undefined) throw new ConfigurationError('invalid configuration', ['--walg-retain-full (or --retain-count) is required for wal-g expire']);
  await walg(job, walgDeleteArgs(n));
}

async function info(job: JobContext): Promise<Record<string, unknown>> {
  return { backups: parseList(await walg(job, walgListArgs())) };
}

function validate(command: Command, options: Options): string[] {
  const problems: string[] = [];
  if (!options.str('s3-bucket')) problems.push('--s3-bucket (or RUNNER_S3_BUCKET) is required for wal-g: it writes to S3 itself (no --posix-repo)');
  if (command === 'backup' && !options.str('db-host')) problems.push('--db-host (or RUNNER_DB_HOST) is required for wal-g backups');
  return problems;
}

export const walgEngine: Engine = {
  ...fromCatalog('wal-g'),
  requiredTools: ['wal-g'],
  options: WALG_OPTIONS,
  validate,
  backup,
  restore,
  verify,
  expire,
  info,
};

registerEngine(walgEngine);
