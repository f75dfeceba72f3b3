/**
 * The BaselineCapture construct on its own: baselines of a self-managed PostgreSQL host (the
 * databases RunnerDrill drills), what the function is told (BASELINE_CONFIG), its schedule,
 * network, least-privilege IAM, the default bucket and key, the four nag packs, bad input, and
 * the hand-over to a RunnerDrill.
 */
import { join } from 'node:path';
import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { ConfigurationError } from '../../lib/errors';
import { BackupRunner } from '../../lib/runner/backup-runner';
import { BackupBucket } from '../../lib/storage/backup-bucket';
import { AlarmTopic, BackupMonitoring } from '../../lib/monitoring';
import { BaselineCapture, BaselineCaptureProps, CheckExpectation, RunnerDrill, VerifiedEngine } from '../../lib/verification';
import { nagFindings } from '../support/nag';
import { parseConfig } from './config-json';

// Bundles from a private folder (see private-bundles.ts): assets/lambda is rebuilt by concurrent runs.
jest.mock('../../lib/verification/lambda-support', () => ({
  ...jest.requireActual('../../lib/verification/lambda-support'),
  handlerCode: (name: string) => require('./private-bundles').privateHandlerCode(name),
}));

const READER_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-reader-AbCdEf';

/** A stack on an imported VPC, so every nag finding in it belongs to the construct under test. */
function baseStack() {
  const app = new App();
  const stack = new Stack(app, 'Baselines', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
  });
  const reader = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Reader', READER_ARN);
  return { app, stack, vpc, reader };
}

function selfManaged(overrides: Partial<BaselineCaptureProps> = {}) {
  const { stack, vpc, reader } = baseStack();
  const capture = new BaselineCapture(stack, 'Capture', {
    vpc,
    databases: [{
      name: 'orders', engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders_db', readOnlySecret: reader,
      host: '10.20.30.40', port: 5433,
      checks: [
        { name: 'latest-order-fresh', sql: 'select max(created_at) from orders', expect: CheckExpectation.NEWER_THAN, maxAge: Duration.hours(1) },
        { name: 'order-volume', sql: 'select count(*) from orders', expect: CheckExpectation.AT_LEAST, value: '1000' },
      ],
    }],
    ...overrides,
  });
  return { stack, capture, template: Template.fromStack(stack) };
}

/** Logical id of the resource at `path` (construct ids below the stack, '/'-separated). */
function logicalIdOf(stack: Stack, path: string): string {
  const found = path.split('/').reduce<IConstruct>((scope, id) => scope.node.findChild(id), stack);
  const resource = found instanceof CfnElement ? found : found.node.defaultChild as CfnElement;
  return stack.resolve(resource.logicalId);
}

function capturePolicyStatements(stack: Stack, template: Template): Array<{ Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown }> {
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
    .filter((p) => JSON.stringify(p).includes('WriteBaselines'));
  expect(policies).toHaveLength(1);
  return stack.resolve(policies[0].Properties.PolicyDocument.Statement);
}

describe('BaselineCapture of a self-managed PostgreSQL host', () => {
  it('tells the function the host, port, secret and database to capture, and where to write', () => {
    const { template, stack } = selfManaged();
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { BASELINE_CONFIG: Match.anyValue() } } } });
    expect(Object.keys(fns)).toHaveLength(1);
    const config = parseConfig(Object.values(fns)[0].Properties.Environment.Variables.BASELINE_CONFIG);
    const bucket = logicalIdOf(stack, 'Capture/BaselineBucket');
    const key = logicalIdOf(stack, 'Capture/Key');
    expect(config).toEqual({
      store: { bucket: `REF(${bucket})`, prefix: 'baselines/', kmsKeyArn: `ATT(${key}.Arn)` },
      tls: true,
      databases: [{
        name: 'orders', engine: 'postgres', secretArn: READER_ARN, host: '10.20.30.40', port: 5433,
        databaseName: 'orders_db', largestTables: 10,
        userChecks: [
          { name: 'latest-order-fresh', sql: 'select max(created_at) from orders', expect: 'newerThan', value: 3600 },
          { name: 'order-volume', sql: 'select count(*) from orders', expect: 'atLeast', value: '1000' },
        ],
      }],
    });
    // No credential travels in the environment: only the secret's ARN.
    expect(JSON.stringify(config)).not.toMatch(/password/i);
  });

  it('runs the function in the VPC with reserved concurrency 1, a DLQ, tracing, the newest Node runtime and an encrypted environment', () => {
    const { template } = selfManaged();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x', Timeout: 900, ReservedConcurrentExecutions: 1, TracingConfig: { Mode: 'Active' },
      DeadLetterConfig: { TargetArn: Match.anyValue() }, KmsKeyArn: Match.anyValue(), LoggingConfig: { LogGroup: Match.anyValue() },
      VpcConfig: { SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'], SecurityGroupIds: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
  });

  it('many databases: one target each, 5 per rule in order; a sixth database adds a rule and leaves the first one\'s targets as they were', () => {
    const dbs = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `db${i}`, engine: VerifiedEngine.POSTGRESQL, databaseName: 'app', host: `10.0.0.${i + 1}` }));
    const targetsOf = (n: number) => {
      const { stack, vpc, reader } = baseStack();
      const capture = new BaselineCapture(stack, 'Capture', { vpc, databases: dbs(n).map((d) => ({ ...d, readOnlySecret: reader })) });
      const t = Template.fromStack(stack);
      const rules = t.findResources('AWS::Events::Rule');
      return { capture, rules: Object.fromEntries(Object.entries(rules).map(([id, r]: [string, any]) => [id, r.Properties.Targets.map((x: any) => JSON.parse(x.Input).database)])) };
    };
    const five = targetsOf(5);
    const six = targetsOf(6);
    expect(Object.values(five.rules)).toEqual([['db0', 'db1', 'db2', 'db3', 'db4']]);
    expect(six.capture.scheduleRules).toHaveLength(2);
    const [first] = Object.keys(five.rules);
    expect(six.rules[first]).toEqual(five.rules[first]);
    expect(Object.values(six.rules)).toEqual(expect.arrayContaining([['db5']]));
  });

  it('invokes the function on the default daily schedule, one rule per database with its name as input', () => {
    const { template, capture, stack } = selfManaged();
    const fn = logicalIdOf(stack, 'Capture/Function');
    template.resourcePropertiesCountIs('AWS::Events::Rule', { ScheduleExpression: Match.anyValue() }, 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 1 * * ? *)', State: 'ENABLED',
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [fn, 'Arn'] }, Input: JSON.stringify({ database: 'orders' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      })],
    });
    expect(capture.scheduleRules).toHaveLength(1);
  });

  it('takes a schedule of its own', () => {
    const { template } = selfManaged({ schedule: events.Schedule.cron({ minute: '30', hour: '22' }) });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(30 22 * * ? *)' });
  });

  it('lets the function reach only that host on its port, and AWS APIs over HTTPS', () => {
    const { template, stack } = selfManaged();
    const sgs = Object.values(template.findResources('AWS::EC2::SecurityGroup'));
    expect(sgs).toHaveLength(1);
    expect(stack.resolve(sgs[0].Properties.SecurityGroupEgress)).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      expect.objectContaining({ CidrIp: '10.20.30.40/32', IpProtocol: 'tcp', FromPort: 5433, ToPort: 5433 }),
    ]);
  });

  it('scopes IAM to that secret, that baseline object and the baseline key, in a customer-managed policy', () => {
    const { stack, template } = selfManaged();
    expect(template.findResources('AWS::IAM::Policy')).toEqual({});
    const statements = capturePolicyStatements(stack, template);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    const bucket = logicalIdOf(stack, 'Capture/BaselineBucket');
    const key = logicalIdOf(stack, 'Capture/Key');
    expect(bySid.WriteBaselines).toEqual(expect.objectContaining({
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/baselines/orders/baseline.json']] },
    }));
    expect(bySid.EncryptBaselines).toEqual(expect.objectContaining({
      Action: 'kms:GenerateDataKey', Resource: { 'Fn::GetAtt': [key, 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    }));
    expect(bySid.ReadOnlySecret0).toEqual(expect.objectContaining({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: READER_ARN,
    }));
    const text = JSON.stringify(statements);
    expect(text).not.toContain('s3:GetObject');
    expect(text).not.toContain('s3:DeleteObject');
    expect(text).not.toMatch(/baselines\/\*/);
    // Only ENI management and X-Ray, which have no resource-level permissions, use '*'.
    expect(statements.filter((s) => s.Resource === '*').map((s) => s.Sid)).toEqual(['VpcAndTracing']);
  });

  it('creates an encrypted, versioned, SSL-only, access-logged baseline bucket and a rotating key', () => {
    const { template, stack } = selfManaged();
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const logs = logicalIdOf(stack, 'Capture/BaselineAccessLogs');
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: 'baselines/' },
    });
    template.hasResource('AWS::S3::Bucket', { UpdateReplacePolicy: 'Retain', DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('creates no topic and no alarm of its own: BackupMonitoring alarms its errors and dead letters to the stack\'s alarm topic', () => {
    const { template, capture, stack } = selfManaged();
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(stack.resolve(capture.metricErrors().dimensions)).toEqual({ FunctionName: { Ref: logicalIdOf(stack, 'Capture/Function') } });
    const monitoring = new BackupMonitoring(stack, 'Monitoring', {
      planName: 'p', alarmTopic: new AlarmTopic(stack, 'Alarms', { email: 'oncall@example.com' }), baselineCaptures: [capture],
    });
    expect(monitoring.describeAlarms().map((d) => `${d.kind} ${d.metric.split(' ').slice(0, 2).join(' ')}`)).toEqual([
      'baseline-capture-failed AWS/Lambda Errors', 'dead-letters AWS/SQS ApproximateNumberOfMessagesVisible',
    ]);
  });

  it('names the baseline object RunnerDrill reads, and refuses an unknown database', () => {
    const { capture } = selfManaged();
    expect(capture.baselineObjectKey('orders')).toBe('baselines/orders/baseline.json');
    expect(() => capture.baselineObjectKey('billing')).toThrow(/database: 'billing' has no baseline here \(known: orders\)/);
  });

  it('passes the four compliance packs with no unacknowledged finding', () => {
    const { stack } = selfManaged();
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('BaselineCapture with production security groups, a secret by name and a bucket of your own', () => {
  function setup() {
    const { stack, vpc } = baseStack();
    const productionSg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'ProductionSg', 'sg-0123456789abcdef0');
    const byName = secretsmanager.Secret.fromSecretNameV2(stack, 'ByName', 'billing-reader');
    const key = new kms.Key(stack, 'OwnKey', { enableKeyRotation: true });
    const bucket = s3.Bucket.fromBucketAttributes(stack, 'OwnBucket', { bucketName: 'my-baselines', encryptionKey: key });
    const capture = new BaselineCapture(stack, 'Capture', {
      vpc, baselineBucket: bucket,
      databases: [
        { name: 'billing', engine: VerifiedEngine.MYSQL, databaseName: 'billing', readOnlySecret: byName, host: 'billing.db.internal', productionSecurityGroups: [productionSg] },
        { name: 'orders', engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders', readOnlySecret: byName },
      ],
    });
    return { stack, capture, key, template: Template.fromStack(stack) };
  }

  it('opens each production security group to the function on the engine default port', () => {
    const { template } = setup();
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef0', IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CaptureSecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CaptureSecurityGroup'), 'GroupId'] },
      DestinationSecurityGroupId: 'sg-0123456789abcdef0', IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306,
    });
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroup'))[0].Properties.SecurityGroupEgress;
    // No host known: the port of the secret's endpoint, on any address.
    expect(egress).toEqual(expect.arrayContaining([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 5432, ToPort: 5432 })]));
  });

  it('writes into the given bucket under its key, creates no bucket, and omits the endpoint it does not know', () => {
    const { template, stack, capture, key } = setup();
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(capture.baselineEncryptionKey).toBe(key);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    const config = parseConfig(fn.Properties.Environment.Variables.BASELINE_CONFIG);
    expect(config.store).toEqual({ bucket: 'my-baselines', prefix: 'baselines/', kmsKeyArn: `ATT(${logicalIdOf(stack, 'OwnKey')}.Arn)` });
    expect(config.databases[0]).toEqual(expect.objectContaining({ name: 'billing', engine: 'mysql', host: 'billing.db.internal', port: 3306 }));
    expect(config.databases[1].host).toBeUndefined();
    expect(config.databases[1].port).toBeUndefined();
    const statements = capturePolicyStatements(stack, template);
    expect(JSON.stringify(statements.find((s) => s.Sid === 'WriteBaselines')!.Resource)).toContain('my-baselines/baselines/billing/baseline.json');
    expect(JSON.stringify(statements.find((s) => s.Sid === 'WriteBaselines')!.Resource)).toContain('my-baselines/baselines/orders/baseline.json');
  });

  it('matches a secret imported by name by its exact suffix pattern and stays nag-clean', () => {
    const { stack, template } = setup();
    const statements = capturePolicyStatements(stack, template);
    expect(JSON.stringify(statements.filter((s) => s.Sid.startsWith('ReadOnlySecret')).map((s) => s.Resource)))
      .toMatch(/secret:billing-reader-\?\?\?\?\?\?/);
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('BaselineCapture hands its baseline to a RunnerDrill of the same self-managed database', () => {
  it('the drill reads exactly the object the capture writes, with the capture key', () => {
    const { stack, vpc, reader } = baseStack();
    const image = ecs.ContainerImage.fromAsset(join(__dirname, '..', 'runner', 'construct', 'fixtures', 'image'));
    const backups = new BackupBucket(stack, 'Backups');
    const password = new secretsmanager.Secret(stack, 'Password');
    const runner = BackupRunner.pgDump(stack, 'Runner', { database: 'orders', backupBucket: backups, vpc, host: 'orders.db.internal', user: 'backup', databaseName: 'orders', passwordSecret: password, image });
    const capture = new BaselineCapture(stack, 'Capture', {
      vpc, databases: [{ name: 'orders', engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders', readOnlySecret: reader, host: 'orders.db.internal' }],
    });
    new RunnerDrill(stack, 'Drill', {
      runner, backupBucket: backups, databaseName: 'orders', image,
      baselineBucket: capture.baselineBucket, baselineEncryptionKey: capture.baselineEncryptionKey, baselineObjectKey: capture.baselineObjectKey('orders'),
    });
    const template = Template.fromStack(stack);
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).map((p) => stack.resolve(p.Properties.PolicyDocument.Statement) as Array<{ Sid: string; Resource: unknown }>);
    const write = policies.flat().find((s) => s.Sid === 'WriteBaselines')!.Resource;
    const read = policies.flat().find((s) => s.Sid === 'ReadBaseline')!.Resource;
    expect(read).toEqual(write);
    const decrypt = policies.flat().find((s) => s.Sid === 'DecryptBaseline')!.Resource;
    expect(decrypt).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack, 'Capture/Key'), 'Arn'] });
  });
});

describe('BaselineCapture refuses bad input, naming each field and value', () => {
  it('an empty database list', () => {
    const { stack, vpc } = baseStack();
    expect(() => new BaselineCapture(stack, 'Capture', { vpc, databases: [] }))
      .toThrow(/BaselineCapture Baselines\/Capture: 1 problem:\n {2}- databases: at least one database is required, got none/);
  });

  it('duplicate names, a malformed host, a bad port and largestTables, all at once', () => {
    const { stack, vpc, reader } = baseStack();
    let error: unknown;
    try {
      new BaselineCapture(stack, 'Capture', {
        vpc,
        databases: [
          { name: 'orders', engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders', readOnlySecret: reader, host: 'postgres://db.internal:5432' },
          { name: 'orders', engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders2', readOnlySecret: reader, port: 70000, largestTables: 0 },
          { name: 'bad name', engine: VerifiedEngine.MYSQL, databaseName: '', readOnlySecret: reader, host: 'db:3306' },
          { name: 'v6', engine: VerifiedEngine.MYSQL, databaseName: 'v6', readOnlySecret: reader, host: 'fd00:10::5' },
        ],
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      "databases[0].host must be a DNS name or an IP address, without scheme or port, got 'postgres://db.internal:5432'",
      "databases[1].name 'orders' is used twice",
      'databases[1].port must be 1–65535, got 70000',
      'databases[1].largestTables must be 1–100, got 0',
      "databases[2].name must be 1–64 letters, digits, '_' or '-', got 'bad name'",
      'databases[2].databaseName is required',
      "databases[2].host must be a DNS name or an IP address, without scheme or port, got 'db:3306'",
    ]);
  });

  it('a bucket of your own whose key is unknown', () => {
    const { stack, vpc, reader } = baseStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'keyless');
    expect(() => new BaselineCapture(stack, 'Capture', {
      vpc, baselineBucket: bucket, databases: [{ name: 'orders', engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders', readOnlySecret: reader }],
    })).toThrow(/baselineEncryptionKey: required when baselineBucket has no known encryption key/);
  });

  it('a check configuration over the Lambda environment limit that holds deploy-time references (it cannot go to a configuration object)', () => {
    const { stack, vpc } = baseStack();
    const made = new secretsmanager.Secret(stack, 'Made');
    expect(() => new BaselineCapture(stack, 'Capture', {
      vpc,
      databases: [{ name: 'big', engine: VerifiedEngine.POSTGRESQL, databaseName: 'big', readOnlySecret: made,
        checks: Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, sql: `select count(*) from some_rather_long_table_name_${i} where created_at > now() - interval '1 day'`, expect: CheckExpectation.NOT_EMPTY })) }],
    })).toThrow(/BaselineCapture Baselines\/Capture[\s\S]*checks: the configuration of BASELINE_CONFIG takes about \d+ bytes, over Lambda's 4096-byte environment limit, and its databases hold references resolved only at deploy time/);
  });
});
