/**
 * Real database and storage servers for integration tests, started on loopback with data under a
 * temporary directory and stopped after. Nothing here skips: a missing tool throws with the
 * command that installs it (scripts/install-system-deps.sh).
 */
import { execFileSync, spawn, spawnSync, ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL_HINT = 'run `sudo bash scripts/install-system-deps.sh` (Debian 12) to install it';
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Throws a clear error when a required binary is not installed. Never skips. */
export function requireTool(path: string): string {
  const found = path.startsWith('/') ? (existsSync(path) ? path : '') : whichSync(path);
  if (!found) throw new Error(`required tool '${path}' is not installed: ${INSTALL_HINT}`);
  return found;
}

function whichSync(cmd: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

const isRoot = process.getuid?.() === 0;

/** Prefix that runs a command as the given system user when we are root (servers refuse root). */
export function asUser(user: string, cmd: string[]): string[] {
  if (!isRoot) return cmd;
  return ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--clear-groups', '--', ...cmd];
}

/** A temporary directory owned by the service user (when root), removed by the caller. */
export function serviceTempDir(prefix: string, user: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  if (isRoot) chownRecursive(dir, user);
  return dir;
}

export function chownRecursive(path: string, user: string): void {
  if (!isRoot) return;
  execFileSync('chown', ['-R', `${user}:${user}`, path]);
}

async function waitFor(what: string, probe: () => boolean, timeoutMs = 60000, proc?: ChildProcess, log?: () => string): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (probe()) return;
    if (proc && proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode} before it was ready\n${log?.() ?? ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms\n${log?.() ?? ''}`);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL 15

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dataDir: string;
  readonly socketDir: string;
  /** Root of everything this server wrote (data, sockets, logs). */
  readonly baseDir: string;
  /** Runs SQL through psql as the superuser and returns stdout (tuples only, unaligned). */
  psql(sql: string, database?: string): string;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Extra lines for postgresql.conf (archive_command and the like). */
  readonly extraConf?: string;
  /** Start from an existing data directory instead of initdb (for restored copies). */
  readonly dataDir?: string;
  readonly port?: number;
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresServer> {
  requireTool(`${PG_BIN}/initdb`);
  const baseDir = serviceTempDir('pg-', 'postgres');
  const socketDir = join(baseDir, 'sock');
  mkdirSync(socketDir);
  chownRecursive(socketDir, 'postgres');
  const password = 'pw-' + Math.random().toString(36).slice(2);
  const dataDir = opts.dataDir ?? join(baseDir, 'data');
  if (!opts.dataDir) {
    const pwfile = join(baseDir, 'pwfile');
    writeFileSync(pwfile, password + '\n');
    chownRecursive(pwfile, 'postgres');
    const init = asUser('postgres', [`${PG_BIN}/initdb`, '-D', dataDir, '-U', 'postgres', '--auth-local=trust',
      '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync']);
    execFileSync(init[0], init.slice(1), { stdio: 'pipe' });
    rmSync(pwfile);
  }
  const port = opts.port ?? (await freePort());
  const logFile = join(baseDir, 'postgres.log');
  const conf = [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${socketDir}'`,
    'fsync = off',
    'full_page_writes = on',
    'wal_level = replica',
    'max_wal_senders = 4',
    opts.extraConf ?? '',
  ].join('\n');
  writeFileSync(join(baseDir, 'override.conf'), conf + '\n');
  chownRecursive(baseDir, 'postgres');
  // The overrides live outside the data directory; the data directory includes them.
  const overrideLine = `include_if_exists = '${join(baseDir, 'override.conf')}'`;
  execFileSync('sh', ['-c', `echo "${overrideLine}" >> '${join(dataDir, 'postgresql.conf')}'`]);
  const startCmd = asUser('postgres', [`${PG_BIN}/pg_ctl`, '-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
  const r = spawnSync(startCmd[0], startCmd.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) {
    const log = existsSync(logFile) ? execFileSync('tail', ['-n', '30', logFile], { encoding: 'utf8' }) : '';
    throw new Error(`PostgreSQL did not start (pg_ctl exit ${r.status}): ${r.stderr}\n${log}`);
  }
  const server: PostgresServer = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    dataDir,
    socketDir,
    baseDir,
    psql(sql: string, database = 'postgres'): string {
      const res = spawnSync('psql', ['-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', database, '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`psql failed: ${res.stderr}`);
      return res.stdout.trim();
    },
    async stop(): Promise<void> {
      const s = asUser('postgres', [`${PG_BIN}/pg_ctl`, '-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      spawnSync(s[0], s.slice(1), { stdio: 'ignore' });
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
  return server;
}

// ---------------------------------------------------------------------------------------------
// MariaDB 10.11

export interface MariaDbServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dataDir: string;
  readonly socket: string;
  readonly baseDir: string;
  /** The my.cnf the server runs with (mariabackup needs it as --defaults-file, first argument). */
  readonly defaultsFile: string;
  /** Runs SQL through the mariadb client as root and returns stdout (batch, no headers). */
  sql(sql: string, database?: string): string;
  stop(): Promise<void>;
}

export interface MariaDbOptions {
  /** Start from an existing (prepared, restored) data directory instead of a new one. */
  readonly dataDir?: string;
  readonly extraConf?: string;
}

export async function startMariaDb(opts: MariaDbOptions = {}): Promise<MariaDbServer> {
  requireTool('/usr/sbin/mariadbd');
  requireTool('mariadb-install-db');
  const baseDir = serviceTempDir('mariadb-', 'mysql');
  const dataDir = opts.dataDir ?? join(baseDir, 'data');
  const socket = join(baseDir, 'mysqld.sock');
  const port = await freePort();
  const password = 'pw-' + Math.random().toString(36).slice(2);
  const defaultsFile = join(baseDir, 'my.cnf');
  writeFileSync(defaultsFile, [
    '[mysqld]',
    `datadir=${dataDir}`,
    `socket=${socket}`,
    `port=${port}`,
    'bind-address=127.0.0.1',
    `pid-file=${join(baseDir, 'mysqld.pid')}`,
    `log-error=${join(baseDir, 'error.log')}`,
    `log-bin=${join(baseDir, 'binlog', 'mysql-bin')}`,
    'server-id=1',
    'binlog_format=ROW',
    'innodb_buffer_pool_size=128M',
    'innodb_log_file_size=48M',
    'innodb_flush_log_at_trx_commit=2',
    'skip-name-resolve',
    opts.extraConf ?? '',
    '[client]',
    `socket=${socket}`,
    `port=${port}`,
    '',
  ].join('\n'));
  mkdirSync(join(baseDir, 'binlog'));
  chownRecursive(baseDir, 'mysql');
  if (!opts.dataDir) {
    const r = spawnSync('mariadb-install-db', [`--defaults-file=${defaultsFile}`, `--datadir=${dataDir}`, '--user=mysql', '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mariadb-install-db failed: ${r.stderr}`);
  } else {
    chownRecursive(dataDir, 'mysql');
  }
  const cmd = asUser('mysql', ['/usr/sbin/mariadbd', `--defaults-file=${defaultsFile}`]);
  const proc = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore', detached: false });
  const errLog = () => (existsSync(join(baseDir, 'error.log')) ? execFileSync('tail', ['-n', '30', join(baseDir, 'error.log')], { encoding: 'utf8' }) : '');
  await waitFor('mariadbd', () => spawnSync('mariadb-admin', [`--socket=${socket}`, '-uroot', ...(opts.dataDir ? [] : []), 'ping'], { stdio: 'ignore' }).status === 0
    || spawnSync('mariadb-admin', [`--socket=${socket}`, '-uroot', `-p${password}`, 'ping'], { stdio: 'ignore' }).status === 0, 60000, proc, errLog);
  const run = (sql: string, database?: string, pw?: string) => spawnSync('mariadb', [`--socket=${socket}`, '-uroot', ...(pw ? [`-p${pw}`] : []), '--batch', '--skip-column-names', ...(database ? [database] : []), '-e', sql], { encoding: 'utf8' });
  if (!opts.dataDir) {
    const r = run(`ALTER USER 'root'@'localhost' IDENTIFIED BY '${password}'; CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;`);
    if (r.status !== 0) throw new Error(`could not set the MariaDB root password: ${r.stderr}`);
  }
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    user: 'root',
    password,
    dataDir,
    socket,
    baseDir,
    defaultsFile,
    sql(sql: string, database?: string): string {
      const r = run(sql, database, password);
      if (r.status !== 0) throw new Error(`mariadb failed: ${r.stderr}`);
      return r.stdout.trim();
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      proc.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const t = setTimeout(() => { proc.kill('SIGKILL'); resolve(); }, 20000);
        proc.on('exit', () => { clearTimeout(t); resolve(); });
      });
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// S3-compatible server (s3rver over HTTPS with a self-signed cert for 127.0.0.1), with the
// multipart listing/abort real S3 has (s3rver-multipart-hook.js) and a request log.

export interface S3Server {
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** PEM of the self-signed CA/cert, for clients that verify TLS (pgBackRest: repo1-storage-ca-file). */
  readonly caFile: string;
  readonly baseDir: string;
  /** The s3rver data directory (buckets are folders in it). */
  readonly dataDir: string;
  /** Process id of the server (the benchmark reads its CPU time). */
  readonly pid: number;
  createBucket(name: string): Promise<void>;
  /** One entry per request: method, path, query keys, checksum algorithm and checksum (header or trailer). */
  requests(): { method: string; path: string; query: string[]; checksumAlgorithm: string | null; checksum: string | null }[];
  /** SIGKILLs the server (the endpoint goes down mid-request); the data stays until stop(). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startS3(): Promise<S3Server> {
  requireTool('openssl');
  const baseDir = mkdtempSync(join(tmpdir(), 's3-'));
  chmodSync(baseDir, 0o755);
  const key = join(baseDir, 'key.pem');
  const cert = join(baseDir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost'], { stdio: 'pipe' });
  chmodSync(cert, 0o644);
  const dataDir = join(baseDir, 'data');
  mkdirSync(dataDir);
  const port = await freePort();
  const requestLog = join(baseDir, 'requests.jsonl');
  // s3rver runs in its own process so a test can kill it mid-upload (the "S3 down" fault).
  const script = `
    require(${JSON.stringify(join(__dirname, 's3rver-multipart-hook.js'))});
    const S3rver = require('s3rver');
    const fs = require('fs');
    new S3rver({ address: '127.0.0.1', port: ${port}, silent: true, directory: ${JSON.stringify(dataDir)},
      key: fs.readFileSync(${JSON.stringify(key)}), cert: fs.readFileSync(${JSON.stringify(cert)}) })
      .run().then(() => process.send && process.send('ready'));
  `;
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: join(__dirname, '..', '..'),
    env: { ...process.env, S3_REQUEST_LOG: requestLog } });
  let stderr = '';
  proc.stderr?.on('data', (d) => { stderr += String(d); });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`s3rver did not start: ${stderr}`)), 30000);
    proc.on('message', (m) => { if (m === 'ready') { clearTimeout(t); resolve(); } });
    proc.on('exit', (code) => { clearTimeout(t); reject(new Error(`s3rver exited with ${code}: ${stderr}`)); });
  });
  let stopping = false;
  proc.on('exit', (code, signal) => {
    // A test double that dies on its own must say why, or the test only sees ECONNREFUSED.
    if (!stopping) console.error(`test S3 server (port ${port}) exited unexpectedly (${signal ?? code}): ${stderr.slice(-4000)}`);
  });
  const kill = async () => {
    stopping = true;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    }
  };
  return {
    endpoint: `https://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    region: 'us-east-1',
    // s3rver's built-in credentials.
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    caFile: cert,
    baseDir,
    dataDir,
    pid: proc.pid!,
    async createBucket(name: string): Promise<void> {
      // s3rver creates a bucket on PUT /bucket.
      await new Promise<void>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, method: 'PUT', path: `/${name}`, ca: readFileSync(cert) }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`create bucket ${name}: HTTP ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end();
      });
    },
    kill,
    requests() {
      return existsSync(requestLog) ? readFileSync(requestLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
    },
    async stop(): Promise<void> {
      await kill();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}
