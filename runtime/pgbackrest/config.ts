/**
 * pgBackRest configuration for both sides of a self-managed PostgreSQL deployment, rendered from
 * one settings object so the runner (repository host) and the database host cannot drift.
 *
 * Pure TypeScript: no CDK import. The runner CLI (runner/src/engines/pgbackrest.ts) and the
 * BackupRunner construct (lib/runner/backup-runner.ts) both import this file; the construct
 * publishes `renderDbHostConfig()` / `renderArchiveCommand()` and passes the settings to the
 * runner task as JSON (`PGBACKREST_RUNNER_ENV.settings`), which the runner validates with the same
 * `pgBackRestSettingsProblems()`.
 *
 * Secrets never appear here: the repository cipher passphrase (and, without an instance profile,
 * S3 keys) reach pgBackRest through environment variables on the runner and through a
 * `conf.d/` include file on the database host that the operator fills from Secrets Manager.
 */

/**
 * Runner environment variables of the pgbackrest engine (the runner's options
 * `--pgbackrest-settings` and the environment-only secrets), shared with the construct.
 */
export const PGBACKREST_RUNNER_ENV = {
  /** JSON-encoded {@link PgBackRestSettings} (no secrets). */
  settings: 'RUNNER_PGBACKREST_SETTINGS',
  /** Repository cipher passphrase (secret; passed to pgBackRest as PGBACKREST_REPO1_CIPHER_PASS). */
  cipherPass: 'RUNNER_PGBACKREST_CIPHER_PASS',
  /** PEM of the CA that signed the database host's TLS server certificate. */
  tlsCa: 'RUNNER_PGBACKREST_TLS_CA',
  /** PEM of the runner's TLS client certificate. */
  tlsClientCert: 'RUNNER_PGBACKREST_TLS_CLIENT_CERT',
  /** PEM of the runner's TLS client key (secret). */
  tlsClientKey: 'RUNNER_PGBACKREST_TLS_CLIENT_KEY',
} as const;
/** Environment variables pgBackRest itself reads; the runner sets them for the child, never argv. */
export const PGBACKREST_TOOL_ENV = {
  cipherPass: 'PGBACKREST_REPO1_CIPHER_PASS',
  s3Key: 'PGBACKREST_REPO1_S3_KEY',
  s3KeySecret: 'PGBACKREST_REPO1_S3_KEY_SECRET',
  s3Token: 'PGBACKREST_REPO1_S3_TOKEN',
} as const;

/** Default TCP port of `pgbackrest server` on the database host. */
export const DEFAULT_TLS_SERVER_PORT = 8432;
/** Common name of the runner's TLS client certificate, authorised by the database host. */
export const DEFAULT_RUNNER_CLIENT_CN = 'pgbackrest-runner';

/** The S3 repository (the BackupBucket) both sides write to. */
export interface PgBackRestS3Repository {
  /** Bucket name. */
  readonly bucket: string;
  /** Bucket region. */
  readonly region: string;
  /**
   * Path inside the bucket where pgBackRest keeps `archive/` and `backup/`.
   * @default '/pgbackrest'
   */
  readonly path?: string;
  /**
   * S3 endpoint host name (no scheme, no port).
   * @default 's3.<region>.amazonaws.com'
   */
  readonly endpoint?: string;
  /**
   * Endpoint TCP port.
   * @default 443
   */
  readonly port?: number;
  /**
   * Use path-style URIs (needed for S3-compatible servers addressed by IP).
   * @default false (virtual-host style, as AWS recommends)
   */
  readonly pathStyle?: boolean;
  /**
   * CA bundle that signs the endpoint's certificate (tests with a local S3 server).
   * @default - the system trust store
   */
  readonly caFile?: string;
  /**
   * KMS key id for SSE-KMS on objects pgBackRest writes.
   * @default - the bucket's default encryption applies
   */
  readonly kmsKeyId?: string;
}

/**
 * A posix repository: a file system path, e.g. an EFS volume mounted at the same path into the
 * runner task and on the database host (which pushes WAL to it with archive-push), or a local
 * volume when the runner runs on the database host (`--pgbackrest-local`).
 */
export interface PgBackRestPosixRepository {
  /** Absolute path of the repository directory (pgBackRest keeps `archive/` and `backup/` in it). */
  readonly path: string;
}

/** Repository types the settings accept (`repositoryType`). */
export const PGBACKREST_REPOSITORY_TYPES = ['s3', 'posix'] as const;
/** Compression types pgBackRest 2.45 offers, with the levels each accepts. */
export const PGBACKREST_COMPRESS_LEVELS: Readonly<Record<string, readonly [number, number]>> = {
  zst: [-7, 22],
  lz4: [-5, 12],
  gz: [0, 9],
  bz2: [1, 9],
  none: [0, 0],
};
/** Product defaults: zstd level 3 (pgBackRest's own zst default). Level 1 trades ~10% size for speed. */
export const DEFAULT_COMPRESS_TYPE = 'zst';
export const DEFAULT_COMPRESS_LEVEL = 3;

/** The database host: where PostgreSQL and `pgbackrest server` run. */
export interface PgBackRestDatabaseHost {
  /** Address the runner connects to (DNS name or IP of the database host). */
  readonly address: string;
  /**
   * Port of `pgbackrest server` (TLS).
   * @default 8432
   */
  readonly tlsPort?: number;
  /** PostgreSQL data directory on the database host. */
  readonly pgPath: string;
  /**
   * PostgreSQL port.
   * @default 5432
   */
  readonly pgPort?: number;
  /**
   * PostgreSQL unix socket directory on the database host.
   * @default '/var/run/postgresql'
   */
  readonly socketPath?: string;
  /**
   * pgBackRest configuration directory on the database host: `pgbackrest.conf` plus `conf.d/`,
   * where the operator puts the cipher passphrase file (mode 0600, owned by postgres).
   * @default '/etc/pgbackrest'
   */
  readonly configPath?: string;
  /**
   * TLS server certificate of `pgbackrest server` on the database host.
   * @default '<configPath>/tls/server.crt'
   */
  readonly serverCertFile?: string;
  /**
   * Its private key (mode 0600, owner postgres).
   * @default '<configPath>/tls/server.key'
   */
  readonly serverKeyFile?: string;
  /**
   * CA that signed the runner's client certificate (and the server's).
   * @default '<configPath>/tls/ca.crt'
   */
  readonly caFile?: string;
  /**
   * Common name of the runner's client certificate that the server accepts for this stanza.
   * @default 'pgbackrest-runner'
   */
  readonly runnerClientCommonName?: string;
  /**
   * Let pgBackRest on the database host take S3 credentials from the EC2 instance profile
   * (`repo1-s3-key-type=auto`). When false, keys go into the `conf.d/` secrets file.
   * @default true
   */
  readonly instanceProfileCredentials?: boolean;
  /**
   * Lock directory on the database host.
   * @default - pgBackRest's default (/tmp/pgbackrest)
   */
  readonly lockPath?: string;
  /**
   * Log directory on the database host.
   * @default - pgBackRest's default (/var/log/pgbackrest)
   */
  readonly logPath?: string;
  /**
   * Spool directory on the database host.
   * @default - pgBackRest's default (/var/spool/pgbackrest)
   */
  readonly spoolPath?: string;
}

/** Everything both sides need, from which both configurations are rendered. */
export interface PgBackRestSettings {
  /** Stanza name (letters, digits, '-', '_'). */
  readonly stanza: string;
  /**
   * Where the repository lives: 's3' (`repository`) or 'posix' (`posixRepository`).
   * @default 's3'
   */
  readonly repositoryType?: string;
  /** The S3 repository; used when `repositoryType` is 's3' and ignored for 'posix'. */
  readonly repository: PgBackRestS3Repository;
  /**
   * The posix repository; required when `repositoryType` is 'posix'.
   * @default - none (S3 repository)
   */
  readonly posixRepository?: PgBackRestPosixRepository;
  readonly databaseHost: PgBackRestDatabaseHost;
  /**
   * Compression of backups and archived WAL: 'zst', 'lz4', 'gz', 'bz2' or 'none'.
   * @default 'zst'
   */
  readonly compressType?: string;
  /**
   * Compression level (zst -7..22, lz4 -5..12, gz 0..9, bz2 1..9, none 0). Level 1 of zst is the
   * speed setting (the benchmark uses it); 3 balances size and CPU.
   * @default 3 for zst; pgBackRest's default for the other types
   */
  readonly compressLevel?: number;
  /**
   * Parallel processes for backup/restore transfer and compression.
   * @default 2
   */
  readonly processMax?: number;
  /**
   * Full backups to keep (`repo1-retention-full`), used by `expire`.
   * @default 2
   */
  readonly retentionFull?: number;
  /**
   * Differential backups to keep (`repo1-retention-diff`).
   * @default - pgBackRest's default (as many as the full backups they depend on)
   */
  readonly retentionDiff?: number;
}

/** Where the runner keeps its working files for one job (a private temp directory). */
export interface PgBackRestRunnerPaths {
  readonly lockPath: string;
  readonly logPath: string;
  readonly spoolPath: string;
  /** TLS client files written from the PGBACKREST_TLS_* environment (mode 0600). */
  readonly tlsCaFile?: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  /**
   * Render repo1-retention-*. Only the expire job sets it: with retention set, pgBackRest expires
   * right after every backup, and the backup task's role cannot (and must not) delete.
   * @default false
   */
  readonly applyRetention?: boolean;
}

const STANZA_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A CDK token rendered into a string; validated at deploy time, not here. */
function isToken(v: unknown): boolean {
  return typeof v === 'string' && v.includes('${Token[');
}

function badChars(v: string): boolean {
  // A newline or '#' inside a value would inject lines or comments into pgbackrest.conf.
  return /[\r\n#\0]/.test(v);
}

/** Every problem in the settings, each naming the field and the bad value. Empty when valid. */
export function pgBackRestSettingsProblems(s: PgBackRestSettings | undefined): string[] {
  const problems: string[] = [];
  if (!s || typeof s !== 'object') return ['pgBackRest settings are missing'];
  const str = (field: string, v: unknown, required: boolean) => {
    if (v === undefined || v === null || v === '') {
      if (required) problems.push(`${field} is required`);
      return;
    }
    if (typeof v !== 'string') problems.push(`${field} must be a string, got ${JSON.stringify(v)}`);
    else if (!isToken(v) && badChars(v)) problems.push(`${field} must not contain newlines or '#', got ${JSON.stringify(v)}`);
  };
  const abs = (field: string, v: unknown) => {
    if (typeof v === 'string' && !isToken(v) && !v.startsWith('/')) problems.push(`${field} must be an absolute path, got ${JSON.stringify(v)}`);
  };
  const int = (field: string, v: unknown, min: number, max: number) => {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
  };
  if (typeof s.stanza !== 'string' || !STANZA_RE.test(s.stanza)) {
    problems.push(`stanza must be 1-64 letters, digits, '-' or '_' starting with a letter or digit, got ${JSON.stringify(s.stanza)}`);
  }
  const type = s.repositoryType ?? 's3';
  if (!(PGBACKREST_REPOSITORY_TYPES as readonly string[]).includes(type)) {
    problems.push(`repositoryType must be one of ${PGBACKREST_REPOSITORY_TYPES.join(', ')}, got ${JSON.stringify(s.repositoryType)}`);
  }
  if (type === 'posix') {
    const pr = s.posixRepository;
    if (!pr || typeof pr !== 'object') problems.push("posixRepository is required when repositoryType is 'posix'");
    else {
      str('posixRepository.path', pr.path, true);
      abs('posixRepository.path', pr.path);
      if (typeof pr.path === 'string' && /^\/+$/.test(pr.path)) problems.push(`posixRepository.path must not be the root directory, got ${JSON.stringify(pr.path)}`);
    }
  }
  const r = s.repository;
  if (type !== 's3') {
    // The S3 fields are not used by a posix repository.
  } else if (!r || typeof r !== 'object') {
    problems.push('repository is required');
  } else {
    str('repository.bucket', r.bucket, true);
    str('repository.region', r.region, true);
    str('repository.path', r.path, false);
    abs('repository.path', r.path);
    str('repository.endpoint', r.endpoint, false);
    if (typeof r.endpoint === 'string' && /^[a-z]+:\/\/|:\d+$/i.test(r.endpoint)) {
      problems.push(`repository.endpoint must be a host name without scheme or port (use repository.port), got ${JSON.stringify(r.endpoint)}`);
    }
    int('repository.port', r.port, 1, 65535);
    str('repository.caFile', r.caFile, false);
    abs('repository.caFile', r.caFile);
    str('repository.kmsKeyId', r.kmsKeyId, false);
  }
  const d = s.databaseHost;
  if (!d || typeof d !== 'object') {
    problems.push('databaseHost is required');
  } else {
    str('databaseHost.address', d.address, true);
    int('databaseHost.tlsPort', d.tlsPort, 1, 65535);
    str('databaseHost.pgPath', d.pgPath, true);
    abs('databaseHost.pgPath', d.pgPath);
    int('databaseHost.pgPort', d.pgPort, 1, 65535);
    for (const f of ['socketPath', 'configPath', 'serverCertFile', 'serverKeyFile', 'caFile', 'lockPath', 'logPath', 'spoolPath'] as const) {
      str(`databaseHost.${f}`, d[f], false);
      abs(`databaseHost.${f}`, d[f]);
    }
    str('databaseHost.runnerClientCommonName', d.runnerClientCommonName, false);
    if (typeof d.runnerClientCommonName === 'string' && /[=,:\s]/.test(d.runnerClientCommonName)) {
      problems.push(`databaseHost.runnerClientCommonName must not contain '=', ',', ':' or spaces, got ${JSON.stringify(d.runnerClientCommonName)}`);
    }
  }
  const ctype = s.compressType ?? DEFAULT_COMPRESS_TYPE;
  const range = typeof ctype === 'string' ? PGBACKREST_COMPRESS_LEVELS[ctype] : undefined;
  if (!range) {
    problems.push(`compressType must be one of ${Object.keys(PGBACKREST_COMPRESS_LEVELS).join(', ')}, got ${JSON.stringify(s.compressType)}`);
  } else {
    int('compressLevel', s.compressLevel, range[0], range[1]);
  }
  int('processMax', s.processMax, 1, 64);
  int('retentionFull', s.retentionFull, 1, 9999999);
  int('retentionDiff', s.retentionDiff, 1, 9999999);
  return problems;
}

function dbConfigPath(s: PgBackRestSettings): string {
  return s.databaseHost.configPath ?? '/etc/pgbackrest';
}

/** True when the settings describe a posix repository. */
export function isPosixRepository(s: PgBackRestSettings): boolean {
  return s.repositoryType === 'posix';
}

function compressLines(s: PgBackRestSettings): string[] {
  const type = s.compressType ?? DEFAULT_COMPRESS_TYPE;
  const level = s.compressLevel ?? (type === DEFAULT_COMPRESS_TYPE ? DEFAULT_COMPRESS_LEVEL : undefined);
  return [`compress-type=${type}`, ...(level !== undefined ? [`compress-level=${level}`] : [])];
}

function repoLines(s: PgBackRestSettings): string[] {
  if (isPosixRepository(s)) {
    return [
      'repo1-type=posix',
      `repo1-path=${s.posixRepository!.path}`,
      // The passphrase itself is never rendered, as for S3.
      'repo1-cipher-type=aes-256-cbc',
      ...compressLines(s),
    ];
  }
  const r = s.repository;
  const lines = [
    'repo1-type=s3',
    `repo1-path=${r.path ?? '/pgbackrest'}`,
    `repo1-s3-bucket=${r.bucket}`,
    `repo1-s3-region=${r.region}`,
    `repo1-s3-endpoint=${r.endpoint ?? `s3.${r.region}.amazonaws.com`}`,
    `repo1-s3-uri-style=${r.pathStyle ? 'path' : 'host'}`,
  ];
  if (r.port !== undefined) lines.push(`repo1-storage-port=${r.port}`);
  if (r.caFile) lines.push(`repo1-storage-ca-file=${r.caFile}`);
  if (r.kmsKeyId) lines.push(`repo1-s3-kms-key-id=${r.kmsKeyId}`);
  // The passphrase itself is never rendered: PGBACKREST_REPO1_CIPHER_PASS (runner) or conf.d (DB host).
  lines.push('repo1-cipher-type=aes-256-cbc');
  lines.push(...compressLines(s));
  return lines;
}

function pgLines(s: PgBackRestSettings): string[] {
  const d = s.databaseHost;
  return [
    `pg1-path=${d.pgPath}`,
    `pg1-port=${d.pgPort ?? 5432}`,
    `pg1-socket-path=${d.socketPath ?? '/var/run/postgresql'}`,
  ];
}

/**
 * pgbackrest.conf for the runner acting as repository host: it reaches the database host's
 * `pgbackrest server` over TLS with its client certificate and writes backups to S3.
 */
export function renderRepoHostConfig(s: PgBackRestSettings, paths: PgBackRestRunnerPaths): string {
  const d = s.databaseHost;
  const global = [
    ...repoLines(s),
    ...retentionLines(s, paths),
    `process-max=${s.processMax ?? 2}`,
    'start-fast=y',
    `lock-path=${paths.lockPath}`,
    `log-path=${paths.logPath}`,
    `spool-path=${paths.spoolPath}`,
    'log-level-file=off',
  ];
  const stanza = [
    `pg1-host=${d.address}`,
    'pg1-host-type=tls',
    `pg1-host-port=${d.tlsPort ?? DEFAULT_TLS_SERVER_PORT}`,
    ...(paths.tlsCaFile ? [`pg1-host-ca-file=${paths.tlsCaFile}`] : []),
    ...(paths.tlsCertFile ? [`pg1-host-cert-file=${paths.tlsCertFile}`] : []),
    ...(paths.tlsKeyFile ? [`pg1-host-key-file=${paths.tlsKeyFile}`] : []),
    // Sent to the remote with each request: the DB host's own paths, not the runner's.
    ...pgLines(s),
  ];
  return section('global', global) + '\n' + section(s.stanza, stanza);
}

/**
 * pgbackrest.conf for a runner that works on a local data directory (`pg1-path` local): restores
 * into a target directory, or backups when the runner runs on the database host itself.
 */
export function renderLocalConfig(s: PgBackRestSettings, paths: PgBackRestRunnerPaths, pgPath: string, pgPort?: number, socketPath?: string): string {
  const global = [
    ...repoLines(s),
    ...retentionLines(s, paths),
    `process-max=${s.processMax ?? 2}`,
    'start-fast=y',
    `lock-path=${paths.lockPath}`,
    `log-path=${paths.logPath}`,
    `spool-path=${paths.spoolPath}`,
    'log-level-file=off',
  ];
  const stanza = [
    `pg1-path=${pgPath}`,
    `pg1-port=${pgPort ?? s.databaseHost.pgPort ?? 5432}`,
    `pg1-socket-path=${socketPath ?? s.databaseHost.socketPath ?? '/var/run/postgresql'}`,
  ];
  return section('global', global) + '\n' + section(s.stanza, stanza);
}

/**
 * pgbackrest.conf for the database host (`<configPath>/pgbackrest.conf`): `archive-push` from
 * archive_command straight to S3, and `pgbackrest server` over TLS for the runner. Holds no
 * secret, so it may be published (SSM parameter, stack output).
 */
export function renderDbHostConfig(s: PgBackRestSettings): string {
  const d = s.databaseHost;
  const cfg = dbConfigPath(s);
  const global = [
    ...repoLines(s),
    // Instance profile on EC2; otherwise keys come from conf.d/ (see dbHostSecretsFileHint).
    ...(d.instanceProfileCredentials === false || isPosixRepository(s) ? [] : ['repo1-s3-key-type=auto']),
    ...(d.lockPath ? [`lock-path=${d.lockPath}`] : []),
    ...(d.logPath ? [`log-path=${d.logPath}`] : []),
    ...(d.spoolPath ? [`spool-path=${d.spoolPath}`] : []),
    'tls-server-address=*',
    `tls-server-port=${d.tlsPort ?? DEFAULT_TLS_SERVER_PORT}`,
    `tls-server-cert-file=${d.serverCertFile ?? `${cfg}/tls/server.crt`}`,
    `tls-server-key-file=${d.serverKeyFile ?? `${cfg}/tls/server.key`}`,
    `tls-server-ca-file=${d.caFile ?? `${cfg}/tls/ca.crt`}`,
    // Only the runner's certificate, and only for this stanza.
    `tls-server-auth=${d.runnerClientCommonName ?? DEFAULT_RUNNER_CLIENT_CN}=${s.stanza}`,
  ];
  return section('global', global) + '\n' + section(s.stanza, pgLines(s));
}

/** PostgreSQL `archive_command` on the database host: pushes each WAL segment to the S3 repository. */
export function renderArchiveCommand(s: PgBackRestSettings): string {
  return `pgbackrest --config-path=${dbConfigPath(s)} --stanza=${s.stanza} archive-push %p`;
}

/** PostgreSQL `restore_command` on the database host (recovery reads WAL back from S3). */
export function renderRestoreCommand(s: PgBackRestSettings): string {
  return `pgbackrest --config-path=${dbConfigPath(s)} --stanza=${s.stanza} archive-get %f "%p"`;
}

/** Command line that starts the TLS server on the database host (e.g. in a systemd unit). */
export function renderServerCommand(s: PgBackRestSettings): string {
  return `pgbackrest --config-path=${dbConfigPath(s)} server`;
}

/**
 * What the operator puts in `<configPath>/conf.d/secrets.conf` (values from Secrets Manager;
 * mode 0600, owner postgres). Returns the file's shape with placeholders, never values.
 */
export function dbHostSecretsFileHint(s: PgBackRestSettings): string {
  const lines = ['[global]', 'repo1-cipher-pass=<repository cipher passphrase from Secrets Manager>'];
  if (s.databaseHost.instanceProfileCredentials === false && !isPosixRepository(s)) {
    lines.push('repo1-s3-key=<access key id>', 'repo1-s3-key-secret=<secret access key>');
  }
  return `# ${dbConfigPath(s)}/conf.d/secrets.conf (mode 0600, owner postgres)\n${lines.join('\n')}\n`;
}

/** The S3 key prefixes (no leading slash) pgBackRest uses for this stanza, for IAM scoping. */
export function repositoryPrefixes(s: PgBackRestSettings): { archive: string; backup: string; root: string } {
  const root = (s.repository.path ?? '/pgbackrest').replace(/^\/+/, '').replace(/\/+$/, '');
  const join = (...p: string[]) => p.filter((x) => x !== '').join('/');
  return { root, archive: join(root, 'archive', s.stanza), backup: join(root, 'backup', s.stanza) };
}

function retentionLines(s: PgBackRestSettings, paths: PgBackRestRunnerPaths): string[] {
  if (!paths.applyRetention) return [];
  return [
    `repo1-retention-full=${s.retentionFull ?? 2}`,
    ...(s.retentionDiff !== undefined ? [`repo1-retention-diff=${s.retentionDiff}`] : []),
  ];
}

function section(name: string, lines: string[]): string {
  return `[${name}]\n${lines.join('\n')}\n`;
}
