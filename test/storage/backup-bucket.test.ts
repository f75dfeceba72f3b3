import { App, CfnParameter, Duration, RemovalPolicy, Stack, aws_iam as iam, aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigurationError } from '../../lib/errors';
import { BackupBucket, BackupBucketProps, IBackupBucket, ObjectLockMode } from '../../lib/storage';

const ACCOUNT = '123456789012';

function newStack(region = 'us-east-1', app = new App(), id = 'BucketStack'): Stack {
  return new Stack(app, id, { env: { account: ACCOUNT, region }, crossRegionReferences: true });
}

/** A primary bucket in us-east-1 replicating to a replica in us-west-2. */
function replicatedPair(props: BackupBucketProps = {}) {
  const app = new App();
  const drStack = newStack('us-west-2', app, 'DrStack');
  const replica = new BackupBucket(drStack, 'Replica');
  const primaryStack = newStack('us-east-1', app, 'PrimaryStack');
  const primary = new BackupBucket(primaryStack, 'Primary', { ...props, replicateTo: replica });
  return { app, drStack, primaryStack, replica, primary };
}

function configurationError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigurationError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
}

/** The locked backup bucket resource (not the access-log bucket). */
function backupBucketResource(t: Template): { Properties: any; DeletionPolicy?: string } {
  const locked = Object.values(t.findResources('AWS::S3::Bucket', { Properties: { ObjectLockEnabled: true } }));
  expect(locked).toHaveLength(1);
  return locked[0] as { Properties: any; DeletionPolicy?: string };
}

/** Every action an identity policy of the stack grants, per statement effect Allow. */
function allowedActions(t: Template): string[] {
  const actions: string[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const res of Object.values(t.findResources(type)) as any[]) {
      for (const st of res.Properties.PolicyDocument.Statement) {
        if (st.Effect === 'Allow') {
          actions.push(...([] as string[]).concat(st.Action));
        }
      }
    }
  }
  return actions.sort();
}

describe('BackupBucket', () => {
  test('defaults: Object Lock (governance 35 days), versioning, SSE-KMS with bucket key, no public access, retained', () => {
    const stack = newStack();
    new BackupBucket(stack, 'Backups');
    const t = Template.fromStack(stack);
    const bucket = backupBucketResource(t);
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 35 } } },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^BackupsKey/), 'Arn'] } },
        }],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('Encrypts backups') });
    // SSL only
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^BackupsBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('compliance mode and a custom retention', () => {
    const stack = newStack();
    new BackupBucket(stack, 'Backups', {
      objectLock: { mode: ObjectLockMode.COMPLIANCE, defaultRetention: Duration.days(90) },
      expiration: Duration.days(400),
    });
    expect(backupBucketResource(Template.fromStack(stack)).Properties.ObjectLockConfiguration)
      .toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 90 } } });
  });

  test('the four lifecycle tiers in order, expiry at the retention, noncurrent versions and uploads cleaned up', () => {
    const stack = newStack();
    new BackupBucket(stack, 'Backups');
    const rules = backupBucketResource(Template.fromStack(stack)).Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual([
      {
        Id: 'tier-and-expire-backups',
        Status: 'Enabled',
        Transitions: [
          { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
          { StorageClass: 'GLACIER', TransitionInDays: 90 },
          { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 180 },
        ],
        ExpirationInDays: 365,
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      },
      { Id: 'remove-expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
    ]);
  });

  test('custom tiers are rendered as given', () => {
    const stack = newStack();
    new BackupBucket(stack, 'Backups', {
      lifecycleTiers: [
        { storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(0) },
        { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(60) },
      ],
      objectLock: { mode: ObjectLockMode.GOVERNANCE, defaultRetention: Duration.days(14) },
      expiration: Duration.days(150),
      noncurrentVersionExpiration: Duration.days(3),
    });
    const [rule] = backupBucketResource(Template.fromStack(stack)).Properties.LifecycleConfiguration.Rules;
    expect(rule.Transitions).toEqual([
      { StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 },
      { StorageClass: 'GLACIER_IR', TransitionInDays: 60 },
    ]);
    expect(rule.ExpirationInDays).toBe(150);
    expect(rule.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 3 });
  });

  test('server access logs go to a separate, unlocked, SSE-S3 log bucket that allows the logging service', () => {
    const stack = newStack();
    const b = new BackupBucket(stack, 'Backups');
    const t = Template.fromStack(stack);
    const logBucketId = stack.resolve((b.logBucket as s3.Bucket).bucketName).Ref;
    expect(backupBucketResource(t).Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logBucketId },
      LogFilePrefix: expect.stringMatching(/^BucketStackBackups[0-9A-F]{8}\/$/),
    });
    const logBucket = t.toJSON().Resources[logBucketId];
    expect(logBucket.Properties.ObjectLockEnabled).toBeUndefined();
    expect(logBucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(logBucket.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({ ExpirationInDays: 365 });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow', Action: 's3:PutObject', Principal: { Service: 'logging.s3.amazonaws.com' },
          Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^BackupsBucket'), 'Arn'] } }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        })]),
      },
    });
  });

  test('a user key, log bucket and removal policy are used as given', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    const logs = new s3.Bucket(stack, 'Logs');
    const b = new BackupBucket(stack, 'Backups', { encryptionKey: key, serverAccessLogsBucket: logs, removalPolicy: RemovalPolicy.DESTROY, bucketName: 'my-backups' });
    expect(b.encryptionKey).toBe(key);
    expect(b.logBucket).toBe(logs);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.resourceCountIs('AWS::S3::Bucket', 2);
    const bucket = backupBucketResource(t);
    expect(bucket.DeletionPolicy).toBe('Delete');
    expect(bucket.Properties.BucketName).toBe('my-backups');
  });

  describe('cross-region replication', () => {
    test('RTC 15 minutes, metrics, SSE-KMS objects, replica key, no delete-marker replication', () => {
      const { primaryStack, primary, replica } = replicatedPair();
      expect(primary.replicationRole).toBeDefined();
      expect(replica.replicationRole).toBeUndefined();
      const config = backupBucketResource(Template.fromStack(primaryStack)).Properties.ReplicationConfiguration;
      expect(config.Role).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PrimaryReplicationRole/), 'Arn'] });
      expect(config.Rules).toHaveLength(1);
      expect(config.Rules[0]).toMatchObject({
        Id: 'replicate-backups-to-dr',
        Status: 'Enabled',
        Filter: { Prefix: '' },
        DeleteMarkerReplication: { Status: 'Disabled' },
        SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
        Destination: {
          ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
          Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
        },
      });
      // Destination bucket and key come from the DR stack through cross-region references.
      const dest = config.Rules[0].Destination;
      expect(dest.Bucket['Fn::GetAtt'][0]).toMatch(/^ExportsReader/);
      expect(dest.Bucket['Fn::GetAtt'][1]).toMatch(/ReplicaBucket.*Arn/);
      expect(dest.EncryptionConfiguration.ReplicaKmsKeyID['Fn::GetAtt'][1]).toMatch(/ReplicaKey.*Arn/);
    });

    test('the replica has Object Lock too', () => {
      const { drStack } = replicatedPair();
      expect(backupBucketResource(Template.fromStack(drStack)).Properties.ObjectLockConfiguration.Rule.DefaultRetention.Mode).toBe('GOVERNANCE');
    });

    test('the replication role has exactly the permissions replication needs, in a managed policy', () => {
      const { primaryStack } = replicatedPair();
      const t = Template.fromStack(primaryStack);
      t.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' } }] },
      });
      t.resourceCountIs('AWS::IAM::Policy', 0);
      const [policy] = Object.values(t.findResources('AWS::IAM::ManagedPolicy')) as any[];
      const bySid = Object.fromEntries(policy.Properties.PolicyDocument.Statement.map((s: any) => [s.Sid, s]));
      expect(Object.keys(bySid).sort()).toEqual(['DecryptSourceObjects', 'EncryptReplicas', 'ReadSourceConfiguration', 'ReadSourceVersions', 'WriteReplicas']);
      expect(bySid.ReadSourceConfiguration.Action).toEqual(['s3:GetReplicationConfiguration', 's3:ListBucket']);
      expect(bySid.ReadSourceVersions.Action).toEqual([
        's3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging', 's3:GetObjectRetention', 's3:GetObjectLegalHold',
      ]);
      expect(bySid.WriteReplicas.Action).toEqual(['s3:ReplicateObject', 's3:ReplicateTags']);
      expect(bySid.DecryptSourceObjects).toMatchObject({
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
      });
      expect(bySid.EncryptReplicas).toMatchObject({
        Action: 'kms:Encrypt',
        Condition: { StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' } },
      });
      expect(policy.Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^PrimaryReplicationRole/) }]);
    });

    test('replicateDeleteMarkers adds s3:ReplicateDelete and enables delete-marker replication', () => {
      const { primaryStack } = replicatedPair({ replicateDeleteMarkers: true });
      const t = Template.fromStack(primaryStack);
      expect(backupBucketResource(t).Properties.ReplicationConfiguration.Rules[0].DeleteMarkerReplication).toEqual({ Status: 'Enabled' });
      expect(allowedActions(t)).toContain('s3:ReplicateDelete');
    });

    test('replication metrics: AWS/S3 with SourceBucket, DestinationBucket and RuleId', () => {
      const { primary, primaryStack } = replicatedPair();
      const cases: Array<[any, string, string]> = [
        [primary.metricReplicationLatency(), 'ReplicationLatency', 'Maximum'],
        [primary.metricOperationsPendingReplication(), 'OperationsPendingReplication', 'Maximum'],
        [primary.metricOperationsFailedReplication(), 'OperationsFailedReplication', 'Sum'],
        [primary.metricBytesPendingReplication(), 'BytesPendingReplication', 'Maximum'],
      ];
      for (const [m, name, stat] of cases) {
        expect(m.namespace).toBe('AWS/S3');
        expect(m.metricName).toBe(name);
        expect(m.statistic).toBe(stat);
        expect(Object.keys(m.dimensions).sort()).toEqual(['DestinationBucket', 'RuleId', 'SourceBucket']);
        expect(m.dimensions.RuleId).toBe('replicate-backups-to-dr');
        expect(primaryStack.resolve(m.dimensions.SourceBucket)).toEqual({ Ref: expect.stringMatching(/^PrimaryBucket/) });
      }
    });

    test('replication metrics of an unreplicated bucket are an error', () => {
      const b = new BackupBucket(newStack(), 'Backups');
      expect(() => b.metricReplicationLatency()).toThrow(/ReplicationLatency exists only for a replicated bucket/);
    });
  });

  describe('grants', () => {
    function grantTemplate(grant: (b: BackupBucket, role: iam.Role) => void): Template {
      const stack = newStack();
      const b = new BackupBucket(stack, 'Backups');
      const role = new iam.Role(stack, 'Runner', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      grant(b, role);
      return Template.fromStack(stack);
    }

    test('write grant: put and multipart only, never delete, retention, legal hold, lifecycle or policy', () => {
      const actions = allowedActions(grantTemplate((b, r) => b.grantWriteBackups(r)));
      expect(actions).toEqual([
        'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey',
        's3:AbortMultipartUpload', 's3:ListBucketMultipartUploads', 's3:ListMultipartUploadParts', 's3:PutObject',
      ]);
      for (const a of actions) {
        expect(a).not.toMatch(/Delete|Retention|LegalHold|Lifecycle|Policy|Bypass|Replicat|Versioning|\*/);
      }
    });

    test('expire grant: exactly delete-marker capability (DeleteObject) and listing', () => {
      const t = grantTemplate((b, r) => b.grantExpireBackups(r));
      expect(allowedActions(t)).toEqual(['s3:DeleteObject', 's3:ListBucket']);
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Action: 's3:DeleteObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^BackupsBucket'), 'Arn'] }, '/*']] },
          })]),
        },
      });
    });

    test('read grant: get, list and decrypt only', () => {
      const actions = allowedActions(grantTemplate((b, r) => b.grantReadBackups(r)));
      expect(actions).toEqual([
        'kms:Decrypt', 's3:GetBucketLocation', 's3:GetObject', 's3:GetObjectLegalHold', 's3:GetObjectRetention', 's3:GetObjectVersion',
        's3:ListBucket', 's3:ListBucketVersions',
      ]);
    });
  });

  describe('fromBucketAttributes (an existing backup bucket)', () => {
    const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

    /** The actions each grant gives a role, for a created bucket or an import built in the same stack. */
    function grantedActions(make: (stack: Stack) => IBackupBucket): Record<string, string[]> {
      const out: Record<string, string[]> = {};
      const grants: Array<[string, (b: IBackupBucket, r: iam.IGrantable) => void]> = [
        ['write', (b, r) => b.grantWriteBackups(r)],
        ['read', (b, r) => b.grantReadBackups(r)],
        ['expire', (b, r) => b.grantExpireBackups(r)],
      ];
      for (const [name, grant] of grants) {
        const stack = newStack();
        const role = new iam.Role(stack, 'Runner', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
        grant(make(stack), role);
        out[name] = allowedActions(Template.fromStack(stack));
      }
      return out;
    }

    test('an import by name, by ARN or as an s3.IBucket grants exactly what a created bucket grants', () => {
      const created = grantedActions((stack) => new BackupBucket(stack, 'Backups'));
      expect(created.expire).toEqual(['s3:DeleteObject', 's3:ListBucket']);
      const key = (stack: Stack) => kms.Key.fromKeyArn(stack, 'Key', KEY_ARN);
      const byName = grantedActions((stack) => BackupBucket.fromBucketAttributes(stack, 'Backups', { bucketName: 'backups-1', encryptionKey: key(stack) }));
      const byArn = grantedActions((stack) => BackupBucket.fromBucketAttributes(stack, 'Backups', { bucketArn: 'arn:aws:s3:::backups-1', encryptionKey: key(stack) }));
      const asBucket = grantedActions((stack) => BackupBucket.fromBucketAttributes(stack, 'Backups', {
        bucket: s3.Bucket.fromBucketName(stack, 'Existing', 'backups-1'), encryptionKey: key(stack),
      }));
      expect(byName).toEqual(created);
      expect(byArn).toEqual(created);
      expect(asBucket).toEqual(created);
    });

    test('the grants name the imported bucket and key', () => {
      const stack = newStack();
      const b = BackupBucket.fromBucketAttributes(stack, 'Backups', { bucketName: 'backups-1', encryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN) });
      const role = new iam.Role(stack, 'Runner', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      b.grantExpireBackups(role);
      b.grantReadBackups(role);
      const statements = (Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0] as any).Properties.PolicyDocument.Statement;
      const text = JSON.stringify(statements);
      expect(text).toContain(':s3:::backups-1/*');
      expect(text).toContain(KEY_ARN);
      // The import adds nothing to the stack but the role's policy.
      Template.fromStack(stack).resourceCountIs('AWS::S3::BucketPolicy', 0);
      Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 0);
    });

    test('the key defaults to the given bucket\'s key', () => {
      const stack = newStack();
      const key = new kms.Key(stack, 'Key');
      const bucket = new s3.Bucket(stack, 'Plain', { encryptionKey: key });
      const b = BackupBucket.fromBucketAttributes(stack, 'Backups', { bucket });
      expect(b.encryptionKey).toBe(key);
      expect(b.bucket).toBe(bucket);
      expect(b.replicaBucketName).toBeUndefined();
    });

    test('replication metrics with replicaBucketName; without it they name the missing field', () => {
      const stack = newStack();
      const encryptionKey = kms.Key.fromKeyArn(stack, 'Key', KEY_ARN);
      const replicated = BackupBucket.fromBucketAttributes(stack, 'Replicated', { bucketName: 'backups-1', encryptionKey, replicaBucketName: 'backups-dr', region: 'us-east-2' });
      const m = replicated.metricOperationsFailedReplication();
      expect(m.dimensions).toEqual({ SourceBucket: 'backups-1', DestinationBucket: 'backups-dr', RuleId: BackupBucket.REPLICATION_RULE_ID });
      expect(m.statistic).toBe('Sum');
      expect(m.region).toBe('us-east-2');
      const single = BackupBucket.fromBucketAttributes(stack, 'Single', { bucketName: 'backups-2', encryptionKey });
      const err = configurationError(() => single.metricReplicationLatency());
      expect(err.message).toMatch(/^BackupBucket BucketStack\/Single: 1 problem:/);
      expect(err.problems).toEqual([expect.stringMatching(/^replicaBucketName: ReplicationLatency needs the name of the replica bucket/)]);
    });

    test('a created bucket: metrics in its stack\'s region, and without replicateTo the error says to set it', () => {
      const { primary } = replicatedPair();
      expect(primary.metricReplicationLatency().region).toBe('us-east-1');
      expect(() => new BackupBucket(newStack('eu-west-1'), 'B').metricBytesPendingReplication()).toThrow(/set replicateTo/);
    });

    test('every problem at once: no bucket, no key, empty names', () => {
      const stack = newStack();
      const err = configurationError(() => BackupBucket.fromBucketAttributes(stack, 'Nothing', { replicaBucketName: '' }));
      expect(err.message).toMatch(/^BackupBucket BucketStack\/Nothing: 3 problems:/);
      expect(err.problems).toEqual([
        expect.stringMatching(/^bucket: give the bucket \(s3.IBucket\), or its bucketName or bucketArn/),
        'replicaBucketName must not be empty',
        expect.stringMatching(/^encryptionKey: .*a bucket given by name or ARN carries no key/),
      ]);
    });

    test('contradictions: a bucket and a name, a region for an s3.IBucket, a bucket without a key', () => {
      const stack = newStack();
      const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'backups-1');
      const err = configurationError(() => BackupBucket.fromBucketAttributes(stack, 'Both', { bucket, bucketName: 'backups-1', region: 'us-east-2' }));
      expect(err.problems).toEqual([
        'bucket: give either bucket or bucketName/bucketArn, not both',
        expect.stringMatching(/^region: only for a bucket given by bucketName\/bucketArn/),
        expect.stringMatching(/^encryptionKey: .*the given bucket has no encryptionKey/),
      ]);
    });
  });

  describe('validation names the field and the bad value', () => {
    const IA = s3.StorageClass.INFREQUENT_ACCESS;
    const GLACIER = s3.StorageClass.GLACIER;
    const DEEP = s3.StorageClass.DEEP_ARCHIVE;
    const tier = (storageClass: s3.StorageClass, days: number) => ({ storageClass, transitionAfter: Duration.days(days) });
    const cases: Array<[string, BackupBucketProps, RegExp]> = [
      ['IA transition before 30 days', { lifecycleTiers: [tier(IA, 20)] },
        /lifecycleTiers\[0\]\.transitionAfter: a transition to Standard-IA must be at least 30 days after creation, got 20 days/],
      ['Glacier less than 30 days after IA', { lifecycleTiers: [tier(IA, 30), tier(GLACIER, 45)] },
        /lifecycleTiers\[1\]\.transitionAfter: a Glacier Flexible Retrieval transition must be at least 30 days after the IA transition of lifecycleTiers\[0\] \(30 days\), got 45 days \(15 days later\)/],
      ['tiers out of time order', { lifecycleTiers: [tier(IA, 60), tier(GLACIER, 40)] },
        /lifecycleTiers\[1\]\.transitionAfter: must be later than lifecycleTiers\[0\]\.transitionAfter \(60 days\), got 40 days/],
      ['a tier up the waterfall', { lifecycleTiers: [tier(GLACIER, 30), tier(IA, 150)] },
        /lifecycleTiers\[1\]\.storageClass: S3 only transitions down the waterfall .*Standard-IA cannot follow Glacier Flexible Retrieval \(lifecycleTiers\[0\]\)/],
      ['a tier after Deep Archive', { lifecycleTiers: [tier(DEEP, 30), tier(GLACIER, 250)] },
        /lifecycleTiers\[1\]\.storageClass: Deep Archive \(lifecycleTiers\[0\]\) is one-way, nothing can follow it, got Glacier Flexible Retrieval/],
      ['leaving Glacier before its 90-day minimum', { lifecycleTiers: [tier(GLACIER, 10), tier(DEEP, 60)] },
        /lifecycleTiers\[1\]\.transitionAfter: objects would leave Glacier Flexible Retrieval after 50 days, before its 90-day minimum storage charge \(lifecycleTiers\[0\] at 10 days\), got 60 days/],
      ['expiring inside Deep Archive\'s 180-day minimum', { expiration: Duration.days(200) },
        /expiration \(200 days\) leaves objects only 20 days in Deep Archive \(lifecycleTiers\[2\] at 180 days\), under its 180-day minimum storage charge: expire at 360 days or later/],
      ['expiring before the last transition', { expiration: Duration.days(100) },
        /expiration \(100 days\) must be later than the last transition, lifecycleTiers\[2\]\.transitionAfter \(180 days\)/],
      ['a transition that is not whole days', { lifecycleTiers: [{ storageClass: IA, transitionAfter: Duration.hours(900) }] },
        /lifecycleTiers\[0\]\.transitionAfter must be a whole number of days, got 37 days 12 hours/],
      ['a class lifecycle cannot target', { lifecycleTiers: [{ storageClass: new s3.StorageClass('STANDARD'), transitionAfter: Duration.days(30) }] },
        /lifecycleTiers\[0\]\.storageClass: STANDARD is not a storage class S3 lifecycle rules can transition to/],
      ['lock longer than the retention', { objectLock: { mode: ObjectLockMode.GOVERNANCE, defaultRetention: Duration.days(400) } },
        /expiration \(365 days\) is shorter than objectLock\.defaultRetention \(400 days\)/],
      ['lock retention of 0 days', { objectLock: { mode: ObjectLockMode.COMPLIANCE, defaultRetention: Duration.days(0) } },
        /objectLock\.defaultRetention must be between 1 and 36500 days, got 0 days/],
      ['noncurrent expiry of 0 days', { noncurrentVersionExpiration: Duration.days(0) },
        /noncurrentVersionExpiration must be at least 1 day, got 0 days/],
      ['log retention of 0 days', { serverAccessLogsRetention: Duration.days(0) },
        /serverAccessLogsRetention must be at least 1 day, got 0 days/],
    ];
    test.each(cases)('%s', (_name, props, message) => {
      const err = configurationError(() => new BackupBucket(newStack(), 'Backups', props));
      expect(err.problems).toHaveLength(1);
      expect(err.message).toMatch(/^BackupBucket BucketStack\/Backups: 1 problem:/);
      expect(err.message).toMatch(message);
    });

    test('a locked bucket as the access-log target', () => {
      const stack = newStack();
      const other = new BackupBucket(stack, 'Other');
      const err = configurationError(() => new BackupBucket(stack, 'Backups', { serverAccessLogsBucket: other.bucket }));
      expect(err.message).toMatch(/serverAccessLogsBucket: BucketStack\/Other\/Bucket has Object Lock enabled/);
    });

    test('a replica in the same region as its source names both regions', () => {
      const app = new App();
      const replica = new BackupBucket(newStack('eu-west-1', app, 'DrStack'), 'Replica');
      const err = configurationError(() => new BackupBucket(newStack('eu-west-1', app, 'PrimaryStack'), 'Primary', { replicateTo: replica }));
      expect(err.message).toMatch(/replicateTo: the replica DrStack\/Replica is in eu-west-1, the same region as the source \(eu-west-1\)/);
    });

    test('a replica in a stack without a region', () => {
      const app = new App();
      const replica = new BackupBucket(new Stack(app, 'DrStack'), 'Replica');
      const err = configurationError(() => new BackupBucket(newStack('us-east-1', app, 'PrimaryStack'), 'Primary', { replicateTo: replica }));
      expect(err.message).toMatch(/source stack region is us-east-1, replica stack region is unresolved/);
    });

    test('several problems are reported together', () => {
      const err = configurationError(() => new BackupBucket(newStack(), 'Backups', {
        lifecycleTiers: [tier(IA, 10), tier(GLACIER, 20), tier(DEEP, 15)],
        expiration: Duration.days(5),
        objectLock: { mode: ObjectLockMode.GOVERNANCE, defaultRetention: Duration.days(30) },
      }));
      expect(err.problems.length).toBeGreaterThanOrEqual(4);
      expect(err.message).toMatch(/lifecycleTiers\[0\]\.transitionAfter: .*got 10 days/);
      expect(err.message).toMatch(/lifecycleTiers\[1\]\.transitionAfter: .*got 20 days/);
      expect(err.message).toMatch(/lifecycleTiers\[2\]\.transitionAfter: must be later than lifecycleTiers\[1\]\.transitionAfter \(20 days\), got 15 days/);
      expect(err.message).toMatch(/expiration \(5 days\) must be later than the last transition/);
      expect(err.message).toMatch(/expiration \(5 days\) is shorter than objectLock\.defaultRetention \(30 days\)/);
    });

    test('tokens are left to S3 (no false errors at synth)', () => {
      const stack = newStack();
      const days = new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber;
      const retention = new CfnParameter(stack, 'Retention', { type: 'Number' }).valueAsNumber;
      expect(() => new BackupBucket(stack, 'Backups', {
        lifecycleTiers: [{ storageClass: IA, transitionAfter: Duration.days(days) }],
        expiration: Duration.days(retention),
      })).not.toThrow();
      const [rule] = backupBucketResource(Template.fromStack(stack)).Properties.LifecycleConfiguration.Rules;
      expect(rule.Transitions).toEqual([{ StorageClass: 'STANDARD_IA', TransitionInDays: { Ref: 'Days' } }]);
      expect(rule.ExpirationInDays).toEqual({ Ref: 'Retention' });
    });
  });
});
