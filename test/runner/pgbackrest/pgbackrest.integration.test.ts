/**
 * pgBackRest end to end on real servers: PostgreSQL 15 with archive_command → archive-push into an
 * S3 repository (HTTPS s3rver), `pgbackrest server` over TLS on loopback as the database host, and
 * the runner CLI as repository host. Both sides' configurations come from one settings object.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PgBackRestSettings, renderArchiveCommand, renderDbHostConfig, renderServerCommand,
} from '../../../runtime/pgbackrest/config';
import {
  PostgresServer, S3Server, asUser, chownRecursive, freePort, requireTool, startPostgres, startS3,
} from '../../support/servers';
import { RunResult, listKeys, outcome, runRunner, s3Client, s3Env } from '../support/run-runner';
import { makeTls, runnerTlsEnv, stopServer, waitArchived, waitForPort, waitRecovered } from './setup';

const BUCKET = 'pg-backups';
const CIPHER = 'correct horse battery staple 42';
const STANZA = 'main';

let s3server: S3Server;
let pg: PostgresServer;
let server: ChildProcess | undefined;
let work: string;
let settings: PgBackRestSettings;
let runnerEnv: Record<string, string>;
let client: ReturnType<typeof s3Client> | undefined;
function s3(): ReturnType<typeof s3Client> {
  client ??= s3Client(s3server);
  return client;
}
const cleanup: string[] = [];

function runner(command: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> {
  return runRunner([command, '--engine', 'pgbackrest', '--database', 'orders', '--spool-dir', join(work, 'spool'), ...args], { ...runnerEnv, ...env });
}

function logLine(r: RunResult, msg: string): Record<string, any> {
  const l = r.logs.find((x) => x.msg === msg);
  if (!l) throw new Error(`no log line '${msg}' (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return l as Record<string, any>;
}

function expectOk(r: RunResult): void {
  if (r.code !== 0) throw new Error(`runner exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  expect(outcome(r)).toMatchObject({ JobSuccess: 1, JobFailure: 0, Engine: 'pgbackrest', Database: 'orders' });
}

async function manifestOf(r: RunResult): Promise<Record<string, any>> {
  const key = logLine(r, 'backup complete').manifest as string;
  const body = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse(await body.Body!.transformToString());
}

beforeAll(async () => {
  requireTool('pgbackrest');
  requireTool('openssl');
  work = mkdtempSync(join(tmpdir(), 'pgbr-it-'));
  chmodSync(work, 0o755);
  s3server = await startS3();
  await s3server.createBucket(BUCKET);

  // Database host side: config directory with pgbackrest.conf (rendered) and conf.d/secrets.conf.
  const dbConfigPath = join(work, 'db-etc-pgbackrest');
  const tlsDir = join(dbConfigPath, 'tls');
  makeTls(tlsDir);
  const tlsPort = await freePort();
  const base = {
    stanza: STANZA,
    repository: { bucket: BUCKET, region: s3server.region, path: '/pgbackrest', endpoint: '127.0.0.1', port: s3server.port, pathStyle: true, caFile: s3server.caFile },
    compressLevel: 3,
    processMax: 2,
  };
  const dbHostDirs = { configPath: dbConfigPath, tlsPort, instanceProfileCredentials: false,
    lockPath: join(work, 'db-lock'), logPath: join(work, 'db-log'), spoolPath: join(work, 'db-spool') };
  // archive_command depends only on the config path and stanza, known before PostgreSQL starts.
  const archiveCommand = renderArchiveCommand({ ...base, databaseHost: { address: '127.0.0.1', pgPath: '/unused', ...dbHostDirs } });
  pg = await startPostgres({ extraConf: `archive_mode = on\narchive_command = '${archiveCommand}'\narchive_timeout = 0` });
  settings = {
    ...base,
    databaseHost: { address: '127.0.0.1', pgPath: pg.dataDir, pgPort: pg.port, socketPath: pg.socketDir, ...dbHostDirs },
  };
  mkdirSync(join(dbConfigPath, 'conf.d'), { recursive: true });
  for (const d of [dbHostDirs.lockPath, dbHostDirs.logPath, dbHostDirs.spoolPath]) mkdirSync(d, { recursive: true });
  writeFileSync(join(dbConfigPath, 'pgbackrest.conf'), renderDbHostConfig(settings));
  // What the operator fills from Secrets Manager on a real host (no instance profile here).
  writeFileSync(join(dbConfigPath, 'conf.d', 'secrets.conf'),
    `[global]\nrepo1-cipher-pass=${CIPHER}\nrepo1-s3-key=${s3server.accessKeyId}\nrepo1-s3-key-secret=${s3server.secretAccessKey}\n`, { mode: 0o600 });
  for (const d of [dbConfigPath, dbHostDirs.lockPath, dbHostDirs.logPath, dbHostDirs.spoolPath]) chownRecursive(d, 'postgres');
  chmodSync(join(tlsDir, 'server.key'), 0o600);

  const serverCmd = asUser('postgres', renderServerCommand(settings).split(' '));
  server = spawn(serverCmd[0], serverCmd.slice(1), { stdio: 'ignore' });
  await waitForPort(tlsPort);

  runnerEnv = {
    ...s3Env(s3server, BUCKET),
    RUNNER_PGBACKREST_SETTINGS: JSON.stringify(settings),
    RUNNER_PGBACKREST_CIPHER_PASS: CIPHER,
    ...runnerTlsEnv(tlsDir),
  };
  pg.psql('create table orders (id int primary key, note text not null)');
  pg.psql("insert into orders select g, 'bulk' from generate_series(1, 20000) g");
});

afterAll(async () => {
  await stopServer(server);
  await pg?.stop();
  client?.destroy();
  await s3server?.stop();
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('pgBackRest through the runner (repository host over TLS, S3 repository)', () => {
  let full: Record<string, any>;
  let incr: Record<string, any>;
  let targetTime: string;

  test('full backup: stanza created, manifest with label, LSN and WAL range', async () => {
    const r = await runner('backup', ['--type', 'full']);
    expectOk(r);
    full = await manifestOf(r);
    // A new repository: `info` reports the stanza missing (code 1), so the runner creates it.
    expect(r.logs.find((l) => l.msg === 'creating the pgbackrest stanza')).toMatchObject({ infoStatus: 1 });
    expect(r.logs.some((l) => l.process === 'pgbackrest stanza-create')).toBe(true);
    expect(full).toMatchObject({ engine: 'pgbackrest', type: 'full', database: 'orders' });
    expect(full.details).toMatchObject({ stanza: STANZA, pgbackrestType: 'full' });
    expect(full.details.label).toMatch(/^\d{8}-\d{6}F$/);
    expect(full.position.lsnStart).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(full.position.walStop).toMatch(/^[0-9A-F]{24}$/);
    expect(full.details.databaseBytes).toBeGreaterThan(1_000_000);
    expect(full.details.repositoryBytes).toBeGreaterThan(0);
    expect(full.toolVersions.pgbackrest).toMatch(/pgBackRest 2\.45/);
    expect(full.objects).toHaveLength(1);
    expect(full.objects[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    // No secret in anything the runner printed.
    for (const secret of [CIPHER, s3server.secretAccessKey, runnerEnv.RUNNER_PGBACKREST_TLS_CLIENT_KEY.split('\n')[1]]) {
      expect(r.stdout).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
    expect(JSON.stringify(full)).not.toContain(CIPHER);
  });

  test('incremental backup chains to the full one', async () => {
    pg.psql("insert into orders values (-1, 'committed before the incr')");
    pg.psql('select pg_switch_wal()');
    const r = await runner('backup', ['--type', 'incr']);
    expectOk(r);
    incr = await manifestOf(r);
    // The stanza exists: no stanza-create (and its database session) before this backup.
    expect(r.logs.some((l) => l.process === 'pgbackrest stanza-create' || l.msg === 'creating the pgbackrest stanza')).toBe(false);
    expect(incr.details.pgbackrestType).toBe('incr');
    expect(incr.details.prior).toBe(full.details.label);
    expect(incr.parentBackupId).toBe(full.backupId);
    expect(incr.details.deltaBytes).toBeLessThan(full.details.deltaBytes);
  });

  test('another cluster behind the same stanza: backup refuses it (system identifier), no manifest', async () => {
    // The runner no longer runs stanza-create before every backup; `backup` itself must refuse a
    // cluster that is not the stanza's.
    const other = await startPostgres();
    try {
      const wrong = { ...settings, databaseHost: { ...settings.databaseHost, pgPath: other.dataDir, pgPort: other.port, socketPath: other.socketDir } };
      const r = await runner('backup', ['--type', 'incr'], { RUNNER_PGBACKREST_SETTINGS: JSON.stringify(wrong) });
      expect(r.code).not.toBe(0);
      expect(outcome(r)).toMatchObject({ JobSuccess: 0, JobFailure: 1 });
      expect(r.logs.some((l) => l.msg === 'backup complete')).toBe(false);
      const failed = r.logs.find((l) => l.level === 'error');
      expect(String(failed?.msg ?? '') + String((failed as any)?.error ?? '')).toMatch(/system-id/);
    } finally {
      await other.stop();
    }
  });

  test('check: archive-push from the database host reaches the S3 repository', async () => {
    pg.psql("insert into orders values (-2, 'committed before the target')");
    // Its own statement after the commit, so the commit is in an archived segment.
    const lsn = pg.psql('select pg_switch_wal()');
    await waitArchived(pg, lsn);
    targetTime = pg.psql("select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
    await new Promise((r) => setTimeout(r, 1100));
    pg.psql("insert into orders values (-3, 'committed after the target')");
    const lsn2 = pg.psql('select pg_switch_wal()');
    await waitArchived(pg, lsn2);
    const r = await runner('check');
    expectOk(r);
    expect(r.logs.some((l) => /successfully archived to '\/pgbackrest\/archive\/main\//.test(String(l.msg)))).toBe(true);
  });

  test('verify: hashes and pgbackrest verify find both backups and the archived WAL', async () => {
    const r = await runner('verify', ['--backup-id', incr.backupId]);
    expectOk(r);
    const result = logLine(r, 'pgbackrest verify result');
    expect(result.status).toBe('ok');
    const labels = result.backups.map((b: any) => b.label);
    expect(labels).toEqual(expect.arrayContaining([full.details.label, incr.details.label]));
    for (const b of result.backups) {
      expect(b.status).toBe('valid');
      expect(b.filesChecked).toBeGreaterThan(100);
      expect(b.filesValid).toBe(b.filesChecked);
    }
    expect(result.walChecked).toBeGreaterThan(0);
    expect(logLine(r, 'verify passed').checks).toEqual(expect.arrayContaining([expect.stringMatching(/sha256 ok/), expect.stringMatching(new RegExp(`backup ${incr.details.label}: \\d+/\\d+ files valid`))]));
  });

  test('point-in-time restore into a new data directory: the row before the target is there, the one after is not', async () => {
    const target = join(work, 'restored');
    cleanup.push(target, `${target}.pgbackrest`);
    const r = await runner('restore', ['--target-dir', target, '--target-time', targetTime, '--pgbackrest-archive-mode', 'off']);
    expectOk(r);
    const auto = readFileSync(join(target, 'postgresql.auto.conf'), 'utf8');
    expect(auto).toContain(`recovery_target_time = '${targetTime}'`);
    expect(auto).toContain("archive_mode = 'off'");
    const copy = await startPostgres({ dataDir: target });
    try {
      await waitRecovered(copy);
      expect(copy.psql("select note from orders where id = -2")).toBe('committed before the target');
      expect(copy.psql("select note from orders where id = -1")).toBe('committed before the incr');
      expect(copy.psql('select count(*) from orders where id = -3')).toBe('0');
      expect(copy.psql('select count(*) from orders where id > 0')).toBe('20000');
    } finally {
      await copy.stop();
    }
  });

  test('expire by retention from flags: older backups and their runner manifests go, the newest full stays', async () => {
    const again = await runner('backup', ['--type', 'full']);
    expectOk(again);
    const newest = await manifestOf(again);
    // The backup job itself never expires (no retention in its config): all three are still there.
    const before = logLine(await runner('info'), 'info').info.backups.map((b: any) => b.label);
    expect(before).toEqual([full.details.label, incr.details.label, newest.details.label]);
    const r = await runner('expire', ['--pgbackrest-retention-full', '1']);
    expectOk(r);
    const done = logLine(r, 'pgbackrest expire complete');
    expect(done.backupsKept).toEqual([newest.details.label]);
    expect(done.runnerManifestsRemoved).toBe(2);
    const keys = await listKeys(s3(), BUCKET, 'runner/orders/pgbackrest/');
    expect(keys.filter((k) => k.endsWith('/manifest.json'))).toEqual([`runner/orders/pgbackrest/${newest.backupId}/manifest.json`]);
    const after = logLine(await runner('info'), 'info').info.backups.map((b: any) => b.label);
    expect(after).toEqual([newest.details.label]);
  });

  test('wrong cipher key on restore: non-zero, clear message, failure metric, no data directory left', async () => {
    const target = join(work, 'restored-wrong-key');
    cleanup.push(target, `${target}.pgbackrest`);
    const r = await runner('restore', ['--target-dir', target, '--pgbackrest-archive-mode', 'off'], { RUNNER_PGBACKREST_CIPHER_PASS: 'not the passphrase' });
    expect(r.code).toBe(2);
    const failed = r.logs.find((l) => l.level === 'error' && /^restore failed:/.test(String(l.msg)));
    expect(String(failed?.msg)).toMatch(/cipher passphrase \(RUNNER_PGBACKREST_CIPHER_PASS\) is wrong/);
    expect(outcome(r)).toMatchObject({ JobSuccess: 0, JobFailure: 1, exitCode: 2 });
    expect(existsSync(target) ? readdirSync(target) : []).toEqual([]);
    expect(existsSync(join(target, 'PG_VERSION'))).toBe(false);
    expect(existsSync(`${target}.pgbackrest`)).toBe(false);
    expect(r.stdout).not.toContain('not the passphrase');
  });
});
