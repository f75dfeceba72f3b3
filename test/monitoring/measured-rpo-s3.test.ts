/**
 * The measured-RPO Lambda's S3 sources against a real S3-compatible server (HTTPS s3rver):
 * manifests written in the runner's own format, and a WAL archive written by a real pgBackRest
 * `archive-push` from a real PostgreSQL 15.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { join } from 'node:path';
import { manifestSource, walArchiveSource } from '../../lambda/measured-rpo/sources';
import { ManifestBuilder, MANIFEST_NAME, newBackupId } from '../../runtime/manifest';
import { PostgresServer, S3Server, asUser, chownRecursive, requireTool, serviceTempDir, startPostgres, startS3 } from '../support/servers';

let s3: S3Server;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3();
  client = new S3Client({
    endpoint: s3.endpoint, region: s3.region, forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: readFileSync(s3.caFile) }) }),
  });
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

describe('runner manifests', () => {
  const bucket = 'runner-backups';
  const put = (key: string, body: string) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  function manifest(engine: string, started: Date, stopped: Date): { id: string; json: string } {
    const id = newBackupId(started, 'full');
    const b = new ManifestBuilder({ backupId: id, database: 'orders', engine, type: 'full', startedAt: started });
    b.addObject({ key: `${id}/data.zst`, sha256: 'a'.repeat(64), bytes: 10, rawBytes: 20, compression: 'zstd' });
    return { id, json: JSON.stringify(b.build(stopped)) };
  }

  beforeAll(async () => {
    await s3.createBucket(bucket);
    const day = 24 * 3600 * 1000;
    const older = manifest('pgbackrest', new Date(Date.now() - 2 * day), new Date(Date.now() - 2 * day + 60000));
    const newest = manifest('pgbackrest', new Date(Date.now() - day), new Date(Date.now() - day + 120000));
    // A backup still running (or killed): its objects exist, its manifest does not.
    const running = newBackupId(new Date(Date.now() - 60000), 'full');
    await put(`orders/${older.id}/data.zst`, 'x');
    await put(`orders/${older.id}/${MANIFEST_NAME}`, older.json);
    await put(`orders/${newest.id}/data.zst`, 'x');
    await put(`orders/${newest.id}/${MANIFEST_NAME}`, newest.json);
    await put(`orders/${running}/data.zst`, 'x');
    const dump = manifest('pg-dump', new Date(Date.now() - 3 * 3600000), new Date(Date.now() - 2 * 3600000));
    await put(`ledger/${dump.id}/${MANIFEST_NAME}`, dump.json);
  });

  test('the newest complete backup, stepping over one without a manifest; its stoppedAt is the recovery point', async () => {
    const r = await manifestSource({ bucket, prefix: 'orders' }, client);
    expect(r.status).toBe('ok');
    const expected = new Date(Date.now() - 24 * 3600 * 1000 + 120000).getTime();
    expect(Math.abs(r.recoveryPointTime!.getTime() - expected)).toBeLessThan(60000);
    expect(r.detail).toMatch(/stoppedAt \(1 newer folder\(s\) without a manifest\)$/);
  });

  test('a pg_dump manifest counts from its start', async () => {
    const r = await manifestSource({ bucket, prefix: 'ledger/' }, client);
    expect(r.status).toBe('ok');
    expect(Math.abs(r.recoveryPointTime!.getTime() - (Date.now() - 3 * 3600000))).toBeLessThan(60000);
    expect(r.detail).toContain('startedAt');
  });

  test('an empty prefix has no recovery point', async () => {
    const r = await manifestSource({ bucket, prefix: 'nothing-here' }, client);
    expect(r).toMatchObject({ source: 'runner-manifest', status: 'none' });
  });
});

describe('pgBackRest WAL archive', () => {
  const bucket = 'wal-archive';
  let pg: PostgresServer;
  let dir: string;
  let conf: string;

  beforeAll(async () => {
    requireTool('pgbackrest');
    await s3.createBucket(bucket);
    dir = serviceTempDir('measured-rpo-pgbr-', 'postgres');
    conf = join(dir, 'pgbackrest.conf');
    pg = await startPostgres({ extraConf: `archive_mode = on\narchive_command = 'pgbackrest --config=${conf} --stanza=main archive-push %p'\narchive_timeout = 0` });
    writeFileSync(conf, [
      '[global]',
      'repo1-type=s3', 'repo1-s3-endpoint=127.0.0.1', `repo1-storage-port=${s3.port}`, `repo1-s3-bucket=${bucket}`,
      `repo1-s3-region=${s3.region}`, `repo1-s3-key=${s3.accessKeyId}`, `repo1-s3-key-secret=${s3.secretAccessKey}`,
      'repo1-s3-uri-style=path', `repo1-storage-ca-file=${s3.caFile}`, 'repo1-path=/pgbackrest',
      `log-path=${dir}`, `lock-path=${dir}`, 'log-level-console=warn', 'compress-type=gz',
      '[main]', `pg1-path=${pg.dataDir}`, `pg1-port=${pg.port}`, `pg1-socket-path=${pg.socketDir}`, '',
    ].join('\n'));
    chownRecursive(dir, 'postgres');
    const cmd = asUser('postgres', ['pgbackrest', `--config=${conf}`, '--stanza=main', 'stanza-create']);
    const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`stanza-create failed (${r.status}): ${r.stdout}${r.stderr}`);
  });

  afterAll(async () => {
    await pg?.stop();
    if (dir) spawnSync('rm', ['-rf', dir]);
  });

  async function archived(): Promise<string> {
    const start = Date.now();
    while (Date.now() - start < 60000) {
      const last = pg.psql('select coalesce(last_archived_wal, \'\') from pg_stat_archiver');
      if (last) return last;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no WAL archived after 60 s: ${pg.psql('select * from pg_stat_archiver')}`);
  }

  test('finds the segment PostgreSQL archived last, under pgBackRest\'s own layout', async () => {
    pg.psql('create table t (id int); insert into t values (1)');
    pg.psql('select pg_switch_wal()');
    let last = await archived();
    pg.psql('insert into t values (2)');
    pg.psql('select pg_switch_wal()');
    const start = Date.now();
    while ((await archived()) === last && Date.now() - start < 60000) await new Promise((r) => setTimeout(r, 250));
    last = await archived();

    const r = await walArchiveSource({ bucket, prefix: 'pgbackrest/archive/main' }, client);
    expect(r.status).toBe('ok');
    // pgbackrest/archive/main/15-1/<timeline+log>/<segment>-<sha1>.gz
    expect(r.detail).toMatch(new RegExp(`^s3://${bucket}/pgbackrest/archive/main/15-1/${last.slice(0, 16)}/${last}-[0-9a-f]{40}\\.gz$`));
    expect(Date.now() - r.recoveryPointTime!.getTime()).toBeLessThan(120000);
  });
});
