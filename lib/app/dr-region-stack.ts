import { Stack, aws_sns as sns } from 'aws-cdk-lib';
import { AlarmTopic } from '../monitoring/alarm-topic';
import { Construct } from 'constructs';
import { BackupBucket, BackupVault, ObjectLockOptions, VaultLockOptions } from '../storage';

/** Properties of the {@link DrRegionStack}. */
export interface DrRegionStackProps {
  /** The DR region (must differ from the primary region). */
  readonly region: string;
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
   * Name of the DR backup vault.
   * @default - a unique generated name
   */
  readonly vaultName?: string;
  /**
   * Vault Lock of the DR vault.
   * @default - BackupVault's default (governance, 7 days minimum)
   */
  readonly vaultLock?: VaultLockOptions;
  /**
   * Object Lock of the replica bucket. Keep it at least as strict as the primary bucket's.
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
   * ARN of the principal exempt from the DR vault's deny policy.
   * @default - none
   */
  readonly breakGlassPrincipalArn?: string;
}

/**
 * The DR-region half of the example app: the DR backup vault (destination of copy rules) and the
 * replica backup bucket. Deploy it before the primary stack, which reads its outputs through
 * cross-region references.
 */
export class DrRegionStack extends Stack {
  /** Vault that receives cross-region copies of recovery points. */
  public readonly vault: BackupVault;
  /** Replica of the primary backup bucket. */
  public readonly replicaBucket: BackupBucket;
  /** The stack's one alarm topic: the DR vault's notifications. */
  public readonly alarmTopic: AlarmTopic;

  constructor(scope: Construct, id: string, props: DrRegionStackProps) {
    super(scope, id, {
      env: { account: props.account, region: props.region },
      stackName: props.stackName,
      crossRegionReferences: true,
      description: 'cdk-database-dr: DR-region backup vault and replica backup bucket',
    });
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      email: props.alarmTopicArn ? undefined : props.alarmEmail,
      topic: props.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'ImportedAlarmTopic', props.alarmTopicArn) : undefined,
      displayName: 'Backup and DR alarms (DR Region)',
    });
    this.vault = new BackupVault(this, 'DrVault', {
      notificationTopic: this.alarmTopic.topic,
      backupVaultName: props.vaultName,
      vaultLock: props.vaultLock,
      breakGlassPrincipalArn: props.breakGlassPrincipalArn,
    });
    this.replicaBucket = new BackupBucket(this, 'ReplicaBucket', {
      objectLock: props.bucketObjectLock,
    });
  }
}
