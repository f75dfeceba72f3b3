/**
 * The pieces every BackupRunner of a stack can share: the ECS cluster, the key of the runner logs
 * and of the dead-letter queue, the log group, the dead-letter queue, the tasks' security group,
 * the execution role and (given a task-role path) the role EventBridge Scheduler starts the tasks
 * with. Per database only what must differ stays with its runner (task definitions, schedules,
 * its own backup and expire roles limited to its own folders).
 */
import { Duration, RemovalPolicy, Stack, aws_ec2 as ec2, aws_ecs as ecs, aws_iam as iam, aws_kms as kms, aws_logs as logs, aws_sqs as sqs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { throwIfProblems } from '../errors';
import { DatabasePolicyPool } from './database-policy-pool';
import { ManagedPolicyRole } from './managed-policy-role';
import { acknowledgeDeadLetterQueue, acknowledgeExecutionRole, acknowledgeSharedSchedulerRole } from './runner-acknowledgements';

/** The characters IAM allows in a path, which starts and ends with "/" (at most 512). */
const IAM_PATH = /^\/(?:[\u0021-\u007E]*\/)?$/;

/** Properties of {@link RunnerInfrastructure}. */
export interface RunnerInfrastructureProps {
  /** VPC the runner tasks run in. */
  readonly vpc: ec2.IVpc;
  /**
   * Key of the runner logs and the dead-letter queue.
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long runner logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * ECS cluster of the runner tasks.
   * @default - a new cluster with Container Insights
   */
  readonly cluster?: ecs.ICluster;
  /**
   * Log group of the runner tasks, e.g. the one of another stack's RunnerInfrastructure.
   * @default - a new log group encrypted with `encryptionKey`
   */
  readonly logGroup?: logs.ILogGroup;
  /**
   * Dead-letter queue of the schedules, e.g. the one of another stack's RunnerInfrastructure.
   * @default - a new queue encrypted with `encryptionKey`, SSL only
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Security group of the runner tasks.
   * @default - a new group without inbound rules
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /**
   * IAM path of the runner task roles (backup, expire, drill) of this infrastructure: with it, one
   * scheduler role (`schedulerRole`) starts every runner task of the infrastructure, and may pass
   * to ECS only the roles under this path (give it to RunnerRoles and RunnerDrill as their path)
   * and the shared execution role. Without it, each runner's schedules get their own role.
   * @default - no shared scheduler role
   */
  readonly taskRolePath?: string;
}

/**
 * Shared runner infrastructure: give its `cluster`, `encryptionKey`, `logGroup`,
 * `deadLetterQueue` and `securityGroups` to each BackupRunner (and `cluster` to drills) so that a
 * stack of many databases holds one of each instead of one per runner.
 */
export class RunnerInfrastructure extends Construct {
  /** The cluster of every runner task. */
  public readonly cluster: ecs.ICluster;
  /** The key of the runner logs and of the dead-letter queue. */
  public readonly encryptionKey: kms.IKey;
  /** The log group of every runner task (one stream prefix per database and command). */
  public readonly logGroup: logs.ILogGroup;
  /** The dead-letter queue of every runner schedule. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The security group of the runner tasks: outbound only. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The execution role of every runner task: pulls the image, writes the logs, reads each
   * runner's secrets at task start (the task itself never has this role).
   */
  public readonly executionRole: iam.IRole;
  /**
   * The role EventBridge Scheduler starts every runner task of this infrastructure with (only
   * with `taskRolePath`). Give it to the runners and drills as their `schedulerRole`: it holds its
   * permissions already, so they add none.
   * @default - none: each runner has its own scheduler role
   */
  public readonly schedulerRole?: iam.IRole;
  /**
   * The policy of `schedulerRole`: schedules that use the role should depend on it.
   * @default - none (no shared scheduler role)
   */
  public readonly schedulerPolicy?: iam.ManagedPolicy;
  /**
   * The IAM path of the runner task roles the shared scheduler role may pass.
   * @default - none (no shared scheduler role)
   */
  public readonly taskRolePath?: string;
  /**
   * The managed policies the per-database roles of this infrastructure's runners and drills share
   * (give it to RunnerRoles and RunnerDrill as `policyPool`); it creates nothing unless given roles.
   */
  public readonly databasePolicies: DatabasePolicyPool;

  constructor(scope: Construct, id: string, props: RunnerInfrastructureProps) {
    super(scope, id);
    if (props.taskRolePath !== undefined) {
      const path = props.taskRolePath;
      throwIfProblems(`RunnerInfrastructure ${this.node.path}`, IAM_PATH.test(path) && path.length <= 512 ? [] : [
        `taskRolePath: an IAM path that starts and ends with "/" (at most 512 printable ASCII characters), got "${path}"`,
      ]);
    }
    const stack = Stack.of(this);
    const region = stack.region;
    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: 'Backup runners: runner logs and the schedules\' dead-letter queue',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (props.logGroup) {
      this.logGroup = props.logGroup;
    } else {
      // CloudWatch Logs encrypts with the key only when its service principal may use it.
      this.encryptionKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${region}.amazonaws.com`));
      this.logGroup = new logs.LogGroup(this, 'Logs', {
        encryptionKey: this.encryptionKey,
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    this.cluster = props.cluster ?? new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    if (props.deadLetterQueue) {
      this.deadLetterQueue = props.deadLetterQueue;
    } else {
      this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.encryptionKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledgeDeadLetterQueue(this.deadLetterQueue);
    }
    this.securityGroup = props.securityGroup ?? new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Backup runners: outbound to the databases, S3 and AWS APIs; no inbound',
      allowAllOutbound: true,
    });
    const executionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Backup runners: pulls the runner image, writes the runner logs, reads each runner\'s secrets at task start',
    });
    this.logGroup.grantWrite(executionRole);
    acknowledgeExecutionRole(executionRole);
    this.executionRole = executionRole;
    this.databasePolicies = new DatabasePolicyPool(this, 'DatabasePolicies');

    if (props.taskRolePath !== undefined) {
      // One identity for every schedule of these runners instead of one per database: it may start
      // task definitions on this cluster only, and pass only the task roles under the path (and the
      // execution role), so what it can run is exactly these runners' jobs.
      this.taskRolePath = props.taskRolePath;
      const role = new iam.Role(this, 'SchedulerRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
        description: `Backup runners: EventBridge Scheduler starts the runner tasks whose roles are under ${props.taskRolePath}`,
      });
      const taskRoles = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${props.taskRolePath.slice(1)}*` });
      const taskDefinitions = stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: '*' });
      const policy = new iam.ManagedPolicy(this, 'SchedulerPolicy', {
        roles: [role],
        description: `Backup runners: start the runner tasks on their cluster with the task roles under ${props.taskRolePath}`,
        statements: [
          new iam.PolicyStatement({
            sid: 'RunRunnerTasks',
            actions: ['ecs:RunTask'],
            resources: [taskDefinitions],
            conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
          }),
          new iam.PolicyStatement({
            sid: 'PassRunnerRoles',
            actions: ['iam:PassRole'],
            resources: [taskRoles, executionRole.roleArn],
            conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          }),
          new iam.PolicyStatement({ sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
          new iam.PolicyStatement({ sid: 'DeadLetterKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.encryptionKey.keyArn] }),
        ],
      });
      acknowledgeSharedSchedulerRole(policy, taskDefinitions, taskRoles);
      this.schedulerPolicy = policy;
      this.schedulerRole = role.withoutPolicyUpdates();
    }
  }
}
