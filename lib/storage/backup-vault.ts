import {
  ArnFormat, Duration, RemovalPolicy, Resource, Stack, Token,
  aws_backup as backup, aws_cloudwatch as cloudwatch, aws_iam as iam, aws_kms as kms, aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { aws_backup as backupRefs } from 'aws-cdk-lib/interfaces';
import { ConfigurationError } from '../errors';
import { wholeDays } from './durations';

/**
 * A backup vault of this library: an aws-backup vault (usable wherever aws-cdk-lib wants one:
 * backup plans, copy actions) that also exposes its key and its notification topic.
 */
export interface IBackupVault extends backup.IBackupVault {
  /** The customer-managed key encrypting the vault's recovery points. */
  readonly encryptionKey: kms.IKey;
  /**
   * The topic receiving the vault's failure notifications.
   * @default - none
   */
  readonly notificationTopic?: sns.ITopic;
}

/**
 * Vault Lock settings. Without `changeableFor` the lock is in governance mode (users with the
 * right IAM permissions can remove it); with it, the lock becomes compliance mode and immutable
 * once the cooling-off period ends.
 *
 * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html
 */
export interface VaultLockOptions {
  /** Shortest retention a recovery point may have in this vault (whole days, at least 1). */
  readonly minRetention: Duration;
  /**
   * Longest retention a recovery point may have (whole days, at most 36500).
   * @default - no maximum
   */
  readonly maxRetention?: Duration;
  /**
   * Cooling-off period after which the lock can no longer be changed or removed (compliance
   * mode). At least 72 hours, whole days.
   * @default - governance mode, the lock stays changeable
   */
  readonly changeableFor?: Duration;
}

/** Properties of a {@link BackupVault}. */
export interface BackupVaultProps {
  /**
   * Name of the vault (2–50 of a–z, A–Z, 0–9, - and _).
   * @default - a unique name derived from the construct path
   */
  readonly backupVaultName?: string;
  /**
   * Customer-managed key for the recovery points.
   * @default - a new key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Vault Lock.
   * @default - governance mode, minimum retention 7 days, no maximum
   */
  readonly vaultLock?: VaultLockOptions;
  /**
   * ARN of the one principal exempt from the vault's deny policy (deleting recovery points,
   * changing their lifecycle, deleting the vault or its lock), for emergencies.
   * @default - no exemption: nobody can delete recovery points early
   */
  readonly breakGlassPrincipalArn?: string;
  /**
   * Topic for the vault's job notifications. AWS Backup is allowed to publish to it.
   * @default - a new topic encrypted with its own customer-managed key, SSL only
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * Events sent to the topic. Only the events AWS Backup still emits are accepted.
   * @default - BACKUP_JOB_COMPLETED, COPY_JOB_FAILED, RESTORE_JOB_COMPLETED,
   *   S3_BACKUP_OBJECT_FAILED, S3_RESTORE_OBJECT_FAILED (filter subscriptions with
   *   `BackupVault.failureFilterPolicy()` to receive failures only)
   * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-notifications.html
   */
  readonly notificationEvents?: backup.BackupVaultEvents[];
  /**
   * What happens to the vault when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Attributes of an existing vault, for {@link BackupVault.fromBackupVaultAttributes}. */
export interface BackupVaultAttributes {
  /** ARN of the vault. */
  readonly backupVaultArn: string;
  /**
   * The vault's key.
   * @default - unknown: reading `encryptionKey` throws
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The vault's notification topic.
   * @default - none
   */
  readonly notificationTopic?: sns.ITopic;
}

/** Actions nobody but the break-glass principal may call on the vault. */
const DENIED_ACTIONS = [
  'backup:DeleteRecoveryPoint',
  'backup:UpdateRecoveryPointLifecycle',
  'backup:DeleteBackupVault',
  'backup:DeleteBackupVaultLockConfiguration',
  'backup:DeleteBackupVaultAccessPolicy',
];

/** SNS events that AWS Backup no longer emits (still listed in BackupVaultEvents). */
const DEPRECATED_EVENTS = new Set<string>([
  backup.BackupVaultEvents.BACKUP_JOB_SUCCESSFUL,
  backup.BackupVaultEvents.BACKUP_JOB_FAILED,
  backup.BackupVaultEvents.BACKUP_JOB_EXPIRED,
  backup.BackupVaultEvents.RESTORE_JOB_SUCCESSFUL,
  backup.BackupVaultEvents.RESTORE_JOB_FAILED,
  backup.BackupVaultEvents.BACKUP_PLAN_CREATED,
  backup.BackupVaultEvents.BACKUP_PLAN_MODIFIED,
]);

const DEFAULT_EVENTS = [
  backup.BackupVaultEvents.BACKUP_JOB_COMPLETED,
  backup.BackupVaultEvents.COPY_JOB_FAILED,
  backup.BackupVaultEvents.RESTORE_JOB_COMPLETED,
  backup.BackupVaultEvents.S3_BACKUP_OBJECT_FAILED,
  backup.BackupVaultEvents.S3_RESTORE_OBJECT_FAILED,
];

abstract class BackupVaultBase extends Resource implements IBackupVault {
  public abstract readonly backupVaultName: string;
  public abstract readonly backupVaultArn: string;
  public abstract readonly encryptionKey: kms.IKey;
  public abstract readonly notificationTopic?: sns.ITopic;

  public get backupVaultRef(): backupRefs.BackupVaultReference {
    return { backupVaultName: this.backupVaultName, backupVaultArn: this.backupVaultArn };
  }

  /** Grants `actions` on this vault to `grantee`. */
  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.backupVaultArn] });
  }

  /**
   * Backup jobs into this vault that failed.
   * @default sum over 5 minutes
   */
  public metricBackupJobsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfBackupJobsFailed', props);
  }

  /**
   * Backup jobs into this vault that completed (including completed with issues).
   * @default sum over 5 minutes
   */
  public metricBackupJobsCompleted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfBackupJobsCompleted', props);
  }

  /**
   * Backup jobs into this vault that expired before they could start.
   * @default sum over 5 minutes
   */
  public metricBackupJobsExpired(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfBackupJobsExpired', props);
  }

  /**
   * Copy jobs involving this vault that failed.
   * @default sum over 5 minutes
   */
  public metricCopyJobsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfCopyJobsFailed', props);
  }

  /**
   * Copy jobs involving this vault that completed.
   * @default sum over 5 minutes
   */
  public metricCopyJobsCompleted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfCopyJobsCompleted', props);
  }

  /**
   * Restore jobs from this vault that failed.
   * @default sum over 5 minutes
   */
  public metricRestoreJobsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfRestoreJobsFailed', props);
  }

  /**
   * Recovery points created in this vault.
   * @default sum over 5 minutes
   */
  public metricRecoveryPointsCompleted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfRecoveryPointsCompleted', props);
  }

  /**
   * Recovery points in this vault that are only partially complete.
   * @default sum over 5 minutes
   */
  public metricRecoveryPointsPartial(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfRecoveryPointsPartial', props);
  }

  /**
   * Any AWS/Backup metric of this vault (dimension BackupVaultName).
   * @default sum over 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Backup',
      metricName,
      dimensionsMap: { BackupVaultName: this.backupVaultName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      region: this.env.region,
      account: this.env.account,
      ...props,
    });
  }
}

/**
 * A backup vault for recovery points that no one can delete early: a customer-managed KMS key,
 * Vault Lock (governance by default, compliance with `changeableFor`), an access policy denying
 * deletion and lifecycle changes to every principal but an optional break-glass one, and failure
 * notifications to an encrypted, SSL-only SNS topic.
 */
export class BackupVault extends BackupVaultBase {
  /** Imports a vault by ARN. Its key is unknown (use `fromBackupVaultAttributes` to give it). */
  public static fromBackupVaultArn(scope: Construct, id: string, backupVaultArn: string): IBackupVault {
    return BackupVault.fromBackupVaultAttributes(scope, id, { backupVaultArn });
  }

  /** Imports a vault of this stack's account and region by name. Its key is unknown. */
  public static fromBackupVaultName(scope: Construct, id: string, backupVaultName: string): IBackupVault {
    const backupVaultArn = Stack.of(scope).formatArn({
      service: 'backup',
      resource: 'backup-vault',
      resourceName: backupVaultName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return BackupVault.fromBackupVaultAttributes(scope, id, { backupVaultArn });
  }

  /** Imports a vault with its key and topic. */
  public static fromBackupVaultAttributes(scope: Construct, id: string, attrs: BackupVaultAttributes): IBackupVault {
    const parsed = Stack.of(scope).splitArn(attrs.backupVaultArn, ArnFormat.COLON_RESOURCE_NAME);
    if (!parsed.resourceName) {
      throw new ConfigurationError(`BackupVault.fromBackupVaultArn ${id}`, [`backupVaultArn: ${attrs.backupVaultArn} is not a backup vault ARN (arn:<partition>:backup:<region>:<account>:backup-vault:<name>)`]);
    }
    const vaultName = parsed.resourceName;
    class Import extends BackupVaultBase {
      public readonly backupVaultName = vaultName;
      public readonly backupVaultArn = attrs.backupVaultArn;
      public readonly notificationTopic = attrs.notificationTopic;
      public get encryptionKey(): kms.IKey {
        if (!attrs.encryptionKey) {
          throw new ConfigurationError(`BackupVault ${this.node.path}`, [
            `encryptionKey: the key of imported vault ${vaultName} is unknown; import it with BackupVault.fromBackupVaultAttributes({ backupVaultArn, encryptionKey })`,
          ]);
        }
        return attrs.encryptionKey;
      }
    }
    return new Import(scope, id, { account: parsed.account, region: parsed.region });
  }

  /**
   * An SNS subscription filter policy that passes failures only: BACKUP_JOB_COMPLETED and
   * RESTORE_JOB_COMPLETED messages carry a `State` attribute, which is `COMPLETED` on success.
   */
  public static failureFilterPolicy(): { [attribute: string]: sns.SubscriptionFilter } {
    return { State: sns.SubscriptionFilter.stringFilter({ denylist: ['COMPLETED'] }) };
  }

  public readonly backupVaultName: string;
  public readonly backupVaultArn: string;
  public readonly encryptionKey: kms.IKey;
  public readonly notificationTopic?: sns.ITopic;
  /** Vault Lock settings in force. */
  public readonly vaultLock: VaultLockOptions;
  /** True when the lock is in compliance mode (`changeableFor` given). */
  public readonly complianceMode: boolean;

  private readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: BackupVaultProps = {}) {
    super(scope, id, { physicalName: props.backupVaultName });

    const lock = props.vaultLock ?? { minRetention: Duration.days(7) };
    const problems = vaultProblems(props, lock);
    if (problems.length > 0) {
      throw new ConfigurationError(`BackupVault ${this.node.path}`, problems);
    }
    this.vaultLock = lock;
    this.complianceMode = lock.changeableFor !== undefined;

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `Encrypts recovery points in backup vault ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.notificationTopic = props.notificationTopic ?? this.createTopic();

    const accessPolicy = new iam.PolicyDocument({
      statements: [new iam.PolicyStatement({
        sid: 'DenyEarlyDeletion',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: DENIED_ACTIONS,
        resources: ['*'],
        conditions: props.breakGlassPrincipalArn
          ? { ArnNotEquals: { 'aws:PrincipalArn': props.breakGlassPrincipalArn } }
          : undefined,
      })],
    });

    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.backupVaultName,
      encryptionKey: this.encryptionKey,
      accessPolicy,
      notificationTopic: this.notificationTopic,
      notificationEvents: props.notificationEvents ?? DEFAULT_EVENTS,
      lockConfiguration: lock,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.backupVaultName = this.vault.backupVaultName;
    this.backupVaultArn = this.vault.backupVaultArn;
  }

  /** Adds a statement to the vault's access policy (for example a cross-account copy allow). */
  public addToAccessPolicy(statement: iam.PolicyStatement): void {
    this.vault.addToAccessPolicy(statement);
  }

  private createTopic(): sns.ITopic {
    const topicKey = new kms.Key(this, 'NotificationKey', {
      description: `Encrypts the notification topic of backup vault ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // AWS Backup publishes to an encrypted topic only when it may use the topic's key.
    topicKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowAwsBackupToPublishEncrypted',
      principals: [new iam.ServicePrincipal('backup.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
    }));
    return new sns.Topic(this, 'Notifications', {
      displayName: 'AWS Backup vault notifications',
      masterKey: topicKey,
      enforceSSL: true,
    });
  }
}

function vaultProblems(props: BackupVaultProps, lock: VaultLockOptions): string[] {
  const problems: string[] = [];
  const name = props.backupVaultName;
  if (name !== undefined && !Token.isUnresolved(name) && !/^[a-zA-Z0-9\-_]{2,50}$/.test(name)) {
    problems.push(`backupVaultName must be 2 to 50 characters of a-z, A-Z, 0-9, - and _, got '${name}'`);
  }
  const min = wholeDays(lock.minRetention, 'vaultLock.minRetention', problems);
  if (min !== undefined && (min < 1 || min > 36500)) {
    problems.push(`vaultLock.minRetention must be between 1 and 36500 days, got ${min} days`);
  }
  const max = lock.maxRetention ? wholeDays(lock.maxRetention, 'vaultLock.maxRetention', problems) : undefined;
  if (max !== undefined && (max < 1 || max > 36500)) {
    problems.push(`vaultLock.maxRetention must be between 1 and 36500 days, got ${max} days`);
  }
  if (min !== undefined && max !== undefined && min > max) {
    problems.push(`vaultLock.minRetention (${min} days) must not exceed vaultLock.maxRetention (${max} days)`);
  }
  if (lock.changeableFor && !lock.changeableFor.isUnresolved()) {
    const hours = lock.changeableFor.toHours({ integral: false });
    if (hours < 72) {
      problems.push(`vaultLock.changeableFor must be at least 72 hours (AWS Backup's cooling-off period before a compliance lock becomes immutable), got ${hours} hours`);
    } else {
      const days = wholeDays(lock.changeableFor, 'vaultLock.changeableFor', problems);
      if (days !== undefined && days > 36500) {
        problems.push(`vaultLock.changeableFor must be at most 36500 days, got ${days} days`);
      }
    }
  }
  if (props.breakGlassPrincipalArn !== undefined && !Token.isUnresolved(props.breakGlassPrincipalArn)
    && !/^arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+$/.test(props.breakGlassPrincipalArn)) {
    problems.push(`breakGlassPrincipalArn must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>), got '${props.breakGlassPrincipalArn}'`);
  }
  for (const [i, event] of (props.notificationEvents ?? []).entries()) {
    if (DEPRECATED_EVENTS.has(event)) {
      problems.push(`notificationEvents[${i}]: ${event} is deprecated and AWS Backup no longer sends it; use BACKUP_JOB_COMPLETED or RESTORE_JOB_COMPLETED with BackupVault.failureFilterPolicy()`);
    }
  }
  if (props.notificationEvents !== undefined && props.notificationEvents.length === 0) {
    problems.push('notificationEvents must list at least one event, got an empty list');
  }
  return problems;
}
