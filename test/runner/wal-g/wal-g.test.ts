/**
 * wal-g cannot be installed here, so its engine is tested by the exact command lines and
 * environment it builds, by running the CLI with a recording stand-in for the wal-g binary, and by
 * the failure when wal-g is missing (exit 2, clear message, failure metric, no manifest).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  walgBackupPushArgs, walgDeleteArgs, walgEnv, walgFetchArgs, walgListArgs, walgReceiveArgs, walgVerifyArgs,
} from '../../../runner/src/engines/wal-g';
import { S3Server, startS3 } from '../../support/servers';
import { listKeys, outcome, runRunner, s3Client, s3Env } from '../support/run-runner';

const KEY = 'c2VjcmV0LWxpYnNvZGl1bS1rZXktMzItYnl0ZXMtbG9uZyE=';

describe('wal-g command lines and environment', () => {
  test('environment: S3 prefix, custom endpoint, zstd, libsodium key, PG connection, task-role variables passed through', () => {
    const env = walgEnv({
      bucket: 'backups', repositoryPrefix: 'runner/orders/wal-g/repository', region: 'eu-west-1',
      endpoint: 'https://127.0.0.1:9000', caFile: '/ca.pem', compression: 'zstd', libsodiumKey: KEY, libsodiumKeyTransform: 'base64',
      uploadConcurrency: 2, deltaMaxSteps: 6, dbHost: 'db1', dbPort: 5432, dbUser: 'backup', dbName: 'postgres', dbPassword: 'pw',
      parentEnv: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc', RUNNER_DB_PASSWORD: 'pw', SOMETHING_ELSE: 'x' },
    });
    expect(env).toEqual({
      WALG_S3_PREFIX: 's3://backups/runner/orders/wal-g/repository',
      WALG_COMPRESSION_METHOD: 'zstd',
      WALG_LIBSODIUM_KEY: KEY,
      WALG_LIBSODIUM_KEY_TRANSFORM: 'base64',
      WALG_UPLOAD_CONCURRENCY: '2',
      WALG_DELTA_MAX_STEPS: '6',
      WALG_S3_CA_CERT_FILE: '/ca.pem',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT: 'https://127.0.0.1:9000',
      AWS_S3_FORCE_PATH_STYLE: 'true',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc',
      PGHOST: 'db1', PGPORT: '5432', PGUSER: 'backup', PGDATABASE: 'postgres', PGPASSWORD: 'pw',
    });
  });

  test('on AWS without a custom endpoint nothing S3-compatible is set', () => {
    const env = walgEnv({ bucket: 'b', repositoryPrefix: 'p', compression: 'lz4', libsodiumKey: KEY, libsodiumKeyTransform: 'base64', uploadConcurrency: 4, parentEnv: {} });
    expect(Object.keys(env).sort()).toEqual(['WALG_COMPRESSION_METHOD', 'WALG_LIBSODIUM_KEY', 'WALG_LIBSODIUM_KEY_TRANSFORM', 'WALG_S3_PREFIX', 'WALG_UPLOAD_CONCURRENCY']);
  });

  test('argv: backup-push (remote, no data directory), wal-receive, backup-fetch, delete, list, verify', () => {
    expect(walgBackupPushArgs('full')).toEqual(['backup-push', '--full']);
    expect(walgBackupPushArgs('incr')).toEqual(['backup-push']);
    expect(walgReceiveArgs()).toEqual(['wal-receive']);
    expect(walgFetchArgs('/restore/data')).toEqual(['backup-fetch', '/restore/data', 'LATEST']);
    expect(walgFetchArgs('/restore/data', 'base_000000010000000000000004')).toEqual(['backup-fetch', '/restore/data', 'base_000000010000000000000004']);
    expect(walgDeleteArgs(3)).toEqual(['delete', 'retain', 'FULL', '3', '--confirm']);
    expect(walgListArgs()).toEqual(['backup-list', '--json', '--detail']);
    expect(walgVerifyArgs()).toEqual(['wal-verify', 'integrity', 'timeline', '--json']);
  });
});

describe('wal-g through the runner CLI', () => {
  let s3: S3Server;
  let dir: string;
  let client: ReturnType<typeof s3Client>;
  beforeAll(async () => {
    s3 = await startS3();
    client = s3Client(s3);
    await s3.createBucket('walg');
    dir = mkdtempSync(join(tmpdir(), 'walg-'));
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const baseArgs = ['--engine', 'wal-g', '--database', 'orders', '--db-host', '127.0.0.1', '--db-user', 'backup'];

  test('missing wal-g: exit 2, a message naming the tool and the image package list, a failure metric, no manifest', async () => {
    const r = await runRunner(['backup', ...baseArgs, '--type', 'full', '--spool-dir', join(dir, 'spool')], {
      ...s3Env(s3, 'walg'), PATH: '/usr/bin:/bin', RUNNER_WALG_LIBSODIUM_KEY: KEY, RUNNER_DB_PASSWORD: 'db-secret-pw',
    });
    expect(r.code).toBe(2);
    const err = r.logs.find((l) => l.level === 'error');
    expect(String(err?.msg)).toMatch(/wal-g is not installed \(required by engine wal-g\); install it in the runner image \(runner\/apt-packages.txt\)/);
    expect(outcome(r)).toMatchObject({ JobSuccess: 0, JobFailure: 1, exitCode: 2, Engine: 'wal-g', Job: 'backup' });
    expect(await listKeys(client, 'walg')).toEqual([]);
    expect(r.stdout).not.toContain(KEY);
    expect(r.stdout).not.toContain('db-secret-pw');
  });

  test('with a recording stand-in for wal-g: the runner runs backup-push with the exact argv and environment, secrets only in env', async () => {
    const bin = join(dir, 'bin');
    const record = join(dir, 'calls.log');
    const state = join(dir, 'pushed');
    require('node:fs').mkdirSync(bin, { recursive: true });
    // Prints an empty backup list until backup-push ran, then one backup (wal-g's JSON shape).
    writeFileSync(join(bin, 'wal-g'), `#!/bin/sh
{ printf 'ARGV'; for a in "$@"; do printf ' [%s]' "$a"; done; printf '\\n'; env | grep -E '^(WALG_|AWS_|PG)' | sort; echo END; } >> '${record}'
case "$1" in
  --version) echo 'wal-g version v3.0.5';;
  backup-list) if [ -f '${state}' ]; then echo '[{"backup_name":"base_000000010000000000000004","start_lsn":67108904,"finish_lsn":67109160,"wal_file_name":"000000010000000000000004","uncompressed_size":23000000,"compressed_size":3000000}]'; else echo '[]'; fi;;
  backup-push) touch '${state}';;
esac
`);
    chmodSync(join(bin, 'wal-g'), 0o755);
    const r = await runRunner(['backup', ...baseArgs, '--type', 'full', '--spool-dir', join(dir, 'spool')], {
      ...s3Env(s3, 'walg'), PATH: `${bin}:/usr/bin:/bin`, RUNNER_WALG_LIBSODIUM_KEY: KEY, RUNNER_DB_PASSWORD: 'db-secret-pw',
    });
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    expect(outcome(r)).toMatchObject({ JobSuccess: 1, JobFailure: 0 });
    const calls = readFileSync(record, 'utf8').split('END\n').filter(Boolean);
    const push = calls.find((c) => c.startsWith('ARGV [backup-push]'))!;
    expect(push.split('\n')[0]).toBe('ARGV [backup-push] [--full]');
    const env = Object.fromEntries(push.split('\n').slice(1).filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(env).toEqual({
      AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region,
      AWS_ENDPOINT: s3.endpoint, AWS_S3_FORCE_PATH_STYLE: 'true',
      WALG_COMPRESSION_METHOD: 'zstd', WALG_LIBSODIUM_KEY: KEY, WALG_LIBSODIUM_KEY_TRANSFORM: 'base64', WALG_S3_CA_CERT_FILE: s3.caFile,
      WALG_S3_PREFIX: 's3://walg/runner/orders/wal-g/repository', WALG_UPLOAD_CONCURRENCY: '2',
      PGHOST: '127.0.0.1', PGUSER: 'backup', PGPASSWORD: 'db-secret-pw',
    });
    for (const c of calls) expect(c.split('\n')[0]).not.toMatch(/db-secret-pw|c2VjcmV0/);
    expect(r.stdout).not.toContain(KEY);
    expect(r.stdout).not.toContain('db-secret-pw');
    const keys = await listKeys(client, 'walg');
    expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(/^runner\/orders\/wal-g\/\d{8}T\d{6}Z-full\/manifest\.json$/),
      expect.stringMatching(/wal-g-backup\.json$/)]));
    expect(existsSync(state)).toBe(true);
  });

  test('restore without --backup-id fetches the newest backup with a runner manifest by name, never wal-g\'s LATEST', async () => {
    // Uses the stand-in and the backup of the previous test. wal-g's LATEST could be a backup whose runner job failed (no manifest).
    const bin = join(dir, 'bin');
    const record = join(dir, 'calls.log');
    writeFileSync(record, '');
    const target = join(dir, 'restored');
    const r = await runRunner(['restore', ...baseArgs, '--target-dir', target, '--spool-dir', join(dir, 'spool')], {
      ...s3Env(s3, 'walg'), PATH: `${bin}:/usr/bin:/bin`, RUNNER_WALG_LIBSODIUM_KEY: KEY, RUNNER_DB_PASSWORD: 'db-secret-pw',
    });
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    const fetch = readFileSync(record, 'utf8').split('END\n').find((c) => c.startsWith('ARGV [backup-fetch]'))!;
    expect(fetch.split('\n')[0]).toBe(`ARGV [backup-fetch] [${target}] [base_000000010000000000000004]`);
  });

  test('bad flags: every problem at once, exit 2', async () => {
    const r = await runRunner(['backup', '--engine', 'wal-g', '--database', 'orders', '--type', 'diff', '--posix-repo', dir], { PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(2);
    const msg = String(r.logs.find((l) => l.level === 'error')?.msg);
    expect(msg).toMatch(/--type must be one of full, incr, wal-receive/);
    expect(msg).toMatch(/RUNNER_WALG_LIBSODIUM_KEY is required/);
    expect(msg).toMatch(/--s3-bucket .* is required for wal-g/);
    expect(msg).toMatch(/--db-host .* is required for wal-g backups/);
    expect(outcome(r)).toMatchObject({ JobFailure: 1, exitCode: 2 });
  });
});
