/**
 * The RestoreVerification construct: restore testing plan and selections, the EventBridge rule,
 * the validator and baseline functions, least-privilege IAM, alarms, and the four nag packs.
 */
import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DatabaseResourceKind, ProtectedDatabase } from '../../lib/protection/protected-database';
import { AlarmTopic, BackupMonitoring } from '../../lib/monitoring';
import { BaselineCapture, CheckExpectation, RestoreVerification, RestoreVerificationProps, VerifiedEngine } from '../../lib/verification';
import { nagFindings } from '../support/nag';
import { parseConfig } from './config-json';

// Bundles from a private folder (see private-bundles.ts); handlerCode itself is tested below.
jest.mock('../../lib/verification/lambda-support', () => ({
  ...jest.requireActual('../../lib/verification/lambda-support'),
  handlerCode: (name: string) => require('./private-bundles').privateHandlerCode(name),
}));

/** `overrides` replaces props; as a function, it derives them from the defaults (to vary one database). */
function setup(overrides: Partial<RestoreVerificationProps> | ((defaults: RestoreVerificationProps) => Partial<RestoreVerificationProps>) = {}) {
  const app = new App();
  const stack = new Stack(app, 'Dr', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const vaultKey = new kms.Key(stack, 'VaultKey', { enableKeyRotation: true });
  const vault = new backup.BackupVault(stack, 'Vault', { encryptionKey: vaultKey });
  const master = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Master', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-master-AbCdEf');
  const reader = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Reader', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-reader-GhIjKl');
  const props: RestoreVerificationProps = {
    vaults: [vault],
    vpc,
    databases: [
      {
        name: 'shop', engine: VerifiedEngine.POSTGRESQL, databaseName: 'shop',
        database: ProtectedDatabase.fromInstanceArn('arn:aws:rds:eu-west-1:123456789012:db:shop-prod'),
        masterSecret: master, readOnlySecret: reader,
        checks: [
          { name: 'latest-order-fresh', sql: 'select max(created_at) from orders', expect: CheckExpectation.NEWER_THAN, maxAge: Duration.hours(1) },
          { name: 'order-volume', sql: 'select count(*) from orders', expect: CheckExpectation.AT_LEAST, value: '1000' },
        ],
      },
      {
        name: 'ledger', engine: VerifiedEngine.MYSQL, databaseName: 'ledger',
        database: ProtectedDatabase.fromClusterArn('arn:aws:rds:eu-west-1:123456789012:cluster:ledger-prod'),
        masterSecret: master, readOnlySecret: reader, productionHost: 'ledger.cluster-ro-x.eu-west-1.rds.amazonaws.com',
      },
    ],
  };
  const verification = new RestoreVerification(stack, 'Verification', { ...props, ...(typeof overrides === 'function' ? overrides(props) : overrides) });
  return { app, stack, vpc, verification, template: () => Template.fromStack(stack) };
}

describe('RestoreVerification', () => {
  it('creates a restore testing plan over the vaults with LATEST_WITHIN_WINDOW, snapshot and continuous points', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::Backup::RestoreTestingPlan', {
      ScheduleExpression: 'cron(0 3 ? * SUN *)',
      StartWindowHours: 8,
      RecoveryPointSelection: {
        Algorithm: 'LATEST_WITHIN_WINDOW',
        IncludeVaults: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Vault'), 'BackupVaultArn'] }],
        RecoveryPointTypes: ['SNAPSHOT', 'CONTINUOUS'],
        SelectionWindowDays: 7,
      },
    });
  });

  it('selects each database with overrides that keep the restored copy small and private', () => {
    const { template, verification } = setup();
    const t = template();
    t.resourceCountIs('AWS::Backup::RestoreTestingSelection', 2);
    t.hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
      ProtectedResourceType: 'RDS',
      ProtectedResourceArns: ['arn:aws:rds:eu-west-1:123456789012:db:shop-prod'],
      RestoreTestingSelectionName: 'by_arn_RDS_1',
      ValidationWindowHours: 4,
      RestoreMetadataOverrides: {
        dbInstanceClass: 'db.t4g.medium',
        dbSubnetGroupName: { Ref: Match.stringLikeRegexp('RestoreSubnetGroup') },
        vpcSecurityGroupIds: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
        publiclyAccessible: 'false',
      },
    });
    t.hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
      ProtectedResourceType: 'Aurora',
      ProtectedResourceArns: ['arn:aws:rds:eu-west-1:123456789012:cluster:ledger-prod'],
      RestoreTestingSelectionName: 'by_arn_Aurora_1',
      RestoreMetadataOverrides: { dbSubnetGroupName: Match.anyValue(), vpcSecurityGroupIds: Match.anyValue(), dbInstanceClass: Match.absent() },
    });
    expect(verification.selections.map((x) => x.protectedResourceType)).toEqual(['RDS', 'Aurora']);
    expect(verification.selectionOf('shop')).toBe(verification.selections[0]);
    expect(verification.selectionOf('ledger')).toBe(verification.selections[1]);
    expect(() => verification.selectionOf('nope')).toThrow(/database: 'nope' is not verified here/);
  });

  describe('databases named by ARN share a selection per resource type', () => {
    const RDS_ARN = (i: number) => `arn:aws:rds:eu-west-1:123456789012:db:shop${i}-prod`;
    /** `instances` RDS databases by ARN, one Aurora cluster by ARN, and one RDS instance selected by tags when `tagged`. */
    const fleet = (instances: number, tagged = false) => setup((defaults) => ({
      databases: [
        ...Array.from({ length: instances }, (_, i) => ({ ...defaults.databases[0], checks: undefined, name: `shop${i}`, database: ProtectedDatabase.fromInstanceArn(RDS_ARN(i)) })),
        defaults.databases[1],
        ...(tagged ? [{
          ...defaults.databases[0], checks: undefined, name: 'tagged',
          database: ProtectedDatabase.fromTags(DatabaseResourceKind.RDS_INSTANCE, [{ key: 'app', value: 'tagged' }]),
        }] : []),
      ],
    }));
    const selectionsOf = (t: Template) => Object.entries(t.findResources('AWS::Backup::RestoreTestingSelection'))
      .map(([id, r]) => ({ id, name: r.Properties.RestoreTestingSelectionName as string, arns: r.Properties.ProtectedResourceArns as string[] }));

    it('up to 30 ARNs per selection (AWS Backup\'s limit), then a second one; a database selected by tags keeps its own', () => {
      const { template, verification } = fleet(31);
      const selections = selectionsOf(template());
      expect(selections.map((x) => `${x.name} ${x.arns.length}`).sort()).toEqual(['by_arn_Aurora_1 1', 'by_arn_RDS_1 30', 'by_arn_RDS_2 1']);
      const rds1 = selections.find((x) => x.name === 'by_arn_RDS_1')!;
      expect(rds1.arns).toEqual(Array.from({ length: 30 }, (_, i) => RDS_ARN(i)));
      expect(selections.find((x) => x.name === 'by_arn_RDS_2')!.arns).toEqual([RDS_ARN(30)]);
      const small = fleet(2, true);
      expect(selectionsOf(small.template()).map((x) => `${x.name} ${x.arns.join(',')}`).sort())
        .toEqual(['by_arn_Aurora_1 arn:aws:rds:eu-west-1:123456789012:cluster:ledger-prod', `by_arn_RDS_1 ${RDS_ARN(0)},${RDS_ARN(1)}`, 'tagged *']);
      small.template().hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
        RestoreTestingSelectionName: 'tagged', ProtectedResourceConditions: { StringEquals: [{ Key: 'aws:ResourceTag/app', Value: 'tagged' }] },
      });
      expect(small.verification.selectionOf('tagged')).not.toBe(small.verification.selectionOf('shop0'));
      expect(verification.selectionOf('shop0')).toBe(verification.selectionOf('shop29'));
      expect(verification.selectionOf('shop30')).not.toBe(verification.selectionOf('shop29'));
      expect(verification.selectionOf('shop30').protectedResourceArns).toEqual([RDS_ARN(30)]);
    });

    it('adding a database replaces no selection: the existing ones keep their logical ids and names', () => {
      const before = selectionsOf(fleet(29).template());
      const after = selectionsOf(fleet(30).template());
      const afterById = new Map(after.map((x) => [x.id, x]));
      for (const b of before) expect(afterById.get(b.id)?.name).toBe(b.name);
      expect(after).toHaveLength(before.length);
      // The 30th instance joins the first group in place.
      expect(after.find((x) => x.name === 'by_arn_RDS_1')!.arns).toHaveLength(30);
      // The 31st starts a second group; the first is unchanged.
      const more = selectionsOf(fleet(31).template());
      expect(more.filter((x) => !afterById.has(x.id)).map((x) => x.name)).toEqual(['by_arn_RDS_2']);
      for (const a of after) expect(more.find((x) => x.id === a.id)).toEqual(a);
    });

    it('the validator still maps each restore to its database by the source ARN', () => {
      const { template } = fleet(2, true);
      const fn = Object.values(template().findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.VERIFICATION_CONFIG)!;
      const config = parseConfig(fn.Properties.Environment.Variables.VERIFICATION_CONFIG);
      expect(config.databases.map((d: { name: string; sourceArn: string }) => `${d.name} ${d.sourceArn}`)).toEqual([
        `shop0 ${RDS_ARN(0)}`, `shop1 ${RDS_ARN(1)}`, 'ledger arn:aws:rds:eu-west-1:123456789012:cluster:ledger-prod', 'tagged arn:*:rds:*:*:db:*',
      ]);
    });

    it('a fleet with a database selected by tags moves its validator configuration to the configuration object (no deploy-time reference in it)', () => {
      const { template } = fleet(31, true);
      const fn = Object.values(template().findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.VERIFICATION_CONFIG)!;
      expect(fn.Properties.Environment.Variables.VERIFICATION_CONFIG_OBJECT).toBeDefined();
      expect(parseConfig(fn.Properties.Environment.Variables.VERIFICATION_CONFIG).databases).toBeUndefined();
    });
  });

  it('triggers the validator on completed restore jobs', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.backup'], 'detail-type': ['Restore Job State Change'], detail: { status: ['COMPLETED'] } },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VerificationValidator'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 } })],
    });
  });

  it('runs the validator in the VPC with a DLQ, reserved concurrency, tracing, the newest Node runtime and an encrypted environment', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Verifies restore tests'),
      Runtime: 'nodejs24.x',
      ReservedConcurrentExecutions: 2,
      TracingConfig: { Mode: 'Active' },
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
      KmsKeyArn: Match.anyValue(),
      LoggingConfig: { LogGroup: Match.anyValue() },
      Environment: { Variables: { VERIFICATION_CONFIG: Match.anyValue(), NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' } },
    });
    template().hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
  });

  it('gives the validator only what it needs', () => {
    const { template, stack } = setup();
    expect(template().findResources('AWS::IAM::Policy')).toEqual({});
    const policies = template().findResources('AWS::IAM::ManagedPolicy');
    const validatorPolicy = Object.values(policies).find((p) => JSON.stringify(p).includes('PutRestoreValidationResult'))!;
    const statements = stack.resolve(validatorPolicy.Properties.PolicyDocument.Statement) as Array<{ Sid: string; Action: string | string[]; Resource: unknown }>;
    const text = JSON.stringify(statements);
    expect(text).toContain('restore-job:*');
    expect(text).toContain('db:awsbackup-restore-test-*');
    expect(text).toContain('cluster:awsbackup-restore-test-*');
    expect(text).toContain('shop-master-AbCdEf');
    expect(text).not.toContain('shop-reader');
    expect(text).not.toContain('s3:PutObject');
    // Only ENI management and X-Ray, which have no resource-level permissions, use '*'.
    expect(statements.filter((s) => s.Resource === '*').map((s) => s.Sid)).toEqual(['VpcAndTracing']);
  });

  it('schedules a baseline capture per database (one target each, up to 5 per rule) and gives it write access to the baseline prefix only', () => {
    const { template } = setup();
    template().resourcePropertiesCountIs('AWS::Events::Rule', { ScheduleExpression: 'cron(0 1 * * ? *)' }, 1);
    template().hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 1 * * ? *)',
      Targets: [
        Match.objectLike({ Input: JSON.stringify({ database: 'shop' }) }),
        Match.objectLike({ Input: JSON.stringify({ database: 'ledger' }) }),
      ],
    });
    const policies = JSON.stringify(template().findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toContain('s3:PutObject');
    expect(policies).toContain('/baselines/*');
  });

  it('captures baselines through one BaselineCapture that shares its key, topic and store with the validator', () => {
    const { verification, template, stack } = setup();
    const capture = verification.baselineCapture;
    expect(verification.baselineFunction).toBe(capture.function);
    expect(verification.baselineBucket).toBe(capture.baselineBucket);
    expect(verification.baselineSecurityGroup).toBe(capture.securityGroup);
    expect(capture.encryptionKey).toBe(verification.encryptionKey);
    const t = template();
    // One key, no topic, one baseline bucket (plus its access-log bucket), one capture function.
    t.resourceCountIs('AWS::KMS::Key', 2); // the vault's and the construct's
    t.resourceCountIs('AWS::SNS::Topic', 0);
    t.resourceCountIs('AWS::S3::Bucket', 2);
    t.resourcePropertiesCountIs('AWS::Lambda::Function', { Environment: { Variables: { BASELINE_CONFIG: Match.anyValue() } } }, 1);
    // The validator reads the store the capture writes.
    const fns = Object.values(t.findResources('AWS::Lambda::Function'));
    const config = (name: string) => parseConfig(fns.find((f) => f.Properties.Environment.Variables?.[name])!.Properties.Environment.Variables[name]);
    const bucket = stack.resolve((capture.baselineBucket.node.defaultChild as CfnElement).logicalId);
    expect(config('VERIFICATION_CONFIG').store).toEqual({ bucket: `REF(${bucket})`, prefix: 'baselines/', kmsKeyArn: expect.stringMatching(/^ATT\(VerificationKey.*\.Arn\)$/) });
    expect(config('BASELINE_CONFIG').store).toEqual(config('VERIFICATION_CONFIG').store);
  });

  it('lets the capture write exactly one baseline object per database', () => {
    const { template, stack } = setup();
    const policy = Object.values(template().findResources('AWS::IAM::ManagedPolicy')).find((p) => JSON.stringify(p).includes('WriteBaselines'))!;
    const write = (stack.resolve(policy.Properties.PolicyDocument.Statement) as Array<{ Sid: string; Resource: unknown }>).find((s) => s.Sid === 'WriteBaselines')!;
    const text = JSON.stringify(write.Resource);
    expect(text).toContain('/baselines/shop/baseline.json');
    expect(text).toContain('/baselines/ledger/baseline.json');
    expect(text).not.toContain('/baselines/*');
  });

  it('reports a malformed production host under its own field name, with the other problems', () => {
    expect(() => setup((defaults) => ({
      databases: [{ ...defaults.databases[0], productionHost: 'shop.internal:5432' }, defaults.databases[1]],
      startWindow: Duration.hours(200),
    }))).toThrow(/2 problems[\s\S]*databases\[0\]\.productionHost must be a DNS name or an IP address, without scheme or port, got 'shop\.internal:5432'[\s\S]*startWindow must be whole hours/);
  });

  it('creates no topic and no alarm of its own: BackupMonitoring alarms each condition once, from its metrics', () => {
    const { verification, template, stack } = setup({ maxTimeWithoutSuccess: Duration.days(5) });
    template().resourceCountIs('AWS::SNS::Topic', 0);
    template().resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const monitoring = new BackupMonitoring(stack, 'Monitoring', {
      planName: 'p', alarmTopic: new AlarmTopic(stack, 'Alarms', { email: 'oncall@example.com' }),
      databases: ['shop', 'ledger'].map((name) => ({ name, rpo: Duration.hours(1), rto: Duration.hours(4) })),
      verifications: [verification],
    });
    const described = monitoring.describeAlarms().map((d) => `${d.kind} ${d.databases.join(',')} ${d.metric.split(' ')[1]} ${d.periodSeconds}x${d.evaluationPeriods} ${d.treatMissingData}`);
    expect(described).toEqual([
      'verification-failed shop VerificationFailure 300x1 notBreaching',
      'verification-missing shop VerificationSuccess 3600x120 breaching',
      'verification-failed ledger VerificationFailure 300x1 notBreaching',
      'verification-missing ledger VerificationSuccess 3600x120 breaching',
      'validator-failed shop,ledger Errors 3600x1 notBreaching',
      'dead-letters shop,ledger ApproximateNumberOfMessagesVisible 300x1 notBreaching',
      'baseline-capture-failed shop,ledger Errors 3600x1 notBreaching',
      'dead-letters shop,ledger ApproximateNumberOfMessagesVisible 300x1 notBreaching',
    ]);
  });

  it('exposes metric methods with the shared metric names', () => {
    const { verification } = setup();
    const m = verification.metricMeasuredRto('shop');
    expect([m.namespace, m.metricName, m.dimensions]).toEqual(['CdkDatabaseDr/Verification', 'MeasuredRtoSeconds', { Database: 'shop' }]);
    expect(verification.metricRestoredDataAge('ledger').metricName).toBe('RestoredDataAgeSeconds');
    expect(() => verification.metricVerificationSuccess('nope')).toThrow(/database: 'nope' is not verified here \(known: shop, ledger\)/);
  });

  it('passes the four compliance packs', () => {
    const { stack } = setup();
    expect(nagFindings(stack).filter((f) => f.includes('/Verification/'))).toEqual([]);
  });

  it('reports every bad prop at once, naming the field and value', () => {
    expect(() => setup({
      startWindow: Duration.hours(200), validationWindow: Duration.minutes(30), maxTimeWithoutSuccess: Duration.days(10),
      schedule: events.Schedule.rate(Duration.days(1)), restoreTestingPlanName: 'has-dash', validatorConcurrency: 0,
    })).toThrow(/6 problems[\s\S]*startWindow must be whole hours from 1 to 168, got 8 days 8 hours[\s\S]*validationWindow must be whole hours from 1 to 168, got 30 minutes[\s\S]*maxTimeWithoutSuccess must be whole days from 1 to 7, got 10 days[\s\S]*schedule must be a cron schedule .* got 'rate\(1 day\)'[\s\S]*restoreTestingPlanName must be 1–50 letters, digits or '_', got 'has-dash'[\s\S]*validatorConcurrency must be a positive integer, got 0/);
  });

  it('names the missing bundle and the command that builds it', () => {
    const { handlerCode } = jest.requireActual('../../lib/verification/lambda-support');
    expect(() => handlerCode('no-such-handler')).toThrow(/assets\/lambda\/no-such-handler\/index\.js is missing: run npm run bundle/);
  });

  it('refuses a check configuration over the Lambda environment limit', () => {
    const app = new App();
    const stack = new Stack(app, 'Big');
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'x');
    const instance = new rds.DatabaseInstance(stack, 'Db', { engine: rds.DatabaseInstanceEngine.POSTGRES, vpc });
    expect(() => new RestoreVerification(stack, 'V', {
      vaults: [backup.BackupVault.fromBackupVaultName(stack, 'Vault', 'v')], vpc,
      databases: [{ name: 'big', engine: VerifiedEngine.POSTGRESQL, databaseName: 'big', database: ProtectedDatabase.fromDatabaseInstance(instance), masterSecret: secret, readOnlySecret: secret,
        checks: Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, sql: `select count(*) from some_rather_long_table_name_${i} where created_at > now() - interval '1 day'`, expect: CheckExpectation.NOT_EMPTY })) }],
    })).toThrow(/checks: the configuration of BASELINE_CONFIG takes about \d+ bytes, over Lambda's 4096-byte environment limit/);
  });

  it('uses a given baseline capture (no capture of its own) and refuses one that does not capture its databases', () => {
    const { stack, verification } = setup((defaults) => {
      const capture = new BaselineCapture(defaults.vpc.node.scope as Stack, 'Shared', {
        vpc: defaults.vpc, databases: defaults.databases.map((d) => RestoreVerification.baselineDatabaseOf(d)),
      });
      return { baselineCapture: capture };
    });
    expect(verification.baselineCapture.node.path).toBe('Dr/Shared');
    const captureFunctions = Object.keys(Template.fromStack(stack).findResources('AWS::Lambda::Function')).filter((id) => /Baseline|Shared/.test(id));
    expect(captureFunctions).toEqual([expect.stringMatching(/^SharedFunction/)]);
    expect(stack.node.tryFindChild('Verification')!.node.tryFindChild('BaselineCapture')).toBeUndefined();

    expect(() => setup((defaults) => ({
      baselineCapture: new BaselineCapture(defaults.vpc.node.scope as Stack, 'OnlyShop', {
        vpc: defaults.vpc, databases: [RestoreVerification.baselineDatabaseOf(defaults.databases[0])],
      }),
      baselineSchedule: events.Schedule.cron({ minute: '5' }),
    }))).toThrow(/baselineCapture: Dr\/OnlyShop captures \["shop"\], not \["ledger"\] of databases[\s\S]*baselineSchedule: the given baselineCapture has its own/);
  });
});
