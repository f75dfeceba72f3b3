/**
 * The restore validator handler with mocked AWS clients (Backup, RDS, S3, Secrets Manager) and
 * the real checks against a real PostgreSQL server standing in for the restored instance.
 */
import { BackupClient, DescribeRestoreJobCommand, PutRestoreValidationResultCommand } from '@aws-sdk/client-backup';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, RestoreJobEvent } from '../../lambda/restore-validator';
import { Baseline, captureBaseline, connect } from '../../runtime/integrity';
import { VALIDATOR_ENV, ValidatorConfig } from '../../runtime/contracts/verification';
import { VERIFICATION_METRICS } from '../../runtime/metrics/names';
import { freePort, PostgresServer, startPostgres } from '../support/servers';
import { PG_SHOP_SCHEMA, recordDamage, userChecksFor } from '../verification/fixtures';
import { join } from 'node:path';

const DAMAGE_LOG = process.env.DAMAGE_LOG ?? join(__dirname, '..', '..', 'cdk.out', 'damage-cases.txt');

const PLAN_ARN = 'arn:aws:backup:us-east-1:123456789012:restore-testing-plan:shop_verification-1a2b3c';
const SOURCE_ARN = 'arn:aws:rds:us-east-1:123456789012:db:shop-prod';
const RESTORED_ARN = 'arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-7f3e';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-master-AbCdEf';

const backup = mockClient(BackupClient);
const rds = mockClient(RDSClient);
const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);

const config: ValidatorConfig = {
  restoreTestingPlanArn: PLAN_ARN,
  restoreTestingPlanName: 'shop_verification',
  store: { bucket: 'baselines', prefix: 'baselines/', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1' },
  tls: false,
  rowCountAbsoluteTolerance: 0,
  rowCountGrowthRatePerDay: 0.05,
  databases: [{ name: 'shop', engine: 'postgres', sourceArn: SOURCE_ARN, secretArn: SECRET_ARN, databaseName: 'shop' }],
};

const event = (restoreJobId = 'job-1'): RestoreJobEvent => ({
  source: 'aws.backup',
  'detail-type': 'Restore Job State Change',
  detail: { restoreJobId, status: 'COMPLETED', resourceType: 'RDS' },
});

describe('restore validator handler', () => {
  let pg: PostgresServer;
  let baseline: Baseline;
  let stdout: string[];
  let restoreWrite: () => void;
  const recoveryPointTime = new Date(Date.now() - 3600_000);

  beforeAll(async () => {
    pg = await startPostgres();
    pg.psql('create database shop');
    pg.psql(PG_SHOP_SCHEMA, 'shop');
    const db = await connect({ engine: 'postgres', host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'shop', tls: false });
    try {
      // The baseline is captured at the recovery point's time, so the age tolerance is 0 rows.
      baseline = await captureBaseline(db, { database: 'shop', userChecks: userChecksFor('postgres').filter((c) => c.expect !== 'newerThan'), now: recoveryPointTime });
    } finally {
      await db.close();
    }
  });

  afterAll(async () => {
    await pg?.stop();
  });

  beforeEach(() => {
    process.env[VALIDATOR_ENV.config] = JSON.stringify(config);
    backup.reset(); rds.reset(); s3.reset(); secrets.reset();
    backup.on(DescribeRestoreJobCommand).resolves({
      RestoreJobId: 'job-1', Status: 'COMPLETED', CreatedBy: { RestoreTestingPlanArn: PLAN_ARN },
      SourceResourceArn: SOURCE_ARN, CreatedResourceArn: RESTORED_ARN, ResourceType: 'RDS',
      CreationDate: new Date(Date.now() - 1800_000), CompletionDate: new Date(Date.now() - 600_000),
      RecoveryPointCreationDate: recoveryPointTime,
    });
    backup.on(PutRestoreValidationResultCommand).resolves({});
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'awsbackup-restore-test-7f3e', Endpoint: { Address: pg.host, Port: pg.port }, DBInstanceStatus: 'available' }] });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: pg.user, password: pg.password, engine: 'postgres' }) });
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify(baseline) } as never });
    stdout = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout.push(String(chunk)); return true; });
    restoreWrite = () => spy.mockRestore();
  });

  afterEach(() => {
    const put = backup.commandCalls(PutRestoreValidationResultCommand)[0]?.args[0].input;
    if (put) recordDamage(DAMAGE_LOG, 'validator', expect.getState().currentTestName ?? '?', `${put.ValidationStatus}: ${put.ValidationStatusMessage}`);
    restoreWrite();
    delete process.env[VALIDATOR_ENV.config];
  });

  const putCalls = () => backup.commandCalls(PutRestoreValidationResultCommand).map((c) => c.args[0].input);
  const emf = () => stdout.map((l) => JSON.parse(l)).filter((r) => r._aws);

  it('ignores a restore job of another restore testing plan', async () => {
    backup.on(DescribeRestoreJobCommand).resolves({ RestoreJobId: 'job-9', Status: 'COMPLETED', CreatedBy: { RestoreTestingPlanArn: 'arn:aws:backup:us-east-1:123456789012:restore-testing-plan:other_plan-9z' }, SourceResourceArn: SOURCE_ARN });
    const out = await handler(event('job-9'));
    expect(out).toMatchObject({ status: 'ignored', message: expect.stringMatching(/restore testing plan arn:.*other_plan-9z/) });
    expect(putCalls()).toEqual([]);
    expect(emf()).toEqual([]);
  });

  it('ignores a restore job started outside any restore testing plan, and events that are not COMPLETED', async () => {
    backup.on(DescribeRestoreJobCommand).resolves({ RestoreJobId: 'job-2', Status: 'COMPLETED', SourceResourceArn: SOURCE_ARN });
    expect((await handler(event('job-2'))).status).toBe('ignored');
    expect((await handler({ ...event(), detail: { restoreJobId: 'job-1', status: 'FAILED' } })).status).toBe('ignored');
    expect(putCalls()).toEqual([]);
  });

  it('passes an intact restored copy: SUCCESSFUL with duration, measured RTO and restored data age metrics', async () => {
    const out = await handler(event());
    expect(out.status).toBe('SUCCESSFUL');
    expect(putCalls()).toEqual([{ RestoreJobId: 'job-1', ValidationStatus: 'SUCCESSFUL', ValidationStatusMessage: 'PASSED 7/7 checks on shop' }]);
    const [line] = emf();
    const m = VERIFICATION_METRICS;
    expect(line._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: m.namespace, Dimensions: [[m.dimensions.database]] });
    expect(line).toMatchObject({ [m.dimensions.database]: 'shop', [m.success]: 1, [m.failure]: 0, restoreJobId: 'job-1' });
    // Restore took 1200 s; RTO adds the validation time. The recovery point is an hour old.
    expect(line[m.measuredRtoSeconds]).toBeGreaterThanOrEqual(1200);
    expect(line[m.measuredRtoSeconds]).toBeLessThan(1260);
    expect(line[m.restoredDataAgeSeconds]).toBeGreaterThanOrEqual(3600);
    expect(line[m.durationSeconds]).toBeGreaterThan(0);
    // The password never reaches the logs.
    expect(stdout.join('')).not.toContain(pg.password);
  });

  it('fails when no baseline exists, saying so', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    const out = await handler(event());
    expect(out.status).toBe('FAILED');
    expect(putCalls()).toEqual([{ RestoreJobId: 'job-1', ValidationStatus: 'FAILED',
      ValidationStatusMessage: "FAILED 1/1 checks on shop: baseline — expected a production baseline, found no baseline for database 'shop' at s3://baselines/baselines/shop/baseline.json: the baseline capture has not run successfully yet" }]);
    expect(emf()[0]).toMatchObject({ [VERIFICATION_METRICS.failure]: 1, [VERIFICATION_METRICS.success]: 0 });
    expect(emf()[0][VERIFICATION_METRICS.measuredRtoSeconds]).toBeUndefined();
  });

  it('fails when the restored instance is unreachable', async () => {
    const closed = await freePort();
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ Endpoint: { Address: '127.0.0.1', Port: closed } }] });
    await handler(event());
    expect(putCalls()[0]).toMatchObject({ ValidationStatus: 'FAILED', ValidationStatusMessage: expect.stringMatching(new RegExp(`restored instance unreachable — .*database 127\\.0\\.0\\.1:${closed} is unreachable: .*ECONNREFUSED`)) });
  });

  it('fails when the restored instance has gone', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('DBInstance awsbackup-restore-test-7f3e not found.'), { name: 'DBInstanceNotFoundFault' }));
    await handler(event());
    expect(putCalls()[0].ValidationStatusMessage).toBe('FAILED 1/1 checks on shop: restored endpoint — expected an available restored instance, found restored instance awsbackup-restore-test-7f3e could not be described: DBInstanceNotFoundFault: DBInstance awsbackup-restore-test-7f3e not found.');
  });

  it('fails with wrong credentials against the real PostgreSQL', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: pg.user, password: 'not-the-password' }) });
    await handler(event());
    expect(putCalls()[0]).toMatchObject({ ValidationStatus: 'FAILED', ValidationStatusMessage: expect.stringMatching(/wrong credentials — .*authentication as 'postgres' failed .*password authentication failed for user "postgres"/) });
    expect(stdout.join('')).not.toContain('not-the-password');
  });

  it('fails when the credentials secret cannot be read', async () => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    await handler(event());
    expect(putCalls()[0].ValidationStatusMessage).toBe(`FAILED 1/1 checks on shop: credentials — expected readable master credentials, found secret ${SECRET_ARN} could not be read: AccessDeniedException: User is not authorized`);
  });

  it('fails a user check with invalid SQL, naming the check and the database message', async () => {
    const withTypo: Baseline = { ...baseline, checkDefinitions: [...baseline.checkDefinitions, { name: 'typo-check', sql: 'selec 1', expect: 'notEmpty' }] };
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify(withTypo) } as never });
    await handler(event());
    expect(putCalls()[0]).toEqual({ RestoreJobId: 'job-1', ValidationStatus: 'FAILED',
      ValidationStatusMessage: 'FAILED 1/8 checks on shop: user check typo-check — expected at least one row, found SQL error: syntax error at or near "selec"' });
  });

  it('fails a restore of a database it was not told about', async () => {
    backup.on(DescribeRestoreJobCommand).resolves({ RestoreJobId: 'job-1', Status: 'COMPLETED', CreatedBy: { RestoreTestingPlanArn: PLAN_ARN }, SourceResourceArn: 'arn:aws:rds:us-east-1:123456789012:db:other' });
    await handler(event());
    expect(putCalls()[0]).toMatchObject({ ValidationStatus: 'FAILED', ValidationStatusMessage: expect.stringMatching(/source resource arn:aws:rds:us-east-1:123456789012:db:other is not configured/) });
  });

  it('fails a restored Aurora cluster without instances', async () => {
    backup.on(DescribeRestoreJobCommand).resolves({ RestoreJobId: 'job-1', Status: 'COMPLETED', CreatedBy: { RestoreTestingPlanArn: PLAN_ARN }, SourceResourceArn: SOURCE_ARN, CreatedResourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:awsbackup-restore-test-c1' });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Endpoint: 'c1.cluster-x.us-east-1.rds.amazonaws.com', Port: 5432, Status: 'available', DBClusterMembers: [] }] });
    await handler(event());
    expect(putCalls()[0].ValidationStatusMessage).toMatch(/restored cluster awsbackup-restore-test-c1 has no DB instance to connect to/);
  });

  it('throws when the verdict cannot be delivered, so the event is retried and reaches the DLQ', async () => {
    backup.on(PutRestoreValidationResultCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(handler(event())).rejects.toThrow(/Rate exceeded/);
  });
});
