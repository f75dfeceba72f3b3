import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, PostgresServer, startPostgres } from '../../support/servers';
import { startS3WithMultipart, TestS3Server } from '../support/s3-multipart';
import { listKeys, listMultipartUploads, outcome, RunResult, runRunner, s3Client, s3Env, startRunner } from '../support/run-runner';

// Fault cases on real servers. Each must end non-zero with the right exit code, a clear message,
// a failure metric, and no manifest: a half backup must never look like a good one.
describe('runner faults', () => {
  let pg: PostgresServer;
  const bucket = 'faults';

  beforeAll(async () => {
    pg = await startPostgres();
    pg.psql('create database big');
    // ~70 MB of poorly compressible rows: the dump is still streaming when the faults hit.
    pg.psql(`create table t as select g as id, md5(g::text) || md5((g * 7)::text) as a, md5((g * 13)::text) as b from generate_series(1, 700000) g`, 'big');
  });
  afterAll(async () => {
    await pg?.stop();
  });

  const pgArgs = () => ['--engine', 'pg-dump', '--database', 'big', '--db-host', pg.host, '--db-port', String(pg.port), '--db-user', 'postgres', '--db-name', 'big'];
  /** The job's final error line (earlier error lines may report clean-up problems). */
  const errorLine = (r: RunResult) => r.logs.filter((l) => l.level === 'error').pop()!;

  /** Manifests under the s3rver data directory (read from disk, so it works after the server died). */
  const manifestsOnDisk = (s3: TestS3Server) => {
    const found: string[] = [];
    const walk = (d: string) => {
      if (!existsSync(d)) return;
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.includes('manifest.json')) found.push(p);
      }
    };
    walk(s3.dataDir);
    return found;
  };

  it('database down: exit 3, a clear message, a failure metric, no manifest', async () => {
    const s3 = await startS3WithMultipart();
    try {
      await s3.createBucket(bucket);
      const deadPort = await freePort();
      const r = await runRunner(['backup', ...pgArgs().map((a) => (a === String(pg.port) ? String(deadPort) : a))], { ...s3Env(s3, bucket), RUNNER_DB_PASSWORD: pg.password });
      expect(r.code).toBe(3);
      expect(errorLine(r).msg).toMatch(new RegExp(`backup failed: PostgreSQL 127\\.0\\.0\\.1:${deadPort}/big: .*ECONNREFUSED`));
      expect(outcome(r)).toMatchObject({ JobFailure: 1, JobSuccess: 0, errorKind: 'database', exitCode: 3 });
      expect(await listKeys(s3Client(s3), bucket)).toEqual([]);
    } finally {
      await s3.stop();
    }
  });

  it('database connection lost mid-dump: exit 3, the truncated stream is never committed, no manifest', async () => {
    const s3 = await startS3WithMultipart();
    try {
      await s3.createBucket(bucket);
      const client = s3Client(s3);
      const run = startRunner(['backup', ...pgArgs(), '--s3-part-size-mb', '5', '--log-level', 'debug'], { ...s3Env(s3, bucket), RUNNER_DB_PASSWORD: pg.password });
      const started = await run.waitForLine((l) => l.msg === 'multipart upload started');
      pg.psql("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'cdk-database-dr-runner'");
      const r = await run.result;
      expect(r.code).toBe(3);
      expect(errorLine(r).msg).toMatch(/backup failed: pg_dump exited with code 1: .*(terminating connection due to administrator command|server closed the connection unexpectedly)/s);
      expect(outcome(r)).toMatchObject({ JobFailure: 1, errorKind: 'database', exitCode: 3 });
      expect(r.logs.find((l) => l.msg === 'multipart upload aborted')).toMatchObject({ uploadId: started.uploadId });
      expect(await listMultipartUploads(client, bucket)).toEqual([]);
      expect(await listKeys(client, bucket)).toEqual([]);
    } finally {
      await s3.stop();
    }
  });

  it('S3 endpoint down mid-upload: exit 4, a clear message, a failure metric, no manifest', async () => {
    const s3 = await startS3WithMultipart();
    try {
      await s3.createBucket(bucket);
      const run = startRunner(['backup', ...pgArgs(), '--s3-part-size-mb', '5', '--log-level', 'debug'], { ...s3Env(s3, bucket), RUNNER_DB_PASSWORD: pg.password });
      await run.waitForLine((l) => l.msg === 'multipart upload started');
      await s3.kill();
      const r = await run.result;
      expect(r.code).toBe(4);
      expect(errorLine(r).msg).toMatch(/backup failed: S3 upload of runner\/big\/pg-dump\/[^ ]+\/dump\.pgc\.zst in s3:\/\/faults at https:\/\/127\.0\.0\.1:\d+ failed: .*(ECONNREFUSED|ECONNRESET|socket hang up)/);
      expect(outcome(r)).toMatchObject({ JobFailure: 1, errorKind: 'storage', exitCode: 4 });
      // The abort cannot reach a dead endpoint either; the runner says what cleans up instead.
      expect(r.logs.some((l) => /could not abort the multipart upload; the bucket lifecycle rule AbortIncompleteMultipartUpload/.test(String(l.msg)))).toBe(true);
      expect(r.logs.some((l) => l.msg === 'backup complete')).toBe(false);
      expect(manifestsOnDisk(s3)).toEqual([]);
      // pg_dump was stopped with the job: no dump connection is left on the database.
      await waitUntil(() => pg.psql("select count(*) from pg_stat_activity where application_name = 'cdk-database-dr-runner'") === '0');
    } finally {
      await s3.stop();
    }
  });

  it('SIGTERM mid-backup: exit 143, the multipart upload is aborted, a failure metric, no manifest', async () => {
    const s3 = await startS3WithMultipart();
    try {
      await s3.createBucket(bucket);
      const client = s3Client(s3);
      const run = startRunner(['backup', ...pgArgs(), '--s3-part-size-mb', '5', '--log-level', 'debug'], { ...s3Env(s3, bucket), RUNNER_DB_PASSWORD: pg.password });
      const started = await run.waitForLine((l) => l.msg === 'multipart upload started');
      // The upload really is open on the server before the stop.
      expect(await listMultipartUploads(client, bucket)).toEqual([{ key: started.key, uploadId: started.uploadId }]);
      run.child.kill('SIGTERM');
      const r = await run.result;
      expect(r.code).toBe(143);
      expect(errorLine(r).msg).toMatch(/backup failed: interrupted by SIGTERM: the job was stopped before it completed, no manifest was written/);
      expect(r.logs.find((l) => l.msg === 'multipart upload aborted')).toMatchObject({ uploadId: started.uploadId });
      expect(outcome(r)).toMatchObject({ JobFailure: 1, errorKind: 'interrupted', exitCode: 143 });
      expect(await listMultipartUploads(client, bucket)).toEqual([]);
      expect(await listKeys(client, bucket)).toEqual([]);
      await waitUntil(() => pg.psql("select count(*) from pg_stat_activity where application_name = 'cdk-database-dr-runner'") === '0');
    } finally {
      await s3.stop();
    }
  });

  describe('disk full in the spool directory', () => {
    let s3: TestS3Server;
    let work: string;
    beforeAll(async () => {
      s3 = await startS3WithMultipart();
      await s3.createBucket(bucket);
      work = mkdtempSync(join(tmpdir(), 'spool-fault-'));
      const r = await runRunner(['backup', ...pgArgs()], { ...s3Env(s3, bucket), RUNNER_DB_PASSWORD: pg.password });
      expect(r.code).toBe(0);
    });
    afterAll(async () => {
      spawnSync('umount', [join(work, 'tmpfs')], { stdio: 'ignore' });
      rmSync(work, { recursive: true, force: true });
      await s3?.stop();
    });
    const restoreArgs = () => ['restore', ...pgArgs(), '--target-host', pg.host, '--target-port', String(pg.port), '--target-user', 'postgres', '--target-db', 'big_copy'];

    it('quota (--spool-max-bytes) exceeded: exit 4, a clear message, a failure metric, no manifest', async () => {
      const before = await listKeys(s3Client(s3), bucket);
      const r = await runRunner([...restoreArgs(), '--spool-dir', join(work, 'quota'), '--spool-max-bytes', '1000000'],
        { ...s3Env(s3, bucket), RUNNER_DB_PASSWORD: pg.password, RUNNER_TARGET_PASSWORD: pg.password });
      expect(r.code).toBe(4);
      expect(errorLine(r).msg).toMatch(/restore failed: spool directory .*quota.* is full: writing restore\.pgc would exceed --spool-max-bytes=1000000/);
      expect(outcome(r)).toMatchObject({ JobFailure: 1, errorKind: 'storage', exitCode: 4 });
      expect(await listKeys(s3Client(s3), bucket)).toEqual(before);
      expect(readdirSync(join(work, 'quota'))).toEqual([]);
    });

    it('file system full (a 2 MiB tmpfs): exit 4, a clear message, a failure metric', async () => {
      const mnt = join(work, 'tmpfs');
      mkdirSync(mnt);
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { encoding: 'utf8' });
      if (m.status !== 0) throw new Error(`this test mounts a 2 MiB tmpfs and needs root with CAP_SYS_ADMIN: ${m.stderr}`);
      const r = await runRunner([...restoreArgs(), '--spool-dir', mnt], { ...s3Env(s3, bucket), RUNNER_DB_PASSWORD: pg.password, RUNNER_TARGET_PASSWORD: pg.password });
      expect(r.code).toBe(4);
      expect(errorLine(r).msg).toMatch(/restore failed: spool directory .* is full \(no space left on the device\) while writing restore\.pgc/);
      expect(outcome(r)).toMatchObject({ JobFailure: 1, errorKind: 'storage', exitCode: 4 });
      expect(readdirSync(mnt)).toEqual([]);
    });
  });
});

async function waitUntil(probe: () => boolean, timeoutMs = 15000): Promise<void> {
  const start = Date.now();
  while (!probe()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
