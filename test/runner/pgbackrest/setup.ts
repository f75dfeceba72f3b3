/**
 * Setup shared by the pgBackRest integration tests: TLS material for `pgbackrest server` and the
 * runner, waiting for the server's port, and waiting for WAL to be archived.
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { PostgresServer } from '../../support/servers';

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
