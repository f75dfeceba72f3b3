import { CfnOutput, Stack, aws_sns as sns } from 'aws-cdk-lib';
import { importPlanVpc } from './plan-values';
import { AlarmTopic } from '../monitoring/alarm-topic';
import { Construct } from 'constructs';
import { NetworkConfig } from '../plan';
import { DrRegionRecovery } from '../recovery/dr-region-recovery';
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
  /**
   * The VPC in this Region where a recovery runs (restore tasks, restored instances), by ids.
   * @default - none: the recovery roles, restore tasks and restore testing plan without a cluster or security groups
   */
  readonly network?: NetworkConfig;
  /**
   * Prefix of the alarm names, the recovery cluster's and the restore task families' names (the plan's name).
   * @default - 'cdk-database-dr' for alarms; generated cluster and family names
   */
  readonly namePrefix?: string;
}

/**
 * The DR-region half of the example app: the DR backup vault (destination of copy rules), the
 * replica backup bucket, and what a recovery needs here (DrRegionRecovery: restore tasks, roles,
 * network, restore tests of the DR vault's copies). Deploy it before the primary stack, which
 * reads its outputs through cross-region references.
 */
export class DrRegionStack extends Stack {
  /** Vault that receives cross-region copies of recovery points. */
  public readonly vault: BackupVault;
  /** Replica of the primary backup bucket. */
  public readonly replicaBucket: BackupBucket;
  /** The stack's one alarm topic: the DR vault's notifications and the restore-test alarms. */
  public readonly alarmTopic: AlarmTopic;
  /** What a recovery in this Region needs; add databases with `recovery.addRestoreRunner/addRestoreTest`. */
  public readonly recovery: DrRegionRecovery;
  /** ARN of the role a recovery runs with (restore jobs from the DR vault, restore tasks). */
  public readonly recoveryRoleArn: string;
  /** Name of the restore testing plan over the DR vault's copies. */
  public readonly restoreTestingPlanName: string;
  /**
   * Name of the ECS cluster of the restore tasks.
   * @default - none without `network`
   */
  public readonly recoveryClusterName?: string;

  constructor(scope: Construct, id: string, props: DrRegionStackProps) {
    super(scope, id, {
      env: { account: props.account, region: props.region },
      stackName: props.stackName,
      crossRegionReferences: true,
      description: 'cdk-database-dr: DR-region backup vault, replica backup bucket and recovery (restore tasks, roles, restore tests)',
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
    const vpc = importPlanVpc(this, props.network, 'restore tasks and restored instances');
    this.recovery = new DrRegionRecovery(this, 'Recovery', {
      vault: this.vault, replicaBucket: this.replicaBucket, alarmTopic: this.alarmTopic.topic, alarmNamePrefix: props.namePrefix, namePrefix: props.namePrefix, vpc,
    });
    this.recoveryRoleArn = this.recovery.recoveryRole.roleArn;
    this.restoreTestingPlanName = this.recovery.restoreTestingPlanName;
    this.recoveryClusterName = this.recovery.clusterName;
    new CfnOutput(this, 'DrVaultName', { value: this.vault.backupVaultName, description: 'DR vault: restore jobs of a recovery start from its copies' });
    new CfnOutput(this, 'ReplicaBucketName', { value: this.replicaBucket.bucket.bucketName, description: 'Replica of the runner backups (restore tasks read it)' });
  }
}
