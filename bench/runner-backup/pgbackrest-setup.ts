/**
 * The pgBackRest side of the benchmark, set up the way production runs it: the database host
 * pushes WAL with `archive-push` from archive_command and runs `pgbackrest server` over TLS; the
 * runner is the repository host (client certificate) and writes to an S3 repository (the local
 * HTTPS s3rver). Both configurations come from runtime/pgbackrest/config.ts, like the
 * BackupRunner construct renders them.
 */
import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_RUNNER_CLIENT_CN, PGBACKREST_RUNNER_ENV, PgBackRestSettings, renderArchiveCommand, renderDbHostConfig,
} from '../../runtime/pgbackrest/config';
import { PostgresServer, asUser, chownRecursive, freePort, startS3 } from '../../test/support/servers';

const BUCKET = 'bench-pgbackrest';
const STANZA = 'bench';

export interface PgBackRestBench {
  /** postgresql.conf lines: archiving on, a no-op archive_command while the database is built. */
  readonly postgresConf: string;
  /** Called once PostgreSQL runs: writes the DB-host config and starts `pgbackrest server`. */
  attach(pg: PostgresServer): Promise<void>;
  /**
   * After the bulk load: creates the stanza in both repositories on the database host, switches
   * archive_command to pgBackRest archive-push into the S3 repository and waits until the archive
   * queue is empty, so no background archiving runs while steps are timed.
   */
  startArchiving(pg: PostgresServer): Promise<number>;
  /**
   * Points archive_command at one repository (as production has one), closes the current WAL
   * segment so it lands there too, and waits for the archive queue to drain.
   */
  archiveTo(pg: PostgresServer, repo: Repo): Promise<void>;
  /**
   * Runner CLI arguments for a full backup (repository: 's3' on s3rver, 'posix' on a local
   * directory). Topology 'repo-host': the runner reaches `pgbackrest server` over TLS (a Fargate
   * task). 'db-host': the runner runs on the database host as postgres with `--pgbackrest-local`
   * (a timer there); run it through `asUser('postgres', …)`.
   */
  backupArgs(database: string, repo: Repo, topology?: Topology): string[];
  /** Runner CLI arguments for a restore into an empty directory. */
  restoreArgs(database: string, targetDir: string, repo: Repo): string[];
  /** Environment of the runner process (secrets only here, never argv). */
  readonly env: NodeJS.ProcessEnv;
  /**
   * Diagnostic reference (not a runner path): plain `pgbackrest backup` on the database host into a
   * posix repository, same compression and process-max, no TLS hop and no S3. Separates the tool's
   * own cost from the TLS + S3-server path the runner takes.
   */
  posixReferenceScript(pg: PostgresServer, repoDir: string): string;
  /**
   * Long-running servers whose CPU time a step makes them spend: s3rver. (`pgbackrest server` is not
   * listed: its per-connection children are reaped without wait(), so their time is not in its
   * cumulative figures; the machine-wide CPU column counts them.)
   */
  watch(): Record<string, number>;
  /** Bytes the repository holds on disk (backup + archived WAL). */
  repoBytes(repo: Repo): number;
  stop(): Promise<void>;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

export type Repo = 's3' | 'posix';
export type Topology = 'repo-host' | 'db-host';

export async function setUpPgBackRest(work: string): Promise<PgBackRestBench> {
  const s3 = await startS3();
  await s3.createBucket(BUCKET);
  const dbConf = join(work, 'dbhost-pgbackrest');
  // The posix repository stands for a volume mounted at the same path into the runner task and on
  // the database host (EFS). The database host pushes WAL to both repositories, each through its
  // own rendered configuration; `pgbackrest server` serves the runner for either.
  const dbConfPosix = join(work, 'dbhost-pgbackrest-posix');
  const posixRepo = join(work, 'posix-repo-volume');
  const posixManifests = join(work, 'posix-runner-manifests');
  for (const d of ['conf.d', 'lock', 'log', 'spool']) mkdirSync(join(dbConfPosix, d), { recursive: true });
  mkdirSync(posixRepo);
  mkdirSync(posixManifests);
  // The runner on the database host works as postgres: its own spool and manifests directory.
  const dbHostSpool = join(work, 'dbhost-runner-spool');
  const dbHostManifests = join(work, 'dbhost-runner-manifests');
  for (const d of [dbHostSpool, dbHostManifests]) {
    mkdirSync(d);
    chownRecursive(d, 'postgres');
  }
  const tls = join(dbConf, 'tls');
  mkdirSync(join(dbConf, 'conf.d'), { recursive: true });
  mkdirSync(tls, { recursive: true });
  for (const d of ['lock', 'log', 'spool']) mkdirSync(join(dbConf, d));
  // A private CA, the DB host's server certificate and the runner's client certificate.
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tls, 'ca.key'), '-out', join(tls, 'ca.crt'), '-days', '2', '-subj', '/CN=bench-ca']);
  const issue = (name: string, cn: string, ext: string) => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tls, `${name}.key`), '-out', join(tls, `${name}.csr`), '-subj', `/CN=${cn}`]);
    writeFileSync(join(tls, `${name}.ext`), ext);
    openssl(['x509', '-req', '-in', join(tls, `${name}.csr`), '-CA', join(tls, 'ca.crt'), '-CAkey', join(tls, 'ca.key'), '-CAcreateserial',
      '-out', join(tls, `${name}.crt`), '-days', '2', '-extfile', join(tls, `${name}.ext`)]);
  };
  issue('server', 'localhost', 'subjectAltName=DNS:localhost,DNS:127.0.0.1,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  issue('client', DEFAULT_RUNNER_CLIENT_CN, 'extendedKeyUsage=clientAuth\n');
  const tlsPort = await freePort();
  const cipherPass = 'bench-cipher-' + Math.random().toString(36).slice(2);
  const s3url = new URL(s3.endpoint);
  let settings: PgBackRestSettings = {
    stanza: STANZA,
    repository: { bucket: BUCKET, region: s3.region, path: '/pgbackrest', endpoint: s3url.hostname, port: Number(s3url.port), pathStyle: true, caFile: s3.caFile },
    databaseHost: {
      address: 'localhost', tlsPort, pgPath: '/set-after-start', configPath: dbConf, instanceProfileCredentials: false,
      serverCertFile: join(tls, 'server.crt'), serverKeyFile: join(tls, 'server.key'), caFile: join(tls, 'ca.crt'),
      lockPath: join(dbConf, 'lock'), logPath: join(dbConf, 'log'), spoolPath: join(dbConf, 'spool'),
    },
    processMax: 2,
    // The speed setting (product default: zst level 3).
    compressType: 'zst',
    compressLevel: 1,
  };
  const posixSettings = (): PgBackRestSettings => ({
    ...settings,
    repositoryType: 'posix',
    posixRepository: { path: posixRepo },
    databaseHost: { ...settings.databaseHost, configPath: dbConfPosix,
      lockPath: join(dbConfPosix, 'lock'), logPath: join(dbConfPosix, 'log'), spoolPath: join(dbConfPosix, 'spool') },
  });
  let server: ChildProcess | undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region,
    [PGBACKREST_RUNNER_ENV.cipherPass]: cipherPass,
    [PGBACKREST_RUNNER_ENV.tlsCa]: readFileSync(join(tls, 'ca.crt'), 'utf8'),
    [PGBACKREST_RUNNER_ENV.tlsClientCert]: readFileSync(join(tls, 'client.crt'), 'utf8'),
    [PGBACKREST_RUNNER_ENV.tlsClientKey]: readFileSync(join(tls, 'client.key'), 'utf8'),
  };
  const storageArgs = () => ['--s3-bucket', BUCKET, '--s3-endpoint', s3.endpoint, '--s3-ca-file', s3.caFile];
  // Posix: the same settings with the repository flags on top; the runner's manifests go to a
  // directory next to it (the core's --posix-repo storage), so no S3 is involved at all.
  const repoArgs = (repo: Repo, spool = join(work, 'runner-spool'), manifests = posixManifests) => (repo === 's3'
    ? [...storageArgs(), '--spool-dir', spool]
    : ['--pgbackrest-repo-type', 'posix', '--pgbackrest-repo-path', posixRepo, '--posix-repo', manifests, '--spool-dir', spool]);
  const drain = async (pg: PostgresServer, t0: number) => {
    pg.psql('create table if not exists bench_archive_probe (t timestamptz); insert into bench_archive_probe values (now())');
    pg.psql('select pg_switch_wal()');
    for (;;) {
      const ready = Number(pg.psql("select count(*) from pg_ls_archive_statusdir() where name like '%.ready'"));
      const failed = pg.psql('select coalesce(last_failed_wal, \'\') || \' \' || coalesce(last_archived_wal, \'\') from pg_stat_archiver');
      if (ready === 0) break;
      if (Date.now() - t0 > 600_000) throw new Error(`archive queue not drained after 10 min (${ready} ready; failed/archived: ${failed})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const archiveTo = async (pg: PostgresServer, repo: Repo) => {
    const t0 = Date.now();
    const command = renderArchiveCommand(repo === 's3' ? settings : posixSettings());
    pg.psql(`alter system set archive_command = '${command.replace(/'/g, "''")}'`);
    pg.psql('select pg_reload_conf()');
    await drain(pg, t0);
  };

  return {
    // The bulk load's WAL is not archived (a backup only needs WAL from its own start).
    postgresConf: ['archive_mode = on', "archive_command = '/bin/true'", 'max_wal_size = 4GB'].join('\n'),
    async attach(pg: PostgresServer): Promise<void> {
      settings = { ...settings, databaseHost: { ...settings.databaseHost, pgPath: pg.dataDir, pgPort: pg.port, socketPath: pg.socketDir } };
      writeFileSync(join(dbConf, 'pgbackrest.conf'), renderDbHostConfig(settings));
      writeFileSync(join(dbConf, 'conf.d', 'secrets.conf'),
        `[global]\nrepo1-cipher-pass=${cipherPass}\nrepo1-s3-key=${s3.accessKeyId}\nrepo1-s3-key-secret=${s3.secretAccessKey}\n`, { mode: 0o600 });
      chownRecursive(dbConf, 'postgres');
      chmodSync(join(tls, 'server.key'), 0o600);
      writeFileSync(join(dbConfPosix, 'pgbackrest.conf'), renderDbHostConfig(posixSettings()));
      writeFileSync(join(dbConfPosix, 'conf.d', 'secrets.conf'), `[global]\nrepo1-cipher-pass=${cipherPass}\n`, { mode: 0o600 });
      chownRecursive(dbConfPosix, 'postgres');
      chownRecursive(posixRepo, 'postgres');
      const cmd = asUser('postgres', ['pgbackrest', `--config-path=${dbConf}`, 'server']);
      server = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1000));
      if (server.exitCode !== null) throw new Error(`pgbackrest server exited with ${server.exitCode}`);
      env[PGBACKREST_RUNNER_ENV.settings] = JSON.stringify(settings);
    },
    async startArchiving(pg: PostgresServer): Promise<number> {
      const t0 = Date.now();
      for (const conf of [dbConf, dbConfPosix]) {
        const create = asUser('postgres', ['pgbackrest', `--config-path=${conf}`, `--stanza=${STANZA}`, '--log-level-console=warn', 'stanza-create']);
        execFileSync(create[0], create.slice(1), { stdio: 'pipe' });
      }
      await archiveTo(pg, 's3');
      return (Date.now() - t0) / 1000;
    },
    archiveTo,
    posixReferenceScript(pg: PostgresServer, repoDir: string): string {
      const dir = join(work, 'posix-reference');
      for (const d of ['', 'lock', 'log', 'spool']) mkdirSync(join(dir, d), { recursive: true });
      mkdirSync(repoDir, { recursive: true });
      writeFileSync(join(dir, 'pgbackrest.conf'), [
        '[global]', `repo1-path=${repoDir}`, 'repo1-type=posix', 'repo1-cipher-type=aes-256-cbc', `repo1-cipher-pass=${cipherPass}`,
        `compress-type=zst`, `compress-level=${settings.compressLevel ?? 3}`, `process-max=${settings.processMax ?? 2}`, 'start-fast=y',
        `lock-path=${join(dir, 'lock')}`, `log-path=${join(dir, 'log')}`, `spool-path=${join(dir, 'spool')}`, 'log-level-file=off',
        `[${STANZA}]`, `pg1-path=${pg.dataDir}`, `pg1-port=${pg.port}`, `pg1-socket-path=${pg.socketDir}`, '',
      ].join('\n'), { mode: 0o600 });
      chownRecursive(dir, 'postgres');
      chownRecursive(repoDir, 'postgres');
      const run = (cmd: string) => asUser('postgres', ['pgbackrest', `--config-path=${dir}`, `--stanza=${STANZA}`, '--log-level-console=warn', ...cmd.split(' ')]).join(' ');
      // WAL goes to the S3 stanza, not this repository: skip the archive checks (timing only).
      return `${run('stanza-create --no-online')} && ${run('backup --type=full --no-archive-check')}`;
    },
    backupArgs(database: string, repo: Repo, topology: Topology = 'repo-host'): string[] {
      const base = ['backup', '--engine', 'pgbackrest', '--database', database, '--type', 'full'];
      return topology === 'repo-host' ? [...base, ...repoArgs(repo)] : [...base, '--pgbackrest-local', ...repoArgs(repo, dbHostSpool, dbHostManifests)];
    },
    restoreArgs(database: string, targetDir: string, repo: Repo): string[] {
      // A drill copy: it must not archive into the same stanza.
      return ['restore', '--engine', 'pgbackrest', '--database', database, '--target-dir', targetDir, '--pgbackrest-archive-mode', 'off', ...repoArgs(repo)];
    },
    env,
    watch(): Record<string, number> {
      return { s3rver: s3.pid };
    },
    repoBytes(repo: Repo): number {
      const dir = repo === 's3' ? join(s3.baseDir, 'data', BUCKET) : posixRepo;
      return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split(/\s/)[0]);
    },
    async stop(): Promise<void> {
      if (server && server.exitCode === null) {
        server.kill('SIGTERM');
        await new Promise((r) => { server!.once('exit', r); setTimeout(r, 5000); });
      }
      await s3.stop();
    },
  };
}
