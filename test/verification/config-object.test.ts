/**
 * Configuration without ceilings: a baseline capture (or validator) of many databases keeps its
 * per-database list in an S3 asset object (encrypted, versioned asset bucket; content-hash key)
 * instead of Lambda's 4 KB environment, and the handlers read it back merged with the environment.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { App, Stack, aws_ec2 as ec2, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BaselineCapture, CheckExpectation, VerifiedEngine } from '../../lib/verification';
import { loadJsonConfig } from '../../runtime/aws/config-object';
import { configObjectEnv } from '../../runtime/contracts/config-object';
import { BASELINE_ENV } from '../../runtime/contracts/verification';

const READER_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:reader-AbCdEf';

function capture(n: number) {
  const app = new App();
  const stack = new Stack(app, 'Baselines', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'] });
  const reader = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Reader', READER_ARN);
  const construct = new BaselineCapture(stack, 'Capture', {
    vpc,
    databases: Array.from({ length: n }, (_, i) => ({
      name: `orders${i}`, engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders', readOnlySecret: reader, host: `orders${i}.internal`,
      checks: [{ name: 'orders exist', sql: 'select count(*) from orders where created_at > now() - interval \'1 day\'', expect: CheckExpectation.AT_LEAST, value: '1' }],
    })),
  });
  const assembly = app.synth();
  return { stack, construct, template: Template.fromStack(stack), assemblyDir: assembly.directory };
}

describe('a baseline capture of 40 databases', () => {
  const { template, assemblyDir } = capture(40);
  const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f: any) => f.Properties.Environment?.Variables?.[BASELINE_ENV.config]) as any;
  const env = fn.Properties.Environment.Variables;

  test('the environment holds the store and a pointer to the object; the 40 databases are in the object, not the environment', () => {
    const inline = JSON.parse(JSON.stringify(env[BASELINE_ENV.config]));
    expect(JSON.stringify(inline)).not.toContain('orders39');
    const pointer = String(env[configObjectEnv(BASELINE_ENV.config)]);
    const m = /^s3:\/\/cdk-[a-z0-9]+-assets-123456789012-eu-west-1\/([a-f0-9]{64})\.json$/.exec(pointer);
    expect(m).not.toBeNull();
    const staged = readdirSync(assemblyDir).find((f) => f.startsWith(`asset.${m![1]}`))!;
    const asset = JSON.parse(readFileSync(join(assemblyDir, staged), 'utf8'));
    expect(asset.databases.map((d: { name: string }) => d.name)).toEqual(Array.from({ length: 40 }, (_, i) => `orders${i}`));
    expect(asset.databases[0]).toMatchObject({ secretArn: READER_ARN, host: 'orders0.internal', userChecks: [expect.objectContaining({ name: 'orders exist' })] });
  });

  test('the function may read that one object and nothing else of the asset bucket', () => {
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement).filter((s: any) => s.Sid === 'ReadConfigurationObject');
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('s3:GetObject');
    expect(JSON.stringify(statements[0].Resource)).toMatch(/[a-f0-9]{64}\.json/);
  });

  test('a capture of 2 databases keeps everything in the environment, as before', () => {
    const small = capture(2).template;
    const f = Object.values(small.findResources('AWS::Lambda::Function')).find((x: any) => x.Properties.Environment?.Variables?.[BASELINE_ENV.config]) as any;
    expect(f.Properties.Environment.Variables[configObjectEnv(BASELINE_ENV.config)]).toBeUndefined();
  });
});

describe('loadJsonConfig (handlers)', () => {
  const s3 = mockClient(S3Client);
  const NAME = 'TEST_CONFIG';
  afterEach(() => {
    s3.reset();
    delete process.env[NAME];
    delete process.env[configObjectEnv(NAME)];
  });
  const body = (text: string) => ({ transformToString: async () => text });

  test('the environment alone when no object is named', async () => {
    process.env[NAME] = JSON.stringify({ store: { bucket: 'b' }, databases: [{ name: 'a' }] });
    expect(await loadJsonConfig(NAME, new S3Client({}))).toEqual({ store: { bucket: 'b' }, databases: [{ name: 'a' }] });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  test('the environment merged with the object\'s fields, read from the named bucket and key', async () => {
    process.env[NAME] = JSON.stringify({ store: { bucket: 'b' } });
    process.env[configObjectEnv(NAME)] = 's3://cdk-assets-111/abc.json';
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify({ databases: [{ name: 'a' }, { name: 'b' }] })) as any });
    expect(await loadJsonConfig(NAME, new S3Client({}))).toEqual({ store: { bucket: 'b' }, databases: [{ name: 'a' }, { name: 'b' }] });
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toEqual({ Bucket: 'cdk-assets-111', Key: 'abc.json' });
  });

  test('a bad pointer or a bad object is a configuration error naming the variable', async () => {
    process.env[NAME] = '{}';
    process.env[configObjectEnv(NAME)] = 'https://example.com/x.json';
    await expect(loadJsonConfig(NAME, new S3Client({}))).rejects.toThrow(/TEST_CONFIG_OBJECT: an s3:\/\/bucket\/key URI, got "https:\/\/example.com\/x.json"/);
    process.env[configObjectEnv(NAME)] = 's3://b/not-json.json';
    s3.on(GetObjectCommand).resolves({ Body: body('not json') as any });
    await expect(loadJsonConfig(NAME, new S3Client({}))).rejects.toThrow(/TEST_CONFIG_OBJECT: s3:\/\/b\/not-json.json is not valid JSON/);
  });
});
