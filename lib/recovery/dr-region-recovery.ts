/**
 * What a recovery needs in the DR Region, next to the DR vault and the replica bucket: runner
 * restore tasks that read the replica bucket, the roles that restore (never delete or unlock a
 * backup), the network of restore tasks and restored instances, and AWS Backup restore tests
 * of the DR vault's copies (twice a week by default), alarmed on the DR stack's topic.
 */
import {
  Annotations, Aws, CfnOutput, Duration, Names, RemovalPolicy, Stack,
  aws_backup as backup, aws_ec2 as ec2, aws_ecs as ecs, aws_events as events, aws_iam as iam, aws_kms as kms,
  aws_logs as logs, aws_rds as rds, aws_secretsmanager as secretsmanager, aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { throwIfProblems } from '../errors';
import { AlarmFactory } from '../monitoring/alarm-factory';
import { AlarmSeverity } from '../monitoring/alarms/alarm-kind';
import { VERIFICATION_MISSING } from '../monitoring/alarms/verification-missing';
import { BackupJobMetrics, BackupResourceType } from '../monitoring/backup-metrics';
import { DrAlarms, MAX_ALARM_WINDOW } from '../monitoring/dr-alarms';
import { DatabaseResourceKind, ProtectedDatabase } from '../protection/protected-database';
import { defaultImage } from '../runner/image';
import { ManagedPolicyRole } from '../runner/managed-policy-role';
import { RunnerEngine } from '../runner/runner-engine';
import { acknowledge, acknowledgeWildcardResource } from '../storage/acknowledgements';
import { IBackupBucket } from '../storage/backup-bucket-base';
import { IBackupVault } from '../storage/backup-vault';
import { SharedRestoreTestingSelections } from '../verification/restore-testing-selections';
import { RUNNER_ENV } from '../../runtime/contracts/runner-env';
import { DR_RESTORE_DENIED_ACTIONS, DR_RESTORE_ENV, DR_RESTORE_TEST_SCHEDULE, DR_RESTORE_PORTS, drRecoveryProblems, drRestoreRunnerProblems, drRestoreTestProblems } from './dr-region-validation';

const CONTAINER_NAME = 'runner';
const SPOOL_DIR = '/tmp/runner-spool';

/** A database whose runner backups (logical dumps, replicated to the DR Region) get a restore task there. */
export interface DrRestoreRunner {
  /** The logical database name the runner backs up (`--database`, a path segment of its backups). */
  /**
   * Where the database's task definition, target credentials and output go (e.g. a nested stack
   * of a fleet, so the DR stack does not grow with the databases).
   * @default - this construct
   */
  readonly scope?: Construct;
  readonly database: string;
  /** The runner engine of the backups: a logical engine that restores from a task (pg-dump, mysqldump, mongodump). */
  readonly engine: RunnerEngine;
  /**
   * Key prefix of the runner's backups (the replica keeps the primary bucket's keys).
   * @default 'runner'
   */
  readonly s3Prefix?: string;
  /**
   * Database to restore into on the target server (`--target-db`).
   * @default - the `database` name
   */
  readonly targetDatabaseName?: string;
  /**
   * Secret (fields `username`, `password`) of the user the restore task connects to the target
   * server with. Create the DR target with these credentials (the runbook does).
   * @default - a new secret in the DR Region with the user `dr_restore` and a generated password
   */
  readonly targetCredentials?: secretsmanager.ISecret;
  /**
   * Ephemeral storage of the restore task in GiB (21–200): it holds the spooled dump that
   * pg_restore -j reads.
   * @default - Fargate's 20 GiB
   */
  readonly ephemeralStorageGiB?: number;
  /**
   * The runner image of this task.
   * @default - the construct's `image`
   */
  readonly image?: ecs.ContainerImage;
}

/** An RDS instance or Aurora cluster whose copies in the DR vault are restore-tested in the DR Region. */
export interface DrRestoreTest {
  /** The database's name (the restore testing selection's name and the alarms' subject). */
  /**
   * Where the database's restore testing selection goes (e.g. a nested stack of a fleet).
   * @default - this construct
   */
  readonly scope?: Construct;
  readonly name: string;
  /** The protected source instance or cluster (its copies in the DR vault carry its ARN). */
  readonly database: ProtectedDatabase;
}

/** A restore task of one database in the DR Region. */
export interface DrRestoreTask {
  /** The logical database name. */
  readonly database: string;
  /** The runner engine. */
  readonly engine: RunnerEngine;
  /** The task definition: `restore` from the replica bucket into `--target-host` (give it at RunTask). */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The container to override at RunTask (`RUNNER_TARGET_HOST`, `RUNNER_TARGET_PORT`, `--backup-id`). */
  readonly containerName: string;
  /** The credentials the task connects to the restore target with. */
  readonly targetCredentials: secretsmanager.ISecret;
}

/** Properties of {@link DrRegionRecovery}. */
export interface DrRegionRecoveryProps {
  /** The DR vault: destination of the copy rules, source of the restore tests and of a recovery. */
  readonly vault: IBackupVault;
  /** The replica of the runner's backup bucket in the DR Region. */
  readonly replicaBucket: IBackupBucket;
  /** The DR stack's alarm topic (subscribed): restore tests that fail or stop succeeding notify it. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Prefix of the alarm names (the plan's name: letters, digits, - and _).
   * @default 'cdk-database-dr'
   */
  readonly alarmNamePrefix?: string;
  /**
   * Prefix of the names a runbook types: the cluster `<prefix>-dr-recovery` and the restore task
   * families `<prefix>-dr-restore-<database>` (letters, digits, - and _). Names are per Region.
   * @default - generated names (read them from the stack's outputs)
   */
  readonly namePrefix?: string;
  /**
   * The VPC in the DR Region of restore tasks and restored instances.
   * @default - none: no ECS cluster, security groups or DB subnet group; restore tests restore into the Region's default VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of restore tasks and restored instances.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Databases whose replicated runner backups get a restore task. More can be added with `addRestoreRunner`.
   * @default - none
   */
  readonly restoreRunners?: DrRestoreRunner[];
  /**
   * Databases whose DR vault copies are restore-tested. More can be added with `addRestoreTest`.
   * @default - none
   */
  readonly restoreTests?: DrRestoreTest[];
  /**
   * The runner image of the restore tasks.
   * @default - the bundled runner Dockerfile, built at deploy time
   */
  readonly image?: ecs.ContainerImage;
  /**
   * CPU architecture of the restore tasks (and of the bundled image).
   * @default ecs.CpuArchitecture.ARM64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * When restore tests of the DR copies start (a cron schedule, UTC). Its longest gap plus the start
   * window and 4 hours must fit in `maxTimeWithoutSuccess`, or the alarm would fire between two passing tests.
   * @default - Sundays and Wednesdays at 06:00 UTC
   */
  readonly schedule?: events.Schedule;
  /**
   * How long after the scheduled time a restore test may start (1–168 hours).
   * @default Duration.hours(8)
   * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html
   */
  readonly startWindow?: Duration;
  /**
   * How far back the newest copy may be (1–365 days).
   * @default Duration.days(7)
   */
  readonly selectionWindow?: Duration;
  /**
   * How long a restored copy is kept before AWS Backup deletes it (1–168 hours).
   * @default Duration.hours(2)
   */
  readonly validationWindow?: Duration;
  /**
   * Alarm when no restore from the DR vault completed for this long (whole days, 1–7: CloudWatch
   * evaluates alarms over at most 7 days).
   * @default Duration.days(7)
   */
  readonly maxTimeWithoutSuccess?: Duration;
  /**
   * Instance class of restore-tested RDS instances (kept small: they live for hours).
   * @default 'db.t4g.medium'
   */
  readonly restoredInstanceClass?: string;
  /**
   * Name of the restore testing plan (letters, digits, `_`; at most 50).
   * @default - derived from the construct path
   */
  readonly restoreTestingPlanName?: string;
  /**
   * Who assumes the recovery role (the runbook's automation, or your operators' principal).
   * @default - Systems Manager Automation (ssm.amazonaws.com) of this account
   */
  readonly recoveryPrincipal?: iam.IPrincipal;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The DR Region's ability to recover: a restore task per replicated runner backup, the roles a
 * restore needs (read the replica, decrypt with the DR keys, start restore jobs from the DR vault
 * with a restore role AWS Backup assumes — and an explicit deny of every delete and unlock), the
 * network from the plan, and a restore testing plan over the DR vault's copies with alarms.
 */
export class DrRegionRecovery extends Construct {
  /** The actions every identity of DR-region recovery is explicitly denied: deleting or unlocking backups, loosening their policies, disabling their keys. */
  public static readonly DENIED_ACTIONS: string[] = [...DR_RESTORE_DENIED_ACTIONS];

  /** Task role of the restore tasks: reads the replica bucket and decrypts with its key; never deletes. */
  public readonly restoreTaskRole: iam.IRole;
  /** Execution role of the restore tasks: pulls the image, writes the logs, reads the target credentials. */
  public readonly executionRole: iam.IRole;
  /** Role AWS Backup assumes to restore from the DR vault (restore tests and a recovery's restore jobs). */
  public readonly restoreServiceRole: iam.IRole;
  /**
   * Role of a database host in the DR Region that restores physical backups (pgBackRest,
   * mariabackup) from the replica bucket with the runner CLI: read and decrypt only, deletes denied.
   */
  public readonly databaseHostRole: iam.IRole;
  /** Instance profile of `databaseHostRole`, for the EC2 instance a physical recovery starts. */
  public readonly databaseHostInstanceProfile: iam.IInstanceProfile;
  /**
   * Role of a recovery: starts restore jobs from the DR vault (passing `restoreServiceRole`) and the
   * restore tasks, reads the replica bucket. Never deletes or unlocks backups.
   */
  public readonly recoveryRole: iam.IRole;
  /** Restore testing plan over the DR vault's copies. */
  public readonly restoreTestingPlan: backup.CfnRestoreTestingPlan;
  public readonly restoreTestingPlanName: string;
  public readonly restoreTestingPlanArn: string;
  /**
   * The restore testing selections over the DR vault's copies: one per resource type and scope for the
   * databases named by ARN (a second one past 30 ARNs), one per database selected by tags.
   */
  public readonly restoreTestingSelections: backup.CfnRestoreTestingSelection[] = [];
  /** One restore task per database with replicated runner backups. */
  public readonly restoreTasks: DrRestoreTask[] = [];
  /**
   * The ECS cluster of the restore tasks.
   * @default - none without a VPC
   */
  public readonly cluster?: ecs.ICluster;
  /**
   * Security group of the restore tasks: outbound only (S3, AWS APIs, the restore target).
   * @default - none without a VPC
   */
  public readonly restoreTaskSecurityGroup?: ec2.SecurityGroup;
  /**
   * Security group of restored instances: admits the restore tasks on the engines' ports.
   * @default - none without a VPC
   */
  public readonly restoredInstanceSecurityGroup?: ec2.SecurityGroup;
  /**
   * DB subnet group of restored instances.
   * @default - none without a VPC
   */
  public readonly restoreSubnetGroup?: rds.SubnetGroup;
  /** The subnets restore tasks run in (for RunTask's network configuration). */
  public readonly subnetIds: string[];
  /** What could not be set up (no VPC, ...), one sentence each; also CDK warnings on this construct. */
  public readonly unavailable: string[] = [];
  /** The alarms on the DR vault's restores. */
  public readonly alarms: AlarmFactory;
  /** The encrypted log group of the restore tasks. */
  public readonly logGroup: logs.ILogGroup;
  /** The key of the restore tasks' logs and the generated target credentials. */
  public readonly encryptionKey: kms.IKey;

  private readonly props: DrRegionRecoveryProps;
  private readonly drAlarms: DrAlarms;
  private readonly usedSelectionNames = new Set<string>();
  private readonly sharedSelections = new SharedRestoreTestingSelections();
  private readonly selectionByTest = new Map<string, backup.CfnRestoreTestingSelection>();
  private readonly scopeLabels = new Map<Construct, string>();
  private readonly vpcSubnets: ec2.SubnetSelection;
  private readonly recovery: ManagedPolicyRole;
  private runTaskStatement?: iam.PolicyStatement;
  private executionPolicyAcknowledged = false;

  constructor(scope: Construct, id: string, props: DrRegionRecoveryProps) {
    super(scope, id);
    throwIfProblems(`DrRegionRecovery ${this.node.path}`, drRecoveryProblems(props));
    this.props = props;
    const stack = Stack.of(this);
    this.vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `DR-region recovery ${this.node.path}: restore task logs and restore target credentials`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.encryptionKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`));
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: this.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // --- network (from the plan's dr_network)
    if (props.vpc) {
      this.cluster = new ecs.Cluster(this, 'Cluster', {
        vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED,
        clusterName: props.namePrefix !== undefined ? `${props.namePrefix}-dr-recovery` : undefined,
      });
      this.restoreTaskSecurityGroup = new ec2.SecurityGroup(this, 'RestoreTaskSecurityGroup', {
        vpc: props.vpc, allowAllOutbound: true, description: 'DR restore tasks: outbound to S3, AWS APIs and the restore target; no inbound',
      });
      this.restoredInstanceSecurityGroup = new ec2.SecurityGroup(this, 'RestoredInstanceSecurityGroup', {
        vpc: props.vpc, allowAllOutbound: false, description: 'Instances restored in the DR Region: reachable from the DR restore tasks only',
      });
      this.restoreSubnetGroup = new rds.SubnetGroup(this, 'RestoreSubnetGroup', {
        vpc: props.vpc, vpcSubnets: this.vpcSubnets, description: `Subnets of instances restored in the DR Region by ${this.node.path}`,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      this.subnetIds = props.vpc.selectSubnets(this.vpcSubnets).subnetIds;
    } else {
      this.subnetIds = [];
      this.reportUnavailable('no-network', 'no VPC in the DR Region (the plan has no dr_network): no ECS cluster, security groups or DB subnet group for a recovery there; '
        + 'restore tests restore the DR vault\'s copies into the Region\'s default VPC (it must exist), and restore tasks need subnets and a security group given at RunTask');
    }

    // --- identities
    const tasks = new iam.ServicePrincipal('ecs-tasks.amazonaws.com');
    const taskRole = new ManagedPolicyRole(this, 'RestoreTaskRole', { assumedBy: tasks, description: 'DR restore tasks: read the replica bucket and decrypt it; never delete or unlock' });
    props.replicaBucket.grantReadBackups(taskRole);
    this.restoreTaskRole = taskRole;
    this.executionRole = new ManagedPolicyRole(this, 'ExecutionRole', { assumedBy: tasks, description: 'DR restore tasks: pull the runner image, write logs, read the target credentials' });

    const hostRole = new ManagedPolicyRole(this, 'DatabaseHostRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'DR database host: restores physical backups from the replica bucket with the runner CLI; never deletes or unlocks',
    });
    props.replicaBucket.grantReadBackups(hostRole);
    this.databaseHostRole = hostRole;
    this.databaseHostInstanceProfile = new iam.InstanceProfile(this, 'DatabaseHostInstanceProfile', { role: hostRole });

    const serviceRole = new ManagedPolicyRole(this, 'RestoreServiceRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
      description: 'AWS Backup restores recovery points of the DR vault (restore tests and recovery)',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForRestores')],
    });
    // The DR vault's copies are encrypted with its key: restoring them decrypts and grants the restored resource's service use of it.
    serviceRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DrVaultKey', actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: [props.vault.encryptionKey.keyArn],
    }));
    serviceRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DrVaultKeyGrants', actions: ['kms:CreateGrant'], resources: [props.vault.encryptionKey.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }));
    acknowledge(serviceRole, [[
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]',
      'The AWS managed AWS Backup restore policy follows every permission AWS Backup needs to restore RDS and Aurora copies; a hand-copied policy would fall behind',
    ]]);
    this.restoreServiceRole = serviceRole;

    const recovery = new ManagedPolicyRole(this, 'RecoveryRole', {
      assumedBy: props.recoveryPrincipal ?? new iam.ServicePrincipal('ssm.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
      description: 'DR recovery: restore jobs from the DR vault, restore tasks from the replica bucket; never deletes or unlocks backups',
    });
    this.recoveryRole = recovery;
    this.recovery = recovery;
    props.replicaBucket.grantReadBackups(recovery);
    this.grantRecovery(props);

    // No identity here may delete or unlock a backup, whatever else it is granted (the AWS managed restore policy included).
    for (const role of [taskRole, hostRole, serviceRole, recovery]) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'NeverDeleteOrUnlockBackups', effect: iam.Effect.DENY, actions: [...DR_RESTORE_DENIED_ACTIONS], resources: ['*'],
      }));
    }
    for (const role of [taskRole, hostRole, recovery]) {
      acknowledgeWildcardResource(role.managedPolicy!, props.replicaBucket.bucket.arnForObjects('*'),
        'Backup objects in the replica bucket are named by the runner at backup time (one key per object and manifest); the actions on them are read only, and deletes are denied');
    }

    // --- restore testing plan over the DR vault's copies
    this.restoreTestingPlanName = props.restoreTestingPlanName
      ?? Names.uniqueResourceName(this, { maxLength: 50, separator: '_', allowedSpecialCharacters: '_' }).replace(/[^A-Za-z0-9_]/g, '_');
    const schedule = props.schedule ?? DR_RESTORE_TEST_SCHEDULE;
    this.restoreTestingPlan = new backup.CfnRestoreTestingPlan(this, 'RestoreTestingPlan', {
      restoreTestingPlanName: this.restoreTestingPlanName,
      scheduleExpression: schedule.expressionString,
      startWindowHours: (props.startWindow ?? Duration.hours(8)).toHours(),
      recoveryPointSelection: {
        algorithm: 'LATEST_WITHIN_WINDOW',
        includeVaults: [props.vault.backupVaultArn],
        // A cross-Region copy is a snapshot recovery point, continuous backups included.
        recoveryPointTypes: ['SNAPSHOT'],
        selectionWindowDays: (props.selectionWindow ?? Duration.days(7)).toDays(),
      },
    });
    this.restoreTestingPlanArn = this.restoreTestingPlan.attrRestoreTestingPlanArn;

    this.alarms = new AlarmFactory(this, { alarmNamePrefix: props.alarmNamePrefix ?? 'cdk-database-dr', topic: props.alarmTopic });
    this.drAlarms = new DrAlarms(this.alarms, () => {
      throw new Error('unreachable: maxTimeWithoutSuccess is validated to at most 7 days');
    });

    // --- what a runbook reads
    const out = (name: string, value: string, description: string) => new CfnOutput(this, name, { value, description });
    out('RecoveryRoleArn', recovery.roleArn, 'Role of a DR recovery: restore jobs from the DR vault, restore tasks');
    out('RestoreServiceRoleArn', serviceRole.roleArn, 'IamRoleArn of StartRestoreJob from the DR vault');
    out('DatabaseHostInstanceProfileName', this.databaseHostInstanceProfile.instanceProfileName,
      'Instance profile of a DR database host restoring physical backups from the replica bucket');
    out('RestoreTestingPlanName', this.restoreTestingPlanName, 'Restore testing plan over the DR vault\'s copies');
    if (this.cluster) out('ClusterName', this.cluster.clusterName, 'ECS cluster of the DR restore tasks');
    if (this.restoreTaskSecurityGroup) out('RestoreTaskSecurityGroupId', this.restoreTaskSecurityGroup.securityGroupId, 'Security group of the DR restore tasks');
    if (this.restoredInstanceSecurityGroup) out('RestoredInstanceSecurityGroupId', this.restoredInstanceSecurityGroup.securityGroupId, 'Security group of instances restored in the DR Region');
    if (this.restoreSubnetGroup) out('RestoreSubnetGroupName', this.restoreSubnetGroup.subnetGroupName, 'DB subnet group of instances restored in the DR Region');
    if (this.subnetIds.length) out('SubnetIds', this.subnetIds.join(','), 'Subnets of the DR restore tasks');

    for (const r of props.restoreRunners ?? []) this.addRestoreRunner(r);
    for (const t of props.restoreTests ?? []) this.addRestoreTest(t);
  }

  /**
   * The ECS cluster's name, for RunTask: the plain `<namePrefix>-dr-recovery` when a prefix is given, which a runbook can print.
   * @default - none without a VPC
   */
  public get clusterName(): string | undefined {
    if (!this.cluster) return undefined;
    return this.props.namePrefix !== undefined ? `${this.props.namePrefix}-dr-recovery` : this.cluster.clusterName;
  }

  /** The restore task of a database, or undefined. */
  public restoreTaskOf(database: string): DrRestoreTask | undefined {
    return this.restoreTasks.find((t) => t.database === database);
  }

  /** Adds a restore task that restores a database's replicated runner backups into a target server. */
  public addRestoreRunner(r: DrRestoreRunner): DrRestoreTask {
    const path = `DrRegionRecovery ${this.node.path}`;
    throwIfProblems(path, drRestoreRunnerProblems(r, this.restoreTasks.map((t) => t.database)));
    const id = r.database.replace(/[^A-Za-z0-9]/g, '-');
    const scope = r.scope ?? this;
    const targetCredentials = r.targetCredentials ?? this.generatedCredentials(scope, id, r.database);
    const arch = this.props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64;
    const taskDefinition = new ecs.FargateTaskDefinition(scope, `${id}-RestoreTask`, {
      family: this.props.namePrefix !== undefined ? `${this.props.namePrefix}-dr-restore-${id}`.slice(0, 255) : undefined,
      cpu: 1024,
      memoryLimitMiB: 2048,
      ...(r.ephemeralStorageGiB !== undefined ? { ephemeralStorageGiB: r.ephemeralStorageGiB } : {}),
      runtimePlatform: { cpuArchitecture: arch, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      taskRole: this.restoreTaskRole,
      executionRole: this.executionRole,
    });
    taskDefinition.addContainer(CONTAINER_NAME, {
      image: r.image ?? this.props.image ?? defaultImage(arch),
      command: ['restore'],
      environment: {
        [RUNNER_ENV.engine]: r.engine,
        [RUNNER_ENV.database]: r.database,
        [RUNNER_ENV.s3Bucket]: this.props.replicaBucket.bucket.bucketName,
        [RUNNER_ENV.s3Prefix]: r.s3Prefix ?? 'runner',
        [RUNNER_ENV.region]: Stack.of(this).region,
        [RUNNER_ENV.spoolDir]: SPOOL_DIR,
        [DR_RESTORE_ENV.targetDb]: r.targetDatabaseName ?? r.database,
      },
      secrets: {
        [DR_RESTORE_ENV.targetUser]: ecs.Secret.fromSecretsManager(targetCredentials, 'username'),
        [DR_RESTORE_ENV.targetPassword]: ecs.Secret.fromSecretsManager(targetCredentials, 'password'),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: `${r.database}-dr-restore` }),
      essential: true,
      stopTimeout: Duration.seconds(60),
    });
    acknowledge(taskDefinition, [['AwsSolutions-ECS2',
      'The environment holds only non-secret runner settings (engine, database name, replica bucket, prefix, target database name); the restore target\'s credentials come from Secrets Manager as ECS secrets']]);
    this.acknowledgeExecutionPolicy();

    if (this.restoredInstanceSecurityGroup && this.restoreTaskSecurityGroup) {
      const port = DR_RESTORE_PORTS[r.engine];
      if (port !== undefined) {
        this.restoredInstanceSecurityGroup.addIngressRule(this.restoreTaskSecurityGroup, ec2.Port.tcp(port), `DR restore tasks (${r.engine})`);
      }
    }
    // The recovery role starts this task (in the cluster, when there is one) and passes its roles.
    this.grantRunTask(taskDefinition.taskDefinitionArn);
    // One output per database (the target credentials are named in its task definition's secrets).
    new CfnOutput(scope, `${id}-RestoreTaskDefinitionArn`, { value: taskDefinition.taskDefinitionArn, description: `DR restore task of ${r.database} (${r.engine})` });
    const task: DrRestoreTask = { database: r.database, engine: r.engine, taskDefinition, containerName: CONTAINER_NAME, targetCredentials };
    this.restoreTasks.push(task);
    return task;
  }

  /**
   * Adds a restore test of one database's copies in the DR vault, and its alarms. Databases named by
   * ARN share a restore testing selection per resource type and scope (up to 30 ARNs, AWS Backup's
   * limit, then a second one); a database selected by tags gets its own. Returns the database's selection.
   */
  public addRestoreTest(t: DrRestoreTest): backup.CfnRestoreTestingSelection {
    throwIfProblems(`DrRegionRecovery ${this.node.path}`, drRestoreTestProblems(t, [...this.selectionByTest.keys()]));
    const scope = t.scope ?? this;
    const kind = t.database.kind;
    let selection: backup.CfnRestoreTestingSelection;
    if (t.database.selectionTags) {
      // Every protected resource of the type carrying all the database's tags, in a selection of its own.
      selection = this.newSelection(scope, `RestoreTest-${t.name.replace(/[^A-Za-z0-9]/g, '-')}`, kind, `dr_${t.name.replace(/[^A-Za-z0-9_]/g, '_')}`, {
        protectedResourceArns: ['*'],
        protectedResourceConditions: { stringEquals: t.database.selectionTags.map((tag) => ({ key: `aws:ResourceTag/${tag.key}`, value: tag.value })) },
      });
    } else {
      // Ids and names depend on the scope, the type and the group number only: a database added later never replaces a selection.
      selection = this.sharedSelections.add(scope, kind, t.database.arn, (n) => {
        const label = scope === this ? '' : `${this.scopeLabel(scope)}_`;
        return this.newSelection(scope, `RestoreTests.${kind}.${n}`, kind, `dr_${label}${kind}_${n}`.slice(-50), { protectedResourceArns: [] });
      });
    }
    this.selectionByTest.set(t.name, selection);
    this.alarmRestoreTests(t);
    return selection;
  }

  /** The restore testing selection over a restore-tested database's DR copies (shared with the databases of its type and scope when it is named by ARN), or undefined. */
  public restoreTestingSelectionOf(name: string): backup.CfnRestoreTestingSelection | undefined {
    return this.selectionByTest.get(name);
  }

  private newSelection(
    scope: Construct, id: string, kind: DatabaseResourceKind, wantedName: string,
    select: Pick<backup.CfnRestoreTestingSelectionProps, 'protectedResourceArns' | 'protectedResourceConditions'>,
  ): backup.CfnRestoreTestingSelection {
    const network: Record<string, string> = this.restoreSubnetGroup && this.restoredInstanceSecurityGroup
      ? {
        dbSubnetGroupName: this.restoreSubnetGroup.subnetGroupName,
        vpcSecurityGroupIds: Stack.of(this).toJsonString([this.restoredInstanceSecurityGroup.securityGroupId]),
      }
      : {};
    // Keys AWS Backup lets a restore testing selection override for RDS instances and for clusters.
    const overrides: Record<string, string> = kind === DatabaseResourceKind.RDS_INSTANCE
      ? { dbInstanceClass: this.props.restoredInstanceClass ?? 'db.t4g.medium', publiclyAccessible: 'false', ...network }
      : network;
    let selectionName = wantedName.slice(0, 50);
    for (let i = 2; this.usedSelectionNames.has(selectionName); i++) selectionName = `${wantedName.slice(0, 46)}_${i}`;
    this.usedSelectionNames.add(selectionName);
    const selection = new backup.CfnRestoreTestingSelection(scope, id, {
      restoreTestingPlanName: this.restoreTestingPlanName,
      restoreTestingSelectionName: selectionName,
      protectedResourceType: kind,
      ...select,
      iamRoleArn: this.restoreServiceRole.roleArn,
      restoreMetadataOverrides: Object.keys(overrides).length ? overrides : undefined,
      validationWindowHours: (this.props.validationWindow ?? Duration.hours(2)).toHours(),
    });
    selection.addResourceDependency(this.restoreTestingPlan);
    this.restoreTestingSelections.push(selection);
    return selection;
  }

  /**
   * A short, stable label of a scope for the names of its shared selections (the names are unique per
   * restore testing plan): its id, or its path-derived unique name when another scope has that id.
   */
  private scopeLabel(scope: Construct): string {
    const known = this.scopeLabels.get(scope);
    if (known) return known;
    let label = scope.node.id.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 30);
    if ([...this.scopeLabels.values()].includes(label)) {
      label = Names.uniqueResourceName(scope, { maxLength: 30, separator: '_', allowedSpecialCharacters: '_' }).replace(/[^A-Za-z0-9_]/g, '_');
    }
    this.scopeLabels.set(scope, label);
    return label;
  }

  private alarmRestoreTests(t: DrRestoreTest): void {
    const vaultName = this.props.vault.backupVaultName;
    const resourceType = t.database.kind === DatabaseResourceKind.RDS_INSTANCE ? BackupResourceType.RDS : BackupResourceType.AURORA;
    this.drAlarms.restoreJobFailed({ vaultName, vaultLabel: 'DrVault', resourceType, databases: [t.name] });
    // "No restore completed in the window": every hourly period empty (missing data breaches).
    const window = this.props.maxTimeWithoutSuccess ?? Duration.days(7);
    const periods = Math.ceil(window.toHours({ integral: false }));
    this.alarms.createAlarm({
      kind: VERIFICATION_MISSING, subject: `DrVault-${resourceType.value}`, severity: AlarmSeverity.WARNING, databases: [t.name],
      meaning: `no restore of a ${resourceType.value} copy in the DR vault completed within ${window.toHumanString()}: nothing proves the cross-Region copies restore with the DR key`,
      metric: BackupJobMetrics.restoreJobsCompleted(vaultName, { resourceType, period: Duration.hours(1) }),
      threshold: 1, thresholdUnit: 'jobs', evaluationPeriods: Math.min(periods, MAX_ALARM_WINDOW.toHours()),
    });
  }

  private grantRecovery(props: DrRegionRecoveryProps): void {
    const p = Aws.PARTITION;
    const here = `${Aws.REGION}:${Aws.ACCOUNT_ID}`;
    // StartRestoreJob authorizes on the recovery point: AWS Backup ARNs, and RDS/Aurora copies named awsbackup:* by AWS Backup.
    const recoveryPoints = [
      `arn:${p}:backup:${here}:recovery-point:*`,
      `arn:${p}:rds:${here}:snapshot:awsbackup:*`,
      `arn:${p}:rds:${here}:cluster-snapshot:awsbackup:*`,
    ];
    const restoreJobs = `arn:${p}:backup:${here}:restore-job:*`;
    const rdsHere = `arn:${p}:rds:${here}:*`;
    const add = (statement: iam.PolicyStatement) => this.recovery.addToPrincipalPolicy(statement);
    add(new iam.PolicyStatement({ sid: 'StartRestoreFromDrVault', actions: ['backup:StartRestoreJob'], resources: recoveryPoints }));
    add(new iam.PolicyStatement({
      sid: 'ReadDrVault',
      actions: ['backup:ListRecoveryPointsByBackupVault', 'backup:DescribeRecoveryPoint', 'backup:GetRecoveryPointRestoreMetadata', 'backup:DescribeBackupVault'],
      resources: [props.vault.backupVaultArn],
    }));
    add(new iam.PolicyStatement({ sid: 'WatchRestoreJobs', actions: ['backup:DescribeRestoreJob'], resources: [restoreJobs] }));
    add(new iam.PolicyStatement({
      sid: 'PassRestoreServiceRole', actions: ['iam:PassRole'], resources: [this.restoreServiceRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
    }));
    add(new iam.PolicyStatement({
      sid: 'DescribeRestoredDatabases',
      actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'],
      resources: [rdsHere],
    }));
    const policy = this.recovery.managedPolicy!;
    for (const arn of [...recoveryPoints, restoreJobs]) {
      acknowledgeWildcardResource(policy, arn,
        'AWS Backup names recovery points, their RDS/Aurora copies (awsbackup:*) and restore jobs when it creates them; the wildcard stops at this account and the DR Region, and deletes are denied');
    }
    acknowledgeWildcardResource(policy, rdsHere,
      'RDS Describe actions on instances, clusters and snapshots restored in the DR Region, whose names AWS Backup generates; read only, this account and Region');
  }

  /** Lets the recovery role start a restore task (in the cluster, when there is one), pass its roles and watch it. */
  private grantRunTask(taskDefinitionArn: string): void {
    if (this.runTaskStatement) {
      this.runTaskStatement.addResources(taskDefinitionArn);
      return;
    }
    this.runTaskStatement = new iam.PolicyStatement({
      sid: 'RunRestoreTasks',
      actions: ['ecs:RunTask'],
      resources: [taskDefinitionArn],
      conditions: this.cluster ? { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } } : undefined,
    });
    this.recovery.addToPrincipalPolicy(this.runTaskStatement);
    this.recovery.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PassRestoreTaskRoles', actions: ['iam:PassRole'], resources: [this.restoreTaskRole.roleArn, this.executionRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }));
    const here = `${Aws.REGION}:${Aws.ACCOUNT_ID}`;
    const tasks = this.cluster ? `arn:${Aws.PARTITION}:ecs:${here}:task/${this.cluster.clusterName}/*` : `arn:${Aws.PARTITION}:ecs:${here}:task/*`;
    this.recovery.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WatchRestoreTasks', actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resources: [tasks] }));
    acknowledgeWildcardResource(this.recovery.managedPolicy!, tasks,
      'ECS names each restore task when it starts; the wildcard stops at the tasks of the DR recovery cluster, and the actions only watch or stop them (no delete of backups)');
  }

  private generatedCredentials(scope: Construct, id: string, database: string): secretsmanager.ISecret {
    const secret = new secretsmanager.Secret(scope, `${id}-RestoreTargetCredentials`, {
      description: `Credentials of the restore target of ${database} in the DR Region (create the target with them; the DR restore task connects with them)`,
      encryptionKey: this.encryptionKey,
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'dr_restore' }), generateStringKey: 'password', passwordLength: 32, excludePunctuation: true },
    });
    secret.grantRead(this.recoveryRole);
    const noRotation = 'The restore target these credentials open does not exist until a recovery creates it from the replica; rotation needs a live database, and the runbook rotates them after the recovery';
    acknowledge(secret, [
      ['AwsSolutions-SMG4', noRotation],
      ['HIPAA.Security-SecretsManagerRotationEnabled', noRotation],
      ['NIST.800.53.R5-SecretsManagerRotationEnabled', noRotation],
      ['PCI.DSS.321-SecretsManagerRotationEnabled', noRotation],
    ]);
    return secret;
  }

  /** The execution role's `*` (ecr:GetAuthorizationToken) once an image from ECR is pulled; checked after all tasks are added. */
  private acknowledgeExecutionPolicy(): void {
    if (this.executionPolicyAcknowledged) return;
    this.executionPolicyAcknowledged = true;
    const role = this.executionRole as ManagedPolicyRole;
    this.node.addValidation({
      validate: () => {
        const policy = role.managedPolicy;
        if (policy && JSON.stringify(Stack.of(this).resolve(policy.document.toJSON())).includes('"Resource":"*"')) {
          acknowledge(policy, [['AwsSolutions-IAM5[Resource::*]',
            'ecr:GetAuthorizationToken, which the execution role needs to pull the runner image, has no resource-level permissions; every other statement names its repository, log group or secret']]);
        }
        return [];
      },
    });
  }

  /** Records something a recovery in the DR Region cannot do (in `unavailable`, and as a CDK warning). */
  public reportUnavailable(id: string, message: string): void {
    this.unavailable.push(message);
    Annotations.of(this).addWarningV2(`cdk-database-dr:dr-recovery-${id.replace(/[^A-Za-z0-9-]/g, '-')}`, message);
  }
}
