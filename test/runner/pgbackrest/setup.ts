/**
 * Setup shared by the pgBackRest integration tests: TLS material for `pgbackrest server` and the
 * runner, waiting for the server's port, and waiting for WAL to be archived.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PgBackRestSettings, renderArchiveCommand, renderDbHostConfig, renderServerCommand } from '../../../runtime/pgbackrest/config';
import { PostgresServer, asUser, chownRecursive, freePort, startPostgres } from '../../support/servers';

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

/** A CA, the database host's server certificate (SAN 127.0.0.1) and the runner's client certificate. */
export function makeTls(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const p = (f: string) => join(dir, f);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=test-ca']);
  writeFileSync(p('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1']);
  openssl(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('san.ext')]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('client.key'), '-out', p('client.csr'), '-subj', '/CN=pgbackrest-runner']);
  openssl(['x509', '-req', '-in', p('client.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('client.crt'), '-days', '2']);
}

/** The runner's TLS environment (CA, client certificate and key), read from a makeTls() directory. */
export function runnerTlsEnv(dir: string): Record<string, string> {
  const pem = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    RUNNER_PGBACKREST_TLS_CA: pem('ca.crt'),
    RUNNER_PGBACKREST_TLS_CLIENT_CERT: pem('client.crt'),
    RUNNER_PGBACKREST_TLS_CLIENT_KEY: pem('client.key'),
  };
}

/** Stops `pgbackrest server` (SIGTERM) and waits for it to exit. */
export async function stopServer(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null) return;
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
}

export async function waitForPort(port: number, timeoutMs = 20000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** Waits until a restored cluster has finished recovery (promoted, accepting writes). */
export async function waitRecovered(db: PostgresServer, timeoutMs = 90000): Promise<void> {
  const start = Date.now();
  while (db.psql('select pg_is_in_recovery()') === 't') {
    if (Date.now() - start > timeoutMs) throw new Error(`the restored cluster did not finish recovery in ${timeoutMs / 1000} s`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** Waits until PostgreSQL has archived the segment holding `lsn` (archive-push done). */
export async function waitArchived(db: PostgresServer, lsn: string): Promise<void> {
  const seg = db.psql(`select pg_walfile_name('${lsn}')`);
  const start = Date.now();
  while (Date.now() - start < 60000) {
    const last = db.psql('select coalesce(last_archived_wal, \'\') from pg_stat_archiver');
    if (last >= seg) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`WAL segment ${seg} was not archived within 60 s: ${db.psql('select * from pg_stat_archiver')}`);
}

/** A PostgreSQL server archiving into a posix pgBackRest repository, and its host's `pgbackrest server` (TLS). */
export interface PosixDbHost {
  readonly pg: PostgresServer;
  readonly server: ChildProcess;
  /** The runner's pgBackRest settings and environment (settings, cipher passphrase, TLS client). */
  readonly runnerEnv: Record<string, string>;
}

/**
 * Starts PostgreSQL with `archive_command` pushing to the posix repository `repo` (under `work`),
 * writes the database host's pgBackRest configuration with the cipher passphrase, hands the folders
 * and the repository to the postgres user (as an EFS access point would) and starts
 * `pgbackrest server` as that user.
 */
export async function startPosixDbHost(work: string, repo: string, opts: { stanza: string; cipher: string; extraConf?: string }): Promise<PosixDbHost> {
  const dbConfigPath = join(work, 'db-etc-pgbackrest');
  makeTls(join(dbConfigPath, 'tls'));
  const dbHostDirs = { configPath: dbConfigPath, tlsPort: await freePort(), lockPath: join(work, 'db-lock'), logPath: join(work, 'db-log'), spoolPath: join(work, 'db-spool') };
  // The bucket is not used by a posix repository (the construct fills it from the BackupBucket).
  const base = { stanza: opts.stanza, repositoryType: 'posix', posixRepository: { path: repo }, repository: { bucket: '', region: '' }, processMax: 2 };
  const archiveCommand = renderArchiveCommand({ ...base, databaseHost: { address: '127.0.0.1', pgPath: '/unused', ...dbHostDirs } });
  const pg = await startPostgres({ extraConf: `archive_mode = on\narchive_command = '${archiveCommand}'\narchive_timeout = 0${opts.extraConf ? `\n${opts.extraConf}` : ''}` });
  const settings: PgBackRestSettings = { ...base, databaseHost: { address: '127.0.0.1', pgPath: pg.dataDir, pgPort: pg.port, socketPath: pg.socketDir, ...dbHostDirs } };
  mkdirSync(join(dbConfigPath, 'conf.d'), { recursive: true });
  for (const d of [dbHostDirs.lockPath, dbHostDirs.logPath, dbHostDirs.spoolPath]) mkdirSync(d, { recursive: true });
  writeFileSync(join(dbConfigPath, 'pgbackrest.conf'), renderDbHostConfig(settings));
  writeFileSync(join(dbConfigPath, 'conf.d', 'secrets.conf'), `[global]\nrepo1-cipher-pass=${opts.cipher}\n`, { mode: 0o600 });
  for (const d of [dbConfigPath, dbHostDirs.lockPath, dbHostDirs.logPath, dbHostDirs.spoolPath, repo]) chownRecursive(d, 'postgres');
  chmodSync(join(dbConfigPath, 'tls', 'server.key'), 0o600);
  const serverCmd = asUser('postgres', renderServerCommand(settings).split(' '));
  const server = spawn(serverCmd[0], serverCmd.slice(1), { stdio: 'ignore' });
  await waitForPort(dbHostDirs.tlsPort);
  const runnerEnv = { RUNNER_PGBACKREST_SETTINGS: JSON.stringify(settings), RUNNER_PGBACKREST_CIPHER_PASS: opts.cipher, ...runnerTlsEnv(join(dbConfigPath, 'tls')) };
  return { pg, server, runnerEnv };
}
