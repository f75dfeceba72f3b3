/**
 * The baseline capture handler with mocked S3 and Secrets Manager, against a real PostgreSQL
 * server standing in for production, reached with a read-only user.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/baseline-capture';
import { Baseline } from '../../runtime/integrity';
import { BASELINE_ENV, BaselineCaptureConfig } from '../../runtime/contracts/verification';
import { PostgresServer, startPostgres } from '../support/servers';
import { PG_SHOP_SCHEMA, userChecksFor } from '../verification/fixtures';

const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);
const READER_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-reader-XyZ';
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/0f0f';
const READER_PASSWORD = 'reader-pw-' + Math.random().toString(36).slice(2);

describe('baseline capture handler', () => {
  let pg: PostgresServer;
  let stdout: string[];
  let restoreWrite: () => void;
  let config: BaselineCaptureConfig;

  beforeAll(async () => {
    pg = await startPostgres();
    pg.psql('create database shop');
    pg.psql(PG_SHOP_SCHEMA, 'shop');
    // The read-only user the baseline connects with: it can read, not write.
    pg.psql(`create role reader login password '${READER_PASSWORD}'; grant pg_read_all_data to reader;`);
    config = {
      store: { bucket: 'baselines', prefix: 'baselines/', kmsKeyArn: KEY_ARN },
      tls: false,
      databases: [
        { name: 'shop', engine: 'postgres', secretArn: READER_SECRET, host: pg.host, port: pg.port, databaseName: 'shop', largestTables: 2, userChecks: userChecksFor('postgres') },
        { name: 'ghost', engine: 'postgres', secretArn: READER_SECRET, host: pg.host, port: pg.port, databaseName: 'no_such_db', largestTables: 10, userChecks: [] },
      ],
    };
  });

  afterAll(async () => {
    await pg?.stop();
  });

  beforeEach(() => {
    process.env[BASELINE_ENV.config] = JSON.stringify(config);
    s3.reset(); secrets.reset();
    s3.on(PutObjectCommand).resolves({});
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'reader', password: READER_PASSWORD }) });
    stdout = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout.push(String(chunk)); return true; });
    restoreWrite = () => spy.mockRestore();
  });

  afterEach(() => {
    restoreWrite();
    delete process.env[BASELINE_ENV.config];
  });

  it('captures one database with the read-only user and writes it with SSE-KMS', async () => {
    const out = await handler({ database: 'shop' });
    expect(out).toEqual([{ database: 'shop', location: 's3://baselines/baselines/shop/baseline.json', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), tables: 3, userCheckErrors: [] }]);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ Bucket: 'baselines', Key: 'baselines/shop/baseline.json', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN, ContentType: 'application/json' });
    const stored = JSON.parse(String(puts[0].Body)) as Baseline;
    expect(stored.rowCounts).toEqual([{ table: 'orders', rows: 1000 }, { table: 'customers', rows: 50 }]);
    expect(stored.checkDefinitions.map((c) => c.name)).toEqual(['latest-order-fresh', 'order-volume', 'high-value-checksum', 'has-customers']);
    expect(stored.userChecks.every((c) => c.error === undefined)).toBe(true);
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: READER_SECRET });
    expect(stdout.join('')).not.toContain(READER_PASSWORD);
  });

  it('captures the others and then fails naming the database it could not capture', async () => {
    await expect(handler({})).rejects.toThrow(/baseline of 'ghost' not captured: could not connect to 127\.0\.0\.1:\d+: database "no_such_db" does not exist/);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['baselines/shop/baseline.json']);
    expect(stdout.join('')).not.toContain(READER_PASSWORD);
  });

  it('rejects an unknown database name in the event', async () => {
    await expect(handler({ database: 'nope' })).rejects.toThrow("no database named 'nope' is configured for baselines (known: shop, ghost)");
  });

  it('records a user check that fails on production with its message', async () => {
    process.env[BASELINE_ENV.config] = JSON.stringify({ ...config, databases: [{ ...config.databases[0], userChecks: [{ name: 'writes', sql: 'delete from orders returning 1', expect: 'notEmpty' }] }] });
    const [out] = await handler({ database: 'shop' });
    expect(out.userCheckErrors).toEqual([expect.stringMatching(/^writes: .*(read-only transaction|permission denied)/)]);
    expect(pg.psql('select count(*) from orders', 'shop')).toBe('1000');
  });

  it('refuses invalid user check declarations before connecting', async () => {
    process.env[BASELINE_ENV.config] = JSON.stringify({ ...config, databases: [{ ...config.databases[0], userChecks: [{ name: 'x', sql: 'select 1', expect: 'atLeast', value: 'many' }] }] });
    await expect(handler({ database: 'shop' })).rejects.toThrow("baseline-capture: user checks of shop: 1 problem:\n  - userChecks[0] (x).value must be a number for 'atLeast', got 'many'");
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
