/**
 * mariabackup on a real MariaDB 10.11, through the bundled runner CLI, into the HTTPS s3rver:
 * full → change → incremental 1 → change → incremental 2, then restore the chain into a new data
 * directory, start a server on it and compare table checksums and row counts with the source as it
 * was at incremental 2. Also: point-in-time restore with binlogs, verify, info, the broken-chain
 * and no-base-backup failures.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MariaDbServer, S3Server, startMariaDb, startS3 } from '../../support/servers';
import { CliResult, explain, outcome, runCli } from './cli';

const BUCKET = 'maria-backups';
// Quotes, hash and backslash prove the option file the runner renders is quoted correctly.
const BACKUP_PASSWORD = 'bk"pw#1\\x-' + Math.random().toString(36).slice(2, 8);

let src: MariaDbServer;
let s3: S3Server;
let work: string;
let client: S3Client;
const restoredServers: MariaDbServer[] = [];

function env(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region,
    RUNNER_DB_PASSWORD: BACKUP_PASSWORD, TZ: 'UTC',
  };
}

function common(): string[] {
  return ['--engine', 'mariabackup', '--database', 'shop', '--s3-bucket', BUCKET, '--s3-endpoint', s3.endpoint,
    '--s3-ca-file', s3.caFile, '--spool-dir', join(work, 'spool')];
}

async function backup(type: 'full' | 'incr'): Promise<CliResult> {
  return runCli(['backup', ...common(), '--type', type, '--db-user', 'backup', '--db-socket', src.socket,
    '--mysql-defaults-file', src.defaultsFile], env());
}

async function restore(datadir: string, extra: string[] = []): Promise<CliResult> {
  return runCli(['restore', ...common(), '--restore-datadir', datadir, ...extra], env());
}

/** Checksums and row counts of the test tables (server-computed, so equal data gives equal text). */
function fingerprint(run: (sql: string) => string): string {
  return [
    run('CHECKSUM TABLE shop.orders, shop.items, shop.notes EXTENDED'),
    run('SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM shop.orders'),
    run('SELECT COUNT(*) FROM shop.items'),
    run('SELECT COUNT(*) FROM shop.notes'),
  ].join('\n');
}

/** SQL against a restored server: its root password is the source's (the mysql schema was restored). */
function restoredSql(server: MariaDbServer): (sql: string) => string {
  return (sql: string) => {
    const r = spawnSync('mariadb', [`--socket=${server.socket}`, '-uroot', `-p${src.password}`, '--batch', '--skip-column-names', '-e', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`restored server query failed: ${r.stderr}`);
    return r.stdout.trim();
  };
}

async function listKeys(prefix: string): Promise<string[]> {
  const r = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((c) => c.Key!).sort();
}

async function getJson(key: string): Promise<any> {
  const r = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse(await r.Body!.transformToString());
}

function completedBackupId(r: CliResult): string {
  const done = r.lines.find((l) => l.msg === 'backup complete');
  if (!done) throw new Error(`backup did not complete: ${explain(r)}`);
  return String(done.backupId);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mariabackup-test-'));
  // Restored servers run as mysql and must reach their data directories under here.
  chmodSync(work, 0o755);
  [src, s3] = await Promise.all([startMariaDb(), startS3()]);
  await s3.createBucket(BUCKET);
  client = new S3Client({
    region: s3.region, endpoint: s3.endpoint, forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(s3.caFile) }) }),
  });
  // A least-privilege backup user (MariaDB 10.11's documented grants for mariabackup).
  const pw = BACKUP_PASSWORD.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  src.sql(`CREATE USER 'backup'@'localhost' IDENTIFIED BY '${pw}'; GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'backup'@'localhost';`);
  src.sql('CREATE DATABASE shop');
  src.sql(`CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, customer VARCHAR(40), amount DECIMAL(10,2), note TEXT) ENGINE=InnoDB;
    CREATE TABLE items (order_id INT, sku VARCHAR(20), qty INT, PRIMARY KEY (order_id, sku)) ENGINE=InnoDB;
    CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(200)) ENGINE=Aria;
    INSERT INTO orders (customer, amount, note) SELECT CONCAT('c', seq % 97), seq / 7, REPEAT('x', seq % 50) FROM seq_1_to_20000;
    INSERT INTO items SELECT seq, CONCAT('sku', seq % 13), seq % 5 FROM seq_1_to_20000;
    INSERT INTO notes SELECT seq, CONCAT('note ', seq) FROM seq_1_to_500;`, 'shop');
}, 120000);

afterAll(async () => {
  for (const s of restoredServers) await s.stop().catch(() => undefined);
  await Promise.all([src?.stop(), s3?.stop()]);
  client?.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('an incremental with no complete backup to base it on fails with exit 2 and no manifest', async () => {
  const r = await backup('incr');
  expect(r.code).toBe(2);
  expect(r.stdout).toMatch(/no complete backup to base it on/);
  expect(outcome(r).JobFailure).toBe(1);
  expect((await listKeys('runner/shop/mariabackup/')).filter((k) => k.endsWith('manifest.json'))).toEqual([]);
});

test('a backup the server refuses (wrong password) fails with exit 3, a failure metric and no stored stream', async () => {
  const r = await runCli(['backup', ...common(), '--type', 'full', '--db-user', 'backup', '--db-socket', src.socket,
    '--mysql-defaults-file', src.defaultsFile], { ...env(), RUNNER_DB_PASSWORD: 'wrong-password-123' });
  expect({ code: r.code, out: r.code === 3 ? '' : explain(r) }).toEqual({ code: 3, out: '' });
  expect(r.stdout).toMatch(/mariabackup exited with code 1: [^"]*Access denied for user 'backup'/);
  expect(r.stdout).not.toContain('wrong-password-123');
  const m = outcome(r);
  expect(m.JobFailure).toBe(1);
  // Neither a manifest nor a complete stream object: the upload waited for the tool's exit code and was aborted.
  expect(await listKeys(`runner/shop/mariabackup/${String(m.backupId)}/`)).toEqual([]);
});

describe('full + two incrementals, restored and compared', () => {
  const ids: string[] = [];
  let atIncr1 = '';
  let atIncr2 = '';
  let pitrTarget = '';
  let beforeIncr2 = '';
  /** `YYYY-MM-DD HH:MM:SS` in UTC, the runner's TZ in these tests. */
  const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

  test('full, change, incremental 1, change, incremental 2', async () => {
    const full = await backup('full');
    expect(full.code).toBe(0);
    ids.push(completedBackupId(full));
    // No secret on argv or in any line the runner wrote.
    expect(full.stdout + full.stderr).not.toContain(BACKUP_PASSWORD);
    expect(outcome(full).JobSuccess).toBe(1);

    src.sql(`UPDATE orders SET amount = amount + 1 WHERE id % 10 = 0; DELETE FROM items WHERE qty = 0;
      INSERT INTO orders (customer, amount, note) SELECT 'late', seq, 'after full' FROM seq_1_to_3000;
      INSERT INTO notes SELECT seq, 'aria after full' FROM seq_501_to_600;`, 'shop');
    const i1 = await backup('incr');
    expect(i1.code).toBe(0);
    ids.push(completedBackupId(i1));
    atIncr1 = fingerprint((sql) => src.sql(sql));
    // A point in time between incremental 1 and the changes before incremental 2.
    await new Promise((r) => setTimeout(r, 1100));
    beforeIncr2 = src.sql("SELECT DATE_FORMAT(NOW(), '%Y-%m-%d %H:%i:%s')");
    await new Promise((r) => setTimeout(r, 1100));

    src.sql(`UPDATE orders SET customer = 'renamed' WHERE id BETWEEN 100 AND 400; DELETE FROM orders WHERE id % 17 = 0;
      INSERT INTO items SELECT seq, 'new', 9 FROM seq_30001_to_31000;`, 'shop');
    const i2 = await backup('incr');
    expect(i2.code).toBe(0);
    ids.push(completedBackupId(i2));
    atIncr2 = fingerprint((sql) => src.sql(sql));

    // Each manifest carries the chain: parent, contiguous LSNs, binlog position; the LSN state sits next to it.
    const manifests = await Promise.all(ids.map(async (id) => {
      const keys = await listKeys(`runner/shop/mariabackup/${id}/`);
      expect(keys).toEqual(expect.arrayContaining([
        `runner/shop/mariabackup/${id}/backup.xbstream`, `runner/shop/mariabackup/${id}/xtrabackup_checkpoints`,
        `runner/shop/mariabackup/${id}/lsn-state.json`, `runner/shop/mariabackup/${id}/manifest.json`]));
      return getJson(`runner/shop/mariabackup/${id}/manifest.json`);
    }));
    expect(manifests.map((m) => m.type)).toEqual(['full', 'incr', 'incr']);
    expect(manifests[0].parentBackupId).toBeUndefined();
    expect(manifests[1].parentBackupId).toBe(ids[0]);
    expect(manifests[2].parentBackupId).toBe(ids[1]);
    expect(manifests[1].position.fromLsn).toBe(manifests[0].position.toLsn);
    expect(manifests[2].position.fromLsn).toBe(manifests[1].position.toLsn);
    expect(manifests[2].position.binlogFile).toMatch(/^mysql-bin\.\d+$/);
    expect(manifests[0].toolVersions.mariabackup).toMatch(/^10\.11\./);
    for (const m of manifests) {
      expect(m.objects.every((o: { sha256: string }) => /^[0-9a-f]{64}$/.test(o.sha256))).toBe(true);
    }
    // Sizes for the record: the first incremental after a bulk load can be close to a full (dirty pages not yet flushed).
    console.log(`mariabackup stored bytes: full ${manifests[0].bytesStored}, incr1 ${manifests[1].bytesStored}, incr2 ${manifests[2].bytesStored}`);

    // Changes after incremental 2, for the point-in-time restore: one before the target second, one
    // stamped in the target second itself (the target is that insert's own NOW(), which is also the
    // timestamp of its binlog event), one after.
    src.sql("INSERT INTO notes VALUES (9001, 'before target')", 'shop');
    await new Promise((r) => setTimeout(r, 1100));
    src.sql("INSERT INTO notes SELECT 9003, DATE_FORMAT(NOW(), '%Y-%m-%d %H:%i:%s')", 'shop');
    pitrTarget = src.sql('SELECT body FROM notes WHERE id = 9003', 'shop');
    await new Promise((r) => setTimeout(r, 1500));
    src.sql("INSERT INTO notes VALUES (9002, 'after target')", 'shop');
    src.sql('FLUSH BINARY LOGS');
  });

  test('verify re-hashes and unpacks the newest backup; info lists the chain', async () => {
    const v = await runCli(['verify', ...common()], env());
    expect(v.code).toBe(0);
    const passed = v.lines.find((l) => l.msg === 'verify passed');
    expect(JSON.stringify(passed?.checks)).toMatch(/chain of 3 backup\(s\)/);
    expect(JSON.stringify(passed?.checks)).toMatch(/mbstream unpacked the stream/);
    const info = await runCli(['info', ...common()], env());
    expect(info.code).toBe(0);
    const listed = (info.lines.find((l) => l.msg === 'info')?.info as { backups: Array<{ backupId: string; type: string }> }).backups;
    expect(listed.map((b) => [b.backupId, b.type])).toEqual([[ids[0], 'full'], [ids[1], 'incremental'], [ids[2], 'incremental']]);
  });

  test('restore of the chain gives the data as it was at incremental 2', async () => {
    const datadir = join(work, 'restored');
    const r = await restore(datadir);
    expect({ code: r.code, out: r.code === 0 ? '' : explain(r) }).toEqual({ code: 0, out: '' });
    expect(r.stdout).toMatch(/--prepare/);
    const owner = spawnSync('stat', ['-c', '%U', join(datadir, 'ibdata1')], { encoding: 'utf8' }).stdout.trim();
    expect(owner).toBe('mysql');
    const server = await startMariaDb({ dataDir: datadir });
    restoredServers.push(server);
    const got = fingerprint(restoredSql(server));
    expect(got).toBe(atIncr2);
    expect(restoredSql(server)('SELECT COUNT(*) FROM shop.notes WHERE id >= 9001')).toBe('0');
    await server.stop();
  });

  test('point-in-time restore replays binlogs up to and including the target second', async () => {
    const datadir = join(work, 'restored-pitr');
    const r = await restore(datadir, ['--target-time', pitrTarget, '--binlog-dir', join(src.baseDir, 'binlog')]);
    expect({ code: r.code, out: r.code === 0 ? '' : explain(r) }).toEqual({ code: 0, out: '' });
    const server = await startMariaDb({ dataDir: datadir });
    restoredServers.push(server);
    const sql = restoredSql(server);
    // 9003 was stamped in the target second: applied; 9002, in a later second: not.
    expect(sql('SELECT GROUP_CONCAT(id ORDER BY id) FROM shop.notes WHERE id >= 9001')).toBe('9001,9003');
    await server.stop();
  });

  test('a target before the newest backup restores the newest backup that ended before it, then replays to the target', async () => {
    const datadir = join(work, 'restored-pitr-older');
    const r = await restore(datadir, ['--target-time', beforeIncr2, '--binlog-dir', join(src.baseDir, 'binlog')]);
    expect({ code: r.code, out: r.code === 0 ? '' : explain(r) }).toEqual({ code: 0, out: '' });
    const chain = r.lines.find((l) => l.msg === 'restoring chain')?.backups as string[];
    expect(chain.map((c) => c.split(' ')[0])).toEqual([ids[0], ids[1]]);
    const server = await startMariaDb({ dataDir: datadir });
    restoredServers.push(server);
    expect(fingerprint(restoredSql(server))).toBe(atIncr1);
    await server.stop();
  });

  test('targets outside the recoverable window are refused before restoring: exit 2, the window in the message', async () => {
    const datadir = join(work, 'restored-outside-window');
    const binlogDir = join(src.baseDir, 'binlog');
    const window = new RegExp(`recoverable window: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(end of the oldest complete backup ${ids[0]}\\)`
      + ` to \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(newest event in --binlog-dir ${binlogDir}\\)`);
    const cases: Array<[string, string]> = [
      ['2000-01-01 00:00:00', 'is before the end of the oldest complete backup'],
      ['2099-01-01 00:00:00', 'is in the future'],
      // Past, but later than anything in the shipped binlogs: the restore would silently stop short of it.
      [utc(Date.now() - 1000), 'is after the newest event in --binlog-dir'],
    ];
    for (const [time, why] of cases) {
      const r = await restore(datadir, ['--target-time', time, '--binlog-dir', binlogDir]);
      expect({ time, code: r.code, out: r.code === 2 ? '' : explain(r) }).toEqual({ time, code: 2, out: '' });
      const err = r.lines.filter((l) => l.level === 'error').pop()!;
      expect(String(err.msg)).toContain(`--target-time "${time}" ${why}`);
      expect(String(err.msg)).toMatch(window);
      expect(existsSync(datadir)).toBe(false);
      expect(r.stdout).not.toMatch(/starting process","process":"mbstream/);
    }
  });

  test('restore refuses a data directory that is not empty (exit 2)', async () => {
    const datadir = join(work, 'restored');
    const r = await restore(datadir);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`--restore-datadir ${datadir} is not empty`);
  });

  test('a spool quota smaller than the unpacked chain fails with exit 4 before unpacking', async () => {
    const datadir = join(work, 'restored-quota');
    const r = await restore(datadir, ['--spool-max-bytes', '1000000']);
    expect({ code: r.code, out: r.code === 4 ? '' : explain(r) }).toEqual({ code: 4, out: '' });
    expect(r.stdout).toMatch(/is too small for the chain of 3 backup\(s\): it needs \d+ bytes unpacked, --spool-max-bytes=1000000/);
    expect(r.stdout).not.toMatch(/starting process","process":"mbstream/);
    expect(outcome(r).JobFailure).toBe(1);
  });

  test('a chain with a missing link is refused with exit 5 and names the missing backup', async () => {
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `runner/shop/mariabackup/${ids[1]}/manifest.json` }));
    const r = await restore(join(work, 'restored-broken'));
    expect(r.code).toBe(5);
    expect(r.stdout).toContain(`backup ${ids[1]} (needed by the chain of ${ids[2]}) has no manifest`);
    expect(outcome(r).JobFailure).toBe(1);
  });
});
