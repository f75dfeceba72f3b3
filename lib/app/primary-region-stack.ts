import { CrossStackReferences, ReferenceStrength, Stack, aws_sns as sns } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BackupRoles } from '../iam';
import { AlarmTopic } from '../monitoring/alarm-topic';
import { BackupBucket, BackupVault, ObjectLockOptions, VaultLockOptions } from '../storage';
import { DrRegionStack } from './dr-region-stack';

/** Properties of the {@link PrimaryRegionStack}. */
export interface PrimaryRegionStackProps {
  /** The region of the protected databases. */
  readonly region: string;
  /** The DR stack holding the replica bucket (in another region). */
  readonly dr: DrRegionStack;
  /**
   * Account to deploy to.
   * @default - env-agnostic account (resolved at deploy time)
   */
  readonly account?: string;
  /**
   * CloudFormation stack name.
   * @default - the construct id
   */
  readonly stackName?: string;
  /**
   * Name of the primary backup vault.
   * @default - a unique generated name
   */
  readonly vaultName?: string;
  /**
   * Vault Lock of the primary vault.
   * @default - BackupVault's default (governance, 7 days minimum)
   */
  readonly vaultLock?: VaultLockOptions;
  /**
   * Object Lock of the backup bucket.
   * @default - BackupBucket's default (governance, 35 days)
   */
  readonly bucketObjectLock?: ObjectLockOptions;
  /**
   * Address subscribed by e-mail to the stack's alarm topic (alarms and vault notifications).
   * @default - none: give alarmTopicArn (primary stack only)
   */
  readonly alarmEmail?: string;
  /**
   * ARN of an existing SNS topic in this Region for the stack's alarms and vault notifications.
   * @default - a new topic subscribed by alarmEmail
   */
  readonly alarmTopicArn?: string;
  /**
   * ARN of the principal exempt from the vault's deny policy.
   * @default - none
   */
  readonly breakGlassPrincipalArn?: string;
  /**
   * Prefix of the AWS Backup role names.
   * @default - generated names
   */
  readonly roleNamePrefix?: string;
}

/**
 * The primary-region half of the example app: the backup vault, the runner's backup bucket
 * (replicated to the DR stack's replica) and the AWS Backup roles. It only composes constructs.
 */
export class PrimaryRegionStack extends Stack {
  public readonly vault: BackupVault;
  public readonly bucket: BackupBucket;
  public readonly roles: BackupRoles;
  /** The stack's one alarm topic: every alarm and the vault's notifications. */
  public readonly alarmTopic: AlarmTopic;

  constructor(scope: Construct, id: string, props: PrimaryRegionStackProps) {
    super(scope, id, {
      env: { account: props.account, region: props.region },
      stackName: props.stackName,
      crossRegionReferences: true,
      description: 'cdk-database-dr: primary-region backup vault, backup bucket and AWS Backup roles',
    });
    // Strong references (SSM-parameter exports written and read by CDK's custom resources): the DR
    // stack cannot drop a resource the primary stack still replicates to.
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      email: props.alarmTopicArn ? undefined : props.alarmEmail,
      topic: props.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'ImportedAlarmTopic', props.alarmTopicArn) : undefined,
      displayName: 'Backup and DR alarms (primary Region)',
    });
    this.vault = new BackupVault(this, 'Vault', {
      notificationTopic: this.alarmTopic.topic,
      backupVaultName: props.vaultName,
      vaultLock: props.vaultLock,
      breakGlassPrincipalArn: props.breakGlassPrincipalArn,
    });
    this.bucket = new BackupBucket(this, 'BackupBucket', {
      objectLock: props.bucketObjectLock,
      replicateTo: props.dr.replicaBucket,
    });
    this.roles = new BackupRoles(this, 'Roles', { roleNamePrefix: props.roleNamePrefix });
  }
}
