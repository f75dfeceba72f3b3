import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgDumpTooOld } from '../../../runner/src/engines/pg-dump';
import { PostgresServer, startPostgres } from '../../support/servers';
import { startS3WithMultipart, TestS3Server } from '../support/s3-multipart';
import { listKeys, outcome, runRunner, s3Client, s3Env } from '../support/run-runner';

// pg_dump → zstd → S3 multipart, manifest, verify, pg_restore -j into another database, on a real
// PostgreSQL 15 and the HTTPS test S3 server.
describe('pg-dump engine on PostgreSQL 15 and S3', () => {
  let pg: PostgresServer;
  let s3: TestS3Server;
  const bucket = 'logical-pg';

  beforeAll(async () => {
    [pg, s3] = await Promise.all([startPostgres(), startS3WithMultipart()]);
    await s3.createBucket(bucket);
    pg.psql('create database shop');
    pg.psql(`create table orders(id int primary key, customer text not null, total numeric(10,2), placed timestamptz default now());
      insert into orders(id, customer, total) select g, 'customer-' || md5(g::text) || md5((g * 3)::text), g * 1.5 from generate_series(1, 300000) g;
      create index on orders(customer);
      create view big_orders as select * from orders where total > 100;`, 'shop');
  });
  afterAll(async () => {
    await Promise.all([pg?.stop(), s3?.stop()]);
  });

  const env = () => ({
    ...s3Env(s3, bucket),
    RUNNER_DB_PASSWORD: pg.password,
    RUNNER_TARGET_PASSWORD: pg.password,
  });
  const common = () => ['--engine', 'pg-dump', '--database', 'shop', '--db-host', pg.host, '--db-port', String(pg.port), '--db-user', 'postgres', '--db-name', 'shop'];

  it('backs up, verifies and restores with identical data; the password appears nowhere', async () => {
    const backup = await runRunner(['backup', ...common(),
      // Small parts so even this test database goes through a real multipart upload.
      '--s3-part-size-mb', '5'], env());
    expect(backup.code).toBe(0);
    const ok = outcome(backup);
    expect(ok).toMatchObject({ JobSuccess: 1, JobFailure: 0, Engine: 'pg-dump', Database: 'shop', Job: 'backup' });
    // More than two 5 MiB parts even after compression: a real multipart upload.
    expect(ok.BytesStored as number).toBeGreaterThan(10 * 1024 * 1024);
    expect(ok.BytesStored as number).toBeLessThan(ok.BytesRaw as number);
    expect(ok.LastSuccessEpochSeconds).toEqual(expect.any(Number));

    // Every write carried a CRC32 checksum (S3 Object Lock buckets refuse parts without one).
    const writes = s3.requests().filter((q) => q.method === 'PUT' || (q.method === 'POST' && q.query.includes('uploads')));
    expect(writes.filter((q) => q.query.includes('partNumber')).length).toBeGreaterThanOrEqual(2);
    for (const w of writes.filter((q) => q.path.startsWith(`/${bucket}/`))) {
      if (w.query.includes('uploads')) expect(w.checksumAlgorithm).toMatch(/^crc32$/i);
      else expect(w).toMatchObject({ checksum: expect.any(String) });
    }
    const client = s3Client(s3);
    const keys = await listKeys(client, bucket, 'runner/shop/pg-dump/');
    expect(keys).toHaveLength(2);
    const manifestKey = keys.find((k) => k.endsWith('/manifest.json'))!;
    const manifestText = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey }))).Body!.transformToString();
    const manifest = JSON.parse(manifestText);
    expect(manifest).toMatchObject({ formatVersion: 1, engine: 'pg-dump', database: 'shop', type: 'full' });
    expect(manifest.position.walLsnAtStart).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(manifest.toolVersions.pg_dump).toMatch(/pg_dump \(PostgreSQL\) 15/);
    expect(manifest.objects).toHaveLength(1);
    expect(manifest.objects[0]).toMatchObject({ compression: 'zstd', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(manifest.bytesRaw).toBe(ok.BytesRaw);

    const verify = await runRunner(['verify', ...common()], env());
    expect(verify.code).toBe(0);
    const verifyLog = verify.logs.find((l) => l.msg === 'verify passed')!;
    expect(JSON.stringify(verifyLog.checks)).toMatch(/sha256 ok/);
    expect(JSON.stringify(verifyLog.checks)).toMatch(/pg_restore --list: \d+ TOC entries/);

    const restore = await runRunner(['restore', ...common(), '--target-host', pg.host, '--target-port', String(pg.port), '--target-user', 'postgres',
      '--target-db', 'shop_restored', '--jobs', '2'], env());
    expect(restore.code).toBe(0);
    expect(outcome(restore)).toMatchObject({ JobSuccess: 1, Job: 'restore' });
    const q = 'select count(*), sum(total), md5(string_agg(id::text || customer, \',\' order by id)) from orders';
    expect(pg.psql(q, 'shop_restored')).toBe(pg.psql(q, 'shop'));
    expect(pg.psql('select count(*) from big_orders', 'shop_restored')).toBe(pg.psql('select count(*) from big_orders', 'shop'));

    // The password travels only in the child's environment: never in output, argv logs or the manifest.
    for (const text of [backup.stdout, backup.stderr, verify.stdout, restore.stdout, restore.stderr, manifestText]) {
      expect(text).not.toContain(pg.password);
    }
    const argvLog = backup.logs.find((l) => l.msg === 'starting process' && l.process === 'pg_dump')!;
    expect(argvLog.argv).toEqual(['/usr/bin/pg_dump', '--format=custom', '--compress=0', '--no-password', '--host', pg.host, '--port', String(pg.port),
      '--username', 'postgres', '--dbname', 'shop']);
    expect(argvLog.envKeys).toContain('PGPASSWORD');
  });

  it('check: reaches the database and the bucket; a wrong password is exit 3; a user who cannot read a table is refused', async () => {
    const ok = await runRunner(['check', ...common()], env());
    expect(ok.code).toBe(0);
    expect(ok.logs.find((l) => l.msg === 'database reachable')!.serverVersion).toMatch(/^15\./);
    const bad = await runRunner(['check', ...common()], { ...env(), RUNNER_DB_PASSWORD: 'not-the-password' });
    expect(bad.code).toBe(3);
    expect(bad.logs.filter((l) => l.level === 'error').pop()!.msg).toMatch(/password authentication failed for user "postgres"/);
    pg.psql("create role reader login password 'reader-pw'; grant connect on database shop to reader", 'shop');
    const denied = await runRunner(['check', ...common().map((a) => (a === 'postgres' ? 'reader' : a))], { ...env(), RUNNER_DB_PASSWORD: 'reader-pw' });
    expect(denied.code).toBe(3);
    expect(denied.logs.filter((l) => l.level === 'error').pop()!.msg).toMatch(/reader cannot SELECT 1 table\(s\) of shop: grant pg_read_all_data/);
  });

  it('verify fails with exit 5 when a stored object was altered', async () => {
    const first = await runRunner(['backup', ...common()], env());
    expect(first.code).toBe(0);
    const id = outcome(first).backupId as string;
    const client = s3Client(s3);
    const key = (await listKeys(client, bucket, `runner/shop/pg-dump/${id}/`)).find((k) => k.endsWith('.zst'))!;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('not the dump') }));
    const verify = await runRunner(['verify', ...common(), '--backup-id', id], env());
    expect(verify.code).toBe(5);
    expect(verify.logs.find((l) => l.level === 'error')!.msg).toMatch(/SHA-256 [0-9a-f]{64} does not match the manifest/);
    expect(outcome(verify)).toMatchObject({ JobFailure: 1, Job: 'verify' });
  });
});

describe('pg_dump older than the server', () => {
  it('is named up front with the client package the image needs', () => {
    const debian15 = 'pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)';
    expect(pgDumpTooOld(debian15, 170002)).toBe('pg_dump 15 cannot dump a PostgreSQL 17 server (server_version_num 170002; '
      + '"pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"): the runner image needs postgresql-client-17 or newer (runner/apt-packages.txt)');
    expect(pgDumpTooOld(debian15, 150004)).toBeUndefined();
    expect(pgDumpTooOld(debian15, 90624)).toBeUndefined();
    expect(pgDumpTooOld('pg_dump (PostgreSQL) 18.1', 170002)).toBeUndefined();
    expect(pgDumpTooOld('pg_dump (PostgreSQL) 9.6.24', 100005)).toMatch(/^pg_dump 9\.6 cannot dump a PostgreSQL 10 server/);
    // An unreadable version line leaves the decision to pg_dump.
    expect(pgDumpTooOld('pg_dump: command not understood', 170002)).toBeUndefined();
  });

  describe('on a real PostgreSQL 15 with a pg_dump that says it is 14', () => {
    let pg: PostgresServer;
    let s3: TestS3Server;
    let bin: string;
    const bucket = 'logical-pg-old-client';

    beforeAll(async () => {
      [pg, s3] = await Promise.all([startPostgres(), startS3WithMultipart()]);
      await s3.createBucket(bucket);
      bin = mkdtempSync(join(tmpdir(), 'old-pg-dump-'));
      // Answers --version like pg_dump 14; anything else would be a dump, which must not start.
      writeFileSync(join(bin, 'pg_dump'), '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 14.11"; exit 0; fi\n'
        + 'echo "stand-in pg_dump asked to dump" >&2\nexit 1\n', { mode: 0o755 });
    });
    afterAll(async () => {
      await Promise.all([pg?.stop(), s3?.stop()]);
      if (bin) rmSync(bin, { recursive: true, force: true });
    });

    for (const command of ['backup', 'check']) {
      it(`${command}: configuration error (exit 2) naming both versions, failure metric, nothing stored`, async () => {
        const r = await runRunner([command, '--engine', 'pg-dump', '--database', 'postgres', '--db-host', pg.host, '--db-port', String(pg.port),
          '--db-user', 'postgres', '--db-name', 'postgres'], { ...s3Env(s3, bucket), RUNNER_DB_PASSWORD: pg.password, PATH: `${bin}:/usr/bin:/bin` });
        expect(r.code).toBe(2);
        expect(outcome(r)).toMatchObject({ JobSuccess: 0, JobFailure: 1 });
        const failed = r.logs.find((l) => l.level === 'error');
        expect(String(failed?.msg)).toContain('pg_dump 14 cannot dump a PostgreSQL 15 server');
        expect(String(failed?.msg)).toContain('postgresql-client-15 or newer');
        expect(r.stderr).not.toContain('stand-in pg_dump asked to dump');
        expect(await listKeys(s3Client(s3), bucket, '')).toEqual([]);
      });
    }
  });
});
