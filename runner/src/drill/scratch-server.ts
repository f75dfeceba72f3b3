/**
 * Throw-away database servers for restore drills: started inside the task on 127.0.0.1 with
 * their data under the drill directory, and removed afterwards. Either a fresh server that a
 * logical restore (pg_restore, mysql) loads into, or a server started on a data directory that
 * a physical engine restored (mariabackup: MariaDB; pgBackRest: PostgreSQL, recovering its WAL).
 *
 * Servers refuse to run as root: when the runner is root they run as the engine's service user
 * (postgres, mysql) through setpriv. Passwords go through files and stdin, never argv.
 */
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DatabaseError, MissingToolError } from '../core/errors';
import { findTool } from '../core/job';
import { withParentDeathSignal } from '../core/process';

export interface ScratchServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

function asUser(user: string, cmd: string[]): string[] {
  return isRoot() ? ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--clear-groups', '--', ...cmd] : cmd;
}

function chown(path: string, user: string): void {
  if (!isRoot()) return;
  const r = spawnSync('chown', ['-R', `${user}:${user}`, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new DatabaseError(`chown ${user} ${path} failed: ${r.stderr}`);
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Directory of initdb/pg_ctl: PATH first, then the newest /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string {
  const onPath = findTool('pg_ctl');
  if (onPath && findTool('initdb')) return onPath.replace(/\/pg_ctl$/, '');
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const m of majors) if (existsSync(join(root, m, 'bin', 'initdb'))) return join(root, m, 'bin');
  throw new MissingToolError('initdb, pg_ctl', 'drill (PostgreSQL server)');
}

function run(cmd: string[], what: string, input?: string): string {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', input, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } });
  if (r.error) throw new DatabaseError(`${what} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new DatabaseError(`${what} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  return r.stdout;
}

export interface PostgresScratchOptions {
  /** Root of everything the server writes (data directory included). */
  readonly dir: string;
  /**
   * A data directory restored by a physical engine (pgBackRest): the server starts on it, replays
   * WAL through the restore_command the restore wrote until the end of the archive, and promotes.
   * Its own accounts are production's: the scratch server lets only the OS user postgres in, over
   * its own socket and 127.0.0.1 (trust), so the drill needs no production password.
   * @default - a new cluster (initdb) with a generated password
   */
  readonly dataDir?: string;
  /** Directories the restored cluster reads while it recovers (the restore_command's pgBackRest config), handed to postgres. */
  readonly recoveryDirs?: string[];
}

/**
 * A PostgreSQL server for a drill, reachable on 127.0.0.1: a new cluster for a logical restore
 * (password generated), or a restored data directory recovered to the end of its WAL archive.
 */
export async function startPostgresScratch(o: PostgresScratchOptions): Promise<ScratchServer> {
  const bin = postgresBinDir();
  mkdirSync(o.dir, { recursive: true });
  chmodSync(o.dir, 0o755);
  const sockets = join(o.dir, 'sock');
  mkdirSync(sockets, { recursive: true });
  const dataDir = o.dataDir ?? join(o.dir, 'data');
  const user = 'postgres';
  let password = '';
  const settings = ['listen_addresses=127.0.0.1', `unix_socket_directories=${sockets}`, 'fsync=off'];
  if (!o.dataDir) {
    password = randomBytes(18).toString('base64url');
    const pwfile = join(o.dir, 'pwfile');
    writeFileSync(pwfile, password + '\n', { mode: 0o600 });
    chown(o.dir, 'postgres');
    run(asUser('postgres', [join(bin, 'initdb'), '-D', dataDir, '-U', user, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync']), 'initdb');
    rmSync(pwfile);
  } else {
    // Production's postgresql.conf (often not even in the data directory) and pg_hba.conf are not
    // used: a configuration of the drill's own, and an hba file that lets only postgres in locally.
    const conf = join(o.dir, 'postgresql.conf');
    const hba = join(o.dir, 'pg_hba.conf');
    writeFileSync(conf, '# restore drill: every setting is on the command line\n', { mode: 0o600 });
    writeFileSync(hba, ['local all postgres trust', 'host all postgres 127.0.0.1/32 trust', ''].join('\n'), { mode: 0o600 });
    chown(o.dir, 'postgres');
    for (const d of [dataDir, ...(o.recoveryDirs ?? [])]) chown(d, 'postgres');
    settings.push(`config_file=${conf}`, `hba_file=${hba}`,
      // Command-line settings beat postgresql.auto.conf (ALTER SYSTEM) of production too.
      'archive_mode=off', 'ssl=off', "shared_preload_libraries=''", 'hot_standby=off', 'logging_collector=off');
  }
  const port = await freeLoopbackPort();
  const opts = [`port=${port}`, ...settings].map((s) => `-c ${s}`).join(' ');
  const log = join(o.dir, 'postgres.log');
  const stopServer = () => {
    const stop = asUser('postgres', [join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    spawnSync(stop[0], stop.slice(1), { stdio: 'ignore' });
  };
  const removeAll = () => {
    rmSync(o.dir, { recursive: true, force: true });
    if (o.dataDir) rmSync(o.dataDir, { recursive: true, force: true });
  };
  // A restored cluster replays the whole archive before it accepts connections (hot_standby off):
  // no limit of our own, the task's timeout bounds it.
  const wait = o.dataDir ? '86400' : '600';
  try {
    run(asUser('postgres', [join(bin, 'pg_ctl'), '-D', dataDir, '-l', log, '-o', opts, '-w', '-t', wait, 'start']), 'pg_ctl start');
    // With hot standby off pg_ctl returns once recovery has started: wait until the server accepts connections.
    if (o.dataDir) await untilAccepting(bin, dataDir, sockets, port);
  } catch (err) {
    const tail = existsSync(log) ? spawnSync('tail', ['-n', '20', log], { encoding: 'utf8' }).stdout.trim() : '';
    // pg_ctl may give up while the postmaster runs on: it must not outlive the drill.
    stopServer();
    throw new DatabaseError(`${(err as Error).message}${tail ? `; server log: ${tail}` : ''}`);
  }
  return {
    host: '127.0.0.1', port, user, password,
    async stop(): Promise<void> {
      stopServer();
      removeAll();
    },
  };
}

/**
 * Waits until the recovering server accepts connections (recovery ended and promoted); fails when
 * the postmaster is gone. No limit of its own: the task's timeout bounds a long replay.
 */
async function untilAccepting(bin: string, dataDir: string, sockets: string, port: number): Promise<void> {
  const isReady = existsSync(join(bin, 'pg_isready')) ? join(bin, 'pg_isready') : findTool('pg_isready');
  if (!isReady) throw new MissingToolError('pg_isready', 'drill (PostgreSQL recovery)');
  for (;;) {
    const r = spawnSync(isReady, ['-q', '-h', sockets, '-p', String(port)], { stdio: 'ignore' });
    if (r.error) throw new DatabaseError(`pg_isready could not start: ${r.error.message}`);
    if (r.status === 0) return;
    const status = asUser('postgres', [join(bin, 'pg_ctl'), '-D', dataDir, 'status']);
    if (spawnSync(status[0], status.slice(1), { stdio: 'ignore' }).status !== 0) throw new DatabaseError('PostgreSQL stopped during recovery of the restored data directory');
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface MariaDbScratchOptions {
  readonly dir: string;
  /** A data directory restored (and prepared) by a physical engine; without it a new one is installed. */
  readonly dataDir?: string;
  /** @default '/usr/sbin/mariadbd' */
  readonly mysqld?: string;
}

export async function startMariaDbScratch(o: MariaDbScratchOptions): Promise<ScratchServer> {
  const mysqld = o.mysqld ?? (existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : findTool('mariadbd') || findTool('mysqld'));
  if (!mysqld) throw new MissingToolError('mariadbd', 'drill (MariaDB server)');
  mkdirSync(o.dir, { recursive: true });
  chmodSync(o.dir, 0o755);
  const dataDir = o.dataDir ?? join(o.dir, 'data');
  const socket = join(o.dir, 'mysqld.sock');
  const port = await freeLoopbackPort();
  const password = randomBytes(18).toString('base64url');
  const cnf = join(o.dir, 'my.cnf');
  writeFileSync(cnf, [
    '[mysqld]', `datadir=${dataDir}`, `socket=${socket}`, `port=${port}`, 'bind-address=127.0.0.1',
    `pid-file=${join(o.dir, 'mysqld.pid')}`, `log-error=${join(o.dir, 'error.log')}`, 'skip-name-resolve',
    'innodb_buffer_pool_size=128M', 'innodb_flush_log_at_trx_commit=2', 'skip-log-bin',
    // A restored copy keeps production's accounts: skip the grant tables so the drill needs no production password.
    ...(o.dataDir ? ['skip-grant-tables'] : []),
    '',
  ].join('\n'));
  chown(o.dir, 'mysql');
  if (!o.dataDir) {
    const install = findTool('mariadb-install-db') || findTool('mysql_install_db');
    if (!install) throw new MissingToolError('mariadb-install-db', 'drill (MariaDB server)');
    run([install, `--defaults-file=${cnf}`, `--datadir=${dataDir}`, '--user=mysql', '--auth-root-authentication-method=normal', '--skip-test-db'], 'mariadb-install-db');
  } else {
    chown(dataDir, 'mysql');
  }
  // The server is the runner's own child: it dies with the runner, kill -9 included (setpriv sets
  // the parent-death signal after switching users, which would otherwise clear it).
  const cmd = isRoot()
    ? ['setpriv', '--reuid=mysql', '--regid=mysql', '--clear-groups', '--pdeathsig', 'SIGTERM', '--', mysqld, `--defaults-file=${cnf}`]
    : withParentDeathSignal(mysqld, [`--defaults-file=${cnf}`]).flat();
  const proc: ChildProcess = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-2000); });
  const client = findTool('mariadb') || findTool('mysql');
  if (!client) throw new MissingToolError('mariadb', 'drill (MariaDB client)');
  const started = Date.now();
  for (;;) {
    if (proc.exitCode !== null) {
      const tail = spawnSync('tail', ['-n', '20', join(o.dir, 'error.log')], { encoding: 'utf8' }).stdout;
      throw new DatabaseError(`mariadbd exited with code ${proc.exitCode} before accepting connections: ${(tail || stderr).trim()}`);
    }
    if (spawnSync(client, [`--socket=${socket}`, '-uroot', '-e', 'select 1'], { stdio: 'ignore' }).status === 0) break;
    if (Date.now() - started > 600000) throw new DatabaseError('mariadbd did not accept connections within 600 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  let user = 'root';
  if (!o.dataDir) {
    // The password goes through stdin, never argv.
    run([client, `--socket=${socket}`, '-uroot'], 'set scratch password',
      `CREATE USER 'drill'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO 'drill'@'127.0.0.1'; FLUSH PRIVILEGES;`);
    user = 'drill';
  }
  return {
    host: '127.0.0.1', port, user, password,
    async stop(): Promise<void> {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => { proc.kill('SIGKILL'); resolve(); }, 30000);
          proc.once('exit', () => { clearTimeout(t); resolve(); });
        });
      }
      rmSync(o.dir, { recursive: true, force: true });
      if (o.dataDir) rmSync(o.dataDir, { recursive: true, force: true });
    },
  };
}
