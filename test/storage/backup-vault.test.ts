import { App, CfnParameter, Duration, RemovalPolicy, Stack, aws_backup as backup, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigurationError } from '../../lib/errors';
import { BackupVault } from '../../lib/storage';

function newStack(): Stack {
  return new Stack(new App(), 'VaultStack', { env: { account: '123456789012', region: 'us-east-1' } });
}

/** The ConfigurationError a function throws (fails the test when it throws nothing else). */
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

describe('BackupVault', () => {
  test('defaults: rotated customer key, governance lock, deny policy, encrypted SSL-only topic, retained', () => {
    const stack = newStack();
    new BackupVault(stack, 'Vault');
    const t = Template.fromStack(stack);

    t.resourceCountIs('AWS::KMS::Key', 2); // vault key + topic key
    t.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const vaults = t.findResources('AWS::Backup::BackupVault');
    const [vault] = Object.values(vaults) as Array<{ Properties: any; DeletionPolicy: string }>;
    expect(vault.DeletionPolicy).toBe('Retain');
    expect(vault.Properties.LockConfiguration).toEqual({ MinRetentionDays: 7 });
    expect(vault.Properties.EncryptionKeyArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^VaultKey/), 'Arn'] });
    expect(vault.Properties.AccessPolicy.Statement).toEqual([{
      Sid: 'DenyEarlyDeletion',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [
        'backup:DeleteRecoveryPoint',
        'backup:UpdateRecoveryPointLifecycle',
        'backup:DeleteBackupVault',
        'backup:DeleteBackupVaultLockConfiguration',
        'backup:DeleteBackupVaultAccessPolicy',
      ],
      Resource: '*',
    }]);
    expect(vault.Properties.Notifications.BackupVaultEvents).toEqual([
      'BACKUP_JOB_COMPLETED', 'COPY_JOB_FAILED', 'RESTORE_JOB_COMPLETED', 'S3_BACKUP_OBJECT_FAILED', 'S3_RESTORE_OBJECT_FAILED',
    ]);

    t.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VaultNotificationKey'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'backup.amazonaws.com' } }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('notification topic'),
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'backup.amazonaws.com' },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        })]),
      },
    });
  });

  test('compliance mode when changeableFor is given, with min and max retention', () => {
    const stack = newStack();
    const vault = new BackupVault(stack, 'Vault', {
      backupVaultName: 'db-vault',
      vaultLock: { minRetention: Duration.days(7), maxRetention: Duration.days(400), changeableFor: Duration.hours(72) },
    });
    expect(vault.complianceMode).toBe(true);
    Template.fromStack(stack).hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: 'db-vault',
      LockConfiguration: { MinRetentionDays: 7, MaxRetentionDays: 400, ChangeableForDays: 3 },
    });
  });

  test('the break-glass principal is exempted from the deny policy by a condition', () => {
    const stack = newStack();
    new BackupVault(stack, 'Vault', { breakGlassPrincipalArn: 'arn:aws:iam::123456789012:role/break-glass' });
    Template.fromStack(stack).hasResourceProperties('AWS::Backup::BackupVault', {
      AccessPolicy: {
        Statement: [Match.objectLike({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/break-glass' } },
        })],
      },
    });
  });

  test('a user key and topic are used as given: no new key or topic, backup may publish', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'MyTopic', { masterKey: key });
    const vault = new BackupVault(stack, 'Vault', {
      encryptionKey: key,
      notificationTopic: topic,
      notificationEvents: [backup.BackupVaultEvents.COPY_JOB_FAILED],
      removalPolicy: RemovalPolicy.DESTROY,
    });
    expect(vault.encryptionKey).toBe(key);
    expect(vault.notificationTopic).toBe(topic);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.hasResource('AWS::Backup::BackupVault', {
      DeletionPolicy: 'Delete',
      Properties: { Notifications: { BackupVaultEvents: ['COPY_JOB_FAILED'], SNSTopicArn: { Ref: Match.stringLikeRegexp('^MyTopic') } } },
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'backup.amazonaws.com' } })]) },
    });
  });

  test('is an aws-backup vault: a backup plan targets it and copies into a DR vault', () => {
    const stack = newStack();
    const vault = new BackupVault(stack, 'Vault');
    const drVault = new BackupVault(stack, 'DrVault');
    const plan = new backup.BackupPlan(stack, 'Plan', { backupVault: vault });
    plan.addRule(new backup.BackupPlanRule({
      ruleName: 'daily',
      deleteAfter: Duration.days(35),
      copyActions: [{ destinationBackupVault: drVault, deleteAfter: Duration.days(35) }],
    }));
    Template.fromStack(stack).hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [Match.objectLike({
          TargetBackupVault: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vault[0-9A-F]{8}$'), 'BackupVaultName'] },
          CopyActions: [Match.objectLike({ DestinationBackupVaultArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DrVault'), 'BackupVaultArn'] } })],
        })],
      },
    });
    expect(vault.backupVaultRef.backupVaultArn).toBe(vault.backupVaultArn);
  });

  test('metrics: AWS/Backup namespace, BackupVaultName dimension, sum over 5 minutes', () => {
    const stack = newStack();
    const vault = new BackupVault(stack, 'Vault');
    const cases: Array<[() => any, string]> = [
      [() => vault.metricBackupJobsFailed(), 'NumberOfBackupJobsFailed'],
      [() => vault.metricBackupJobsCompleted(), 'NumberOfBackupJobsCompleted'],
      [() => vault.metricBackupJobsExpired(), 'NumberOfBackupJobsExpired'],
      [() => vault.metricCopyJobsFailed(), 'NumberOfCopyJobsFailed'],
      [() => vault.metricCopyJobsCompleted(), 'NumberOfCopyJobsCompleted'],
      [() => vault.metricRestoreJobsFailed(), 'NumberOfRestoreJobsFailed'],
      [() => vault.metricRecoveryPointsCompleted(), 'NumberOfRecoveryPointsCompleted'],
      [() => vault.metricRecoveryPointsPartial(), 'NumberOfRecoveryPointsPartial'],
    ];
    for (const [make, name] of cases) {
      const m = make();
      expect(m.namespace).toBe('AWS/Backup');
      expect(m.metricName).toBe(name);
      expect(m.statistic).toBe('Sum');
      expect(m.period.toMinutes()).toBe(5);
      expect(stack.resolve(m.dimensions)).toEqual({ BackupVaultName: { 'Fn::GetAtt': [expect.stringMatching(/^Vault[0-9A-F]{8}$/), 'BackupVaultName'] } });
    }
    const custom = vault.metricBackupJobsFailed({ period: Duration.hours(1), statistic: 'Maximum' });
    expect(custom.period.toHours()).toBe(1);
    expect(custom.statistic).toBe('Maximum');
  });

  test('failureFilterPolicy passes everything but COMPLETED states', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'T');
    new sns.Subscription(stack, 'S', {
      topic, protocol: sns.SubscriptionProtocol.EMAIL, endpoint: 'oncall@example.com',
      filterPolicy: BackupVault.failureFilterPolicy(),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      FilterPolicy: { State: [{ 'anything-but': ['COMPLETED'] }] },
    });
  });

  describe('imports', () => {
    test('fromBackupVaultArn parses the name and has no known key', () => {
      const stack = newStack();
      const v = BackupVault.fromBackupVaultArn(stack, 'I', 'arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault');
      expect(v.backupVaultName).toBe('dr-vault');
      expect(v.env.region).toBe('us-west-2');
      expect(() => v.encryptionKey).toThrow(/key of imported vault dr-vault is unknown.*fromBackupVaultAttributes/);
    });

    test('fromBackupVaultName builds the ARN in the stack account and region', () => {
      const stack = newStack();
      const v = BackupVault.fromBackupVaultName(stack, 'I', 'db-vault');
      expect(stack.resolve(v.backupVaultArn)).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':backup:us-east-1:123456789012:backup-vault:db-vault']],
      });
    });

    test('fromBackupVaultAttributes carries the key and topic', () => {
      const stack = newStack();
      const key = kms.Key.fromKeyArn(stack, 'K', 'arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555');
      const v = BackupVault.fromBackupVaultAttributes(stack, 'I', {
        backupVaultArn: 'arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault', encryptionKey: key,
      });
      expect(v.encryptionKey).toBe(key);
      expect(v.notificationTopic).toBeUndefined();
    });

    test('a non-vault ARN is rejected naming the value', () => {
      const stack = newStack();
      expect(() => BackupVault.fromBackupVaultArn(stack, 'I', 'arn:aws:s3:::bucket'))
        .toThrow(/arn:aws:s3:::bucket is not a backup vault ARN/);
    });
  });

  describe('validation names the field and the bad value', () => {
    const cases: Array<[string, ConstructorParameters<typeof BackupVault>[2], RegExp]> = [
      ['changeableFor under 72 hours', { vaultLock: { minRetention: Duration.days(7), changeableFor: Duration.hours(48) } },
        /vaultLock\.changeableFor must be at least 72 hours .*got 48 hours/],
      ['min retention over max', { vaultLock: { minRetention: Duration.days(30), maxRetention: Duration.days(10) } },
        /vaultLock\.minRetention \(30 days\) must not exceed vaultLock\.maxRetention \(10 days\)/],
      ['min retention under a day', { vaultLock: { minRetention: Duration.days(0) } },
        /vaultLock\.minRetention must be between 1 and 36500 days, got 0 days/],
      ['max retention over 36500 days', { vaultLock: { minRetention: Duration.days(1), maxRetention: Duration.days(40000) } },
        /vaultLock\.maxRetention must be between 1 and 36500 days, got 40000 days/],
      ['retention that is not whole days', { vaultLock: { minRetention: Duration.hours(36) } },
        /vaultLock\.minRetention must be a whole number of days, got 1 day 12 hours/],
      ['vault name with bad characters', { backupVaultName: 'my vault!' },
        /backupVaultName must be 2 to 50 characters .*got 'my vault!'/],
      ['break-glass ARN that is not an IAM principal', { breakGlassPrincipalArn: 'admin' },
        /breakGlassPrincipalArn must be an IAM role or user ARN .*got 'admin'/],
      ['deprecated notification event', { notificationEvents: [backup.BackupVaultEvents.BACKUP_JOB_COMPLETED, backup.BackupVaultEvents.BACKUP_JOB_FAILED] },
        /notificationEvents\[1\]: BACKUP_JOB_FAILED is deprecated/],
      ['empty notification events', { notificationEvents: [] },
        /notificationEvents must list at least one event, got an empty list/],
    ];
    test.each(cases)('%s', (_name, props, message) => {
      const err = configurationError(() => new BackupVault(newStack(), 'Vault', props));
      expect(err.problems).toHaveLength(1);
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(/^BackupVault VaultStack\/Vault: 1 problem:/);
    });

    test('every problem is reported at once', () => {
      const err = configurationError(() => new BackupVault(newStack(), 'Vault', {
        backupVaultName: 'x',
        vaultLock: { minRetention: Duration.days(30), maxRetention: Duration.days(10), changeableFor: Duration.hours(24) },
        notificationEvents: [backup.BackupVaultEvents.RESTORE_JOB_FAILED],
      }));
      expect(err.problems).toHaveLength(4);
      expect(err.message).toMatch(/4 problems/);
      expect(err.message).toMatch(/got 'x'/);
      expect(err.message).toMatch(/\(30 days\).*\(10 days\)/);
      expect(err.message).toMatch(/got 24 hours/);
      expect(err.message).toMatch(/RESTORE_JOB_FAILED is deprecated/);
    });

    test('tokens are left to the service (no false errors at synth)', () => {
      const stack = newStack();
      const days = new CfnParameter(stack, 'MinDays', { type: 'Number' }).valueAsNumber;
      const cool = new CfnParameter(stack, 'Cool', { type: 'Number' }).valueAsNumber;
      const name = new CfnParameter(stack, 'Name', { type: 'String' }).valueAsString;
      expect(() => new BackupVault(stack, 'Vault', {
        backupVaultName: name,
        vaultLock: { minRetention: Duration.days(days), changeableFor: Duration.days(cool) },
      })).not.toThrow();
      Template.fromStack(stack).hasResourceProperties('AWS::Backup::BackupVault', {
        LockConfiguration: { MinRetentionDays: { Ref: 'MinDays' }, ChangeableForDays: { Ref: 'Cool' } },
      });
    });
  });
});
