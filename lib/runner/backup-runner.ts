/**
 * The BackupRunner construct: the runner CLI (runner/) as scheduled Fargate tasks.
 */
import {
  Duration, RemovalPolicy, Stack,
  aws_ec2 as ec2, aws_ecs as ecs, aws_iam as iam, aws_kms as kms, aws_secretsmanager as secretsmanager,
  aws_logs as logs, aws_scheduler as scheduler, aws_scheduler_targets as targets, aws_sqs as sqs, aws_ssm as ssm,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { throwIfProblems } from '../errors';
import { guardStackLimits } from '../stack-limits';
import { IBackupBucket } from '../storage/backup-bucket';
import { PGBACKREST_RUNNER_ENV, PgBackRestSettings, repositoryPrefixes } from '../../runtime/pgbackrest/config';
import { RUNNER_ENV } from '../../runtime/contracts/runner-env';
import { BackupRunnerBase, IBackupRunner } from './backup-runner-base';
import { defaultImage } from './image';
import { logicalRunner } from './logical-preset';
import { ManagedPolicyRole } from './managed-policy-role';
import {
  completePgBackRestSettings, grantHostPassphrase, grantPgBackRestExpire, pgBackRestRunnerProps, publishDatabaseHostSide,
} from './pgbackrest-host';
import { DatabaseConnectionProps, PgBackRestRunnerProps } from './preset-props';
import { DatabaseRole } from './database-role';
import { acknowledgeRunnerFindings } from './runner-acknowledgements';
import {
  RunnerCommand, RunnerEngine, RunnerSchedule, backupIntervalOf, defaultRunnerSchedules, scheduleProblems, scheduledCommandsOf,
} from './runner-engine';
import { BackupRunnerAttributes, BackupRunnerProps } from './runner-props';
import { identityProblems, runnerProblems } from './runner-validation';

// The types this module exported before it was split, for existing imports of './backup-runner'.
export { RunnerCommand, RunnerEngine } from './runner-engine';
export type { RunnerSchedule } from './runner-engine';
export type { IBackupRunner } from './backup-runner-base';
export type { BackupRunnerAttributes, BackupRunnerBaseProps, BackupRunnerProps, RunnerSecret } from './runner-props';
export type { DatabaseConnectionProps, PgBackRestRunnerProps } from './preset-props';

const CONTAINER_NAME = 'runner';
const SPOOL_DIR = '/tmp/runner-spool';

/**
 * Runs the backup runner (runner/) as Fargate tasks on a schedule: one task definition per job,
 * an encrypted log group, a backup identity that can write and read the BackupBucket but never
 * delete, a separate expire identity that can only add delete markers, secrets from Secrets
 * Manager, an ECS cluster with Container Insights, and EventBridge Scheduler schedules with
 * retries and an encrypted dead-letter queue. For pgBackRest it also publishes the database
 * host's side (pgbackrest.conf, archive_command) and its write-only policy, rendered from the
 * same settings the runner receives.
 */
export class BackupRunner extends BackupRunnerBase {
  /**
   * The jobs an engine runs when `schedules` is not given (UTC): physical engines a full backup
   * weekly (Sunday 01:00) and a diff (pgBackRest) or incr backup the other days, logical engines a
   * full daily at 02:00; expire daily at 06:00; pgBackRest also verifies on Sunday at 04:00.
   */
  public static defaultSchedules(engine: RunnerEngine): RunnerSchedule[] {
    return defaultRunnerSchedules(engine);
  }

  /**
   * A runner defined elsewhere (another stack or app, or the runner CLI on a database host), to
   * monitor it or drill its backups: its metrics, backup prefix, scheduled commands and backup
   * interval, and its connections. Nothing is created.
   */
  public static fromBackupRunnerAttributes(scope: Construct, id: string, attrs: BackupRunnerAttributes): IBackupRunner {
    const jobs = attrs.schedules ?? defaultRunnerSchedules(attrs.engine);
    class Import extends BackupRunnerBase {
      public readonly engine = attrs.engine;
      public readonly database = attrs.database;
      public readonly backupBucket = attrs.backupBucket;
      public readonly backupPrefix = backupPrefixOf(attrs.s3Prefix, attrs.database, attrs.engine);
      public readonly walArchivePrefix = attrs.walArchivePrefix;
      public readonly scheduledCommands = scheduledCommandsOf(jobs);
      public readonly backupInterval = backupIntervalOf(jobs);
      public readonly connections = new ec2.Connections({ securityGroups: attrs.securityGroups ?? [] });
    }
    const problems = [...identityProblems(attrs.engine, attrs.database), ...scheduleProblems(attrs.engine, attrs.schedules)];
    if (attrs.walArchivePrefix !== undefined && attrs.engine !== RunnerEngine.PGBACKREST) {
      problems.push(`walArchivePrefix: only a pgbackrest runner archives WAL, got engine ${attrs.engine}`);
    }
    throwIfProblems(`BackupRunner ${childPath(scope, id)}`, problems);
    return new Import(scope, id);
  }

  /** A pgBackRest runner: repository host for a self-managed PostgreSQL over TLS. */
  public static pgBackRest(scope: Construct, id: string, props: PgBackRestRunnerProps): BackupRunner {
    const runner = new BackupRunner(scope, id, pgBackRestRunnerProps(scope, props));
    grantHostPassphrase(runner.databaseHostPolicy!, props, Stack.of(scope).region);
    return runner;
  }

  /**
   * pg_dump -Fc of a PostgreSQL database, daily by default: an RDS instance or cluster
   * (`databaseInstance` / `databaseCluster`: endpoint, secret and an ingress rule on its port are
   * derived) or any `host` reachable from the VPC.
   */
  public static pgDump(scope: Construct, id: string, props: DatabaseConnectionProps): BackupRunner {
    return BackupRunner.logical(scope, id, RunnerEngine.PG_DUMP, props);
  }

  /**
   * mysqldump --single-transaction of a MySQL/MariaDB database, daily by default: an RDS instance
   * or cluster (endpoint, secret and an ingress rule on its port are derived) or any `host`.
   */
  public static mysqlDump(scope: Construct, id: string, props: DatabaseConnectionProps): BackupRunner {
    return BackupRunner.logical(scope, id, RunnerEngine.MYSQLDUMP, props);
  }

  /** mongodump --oplog --archive of a MongoDB deployment (`host`; RDS runs no MongoDB), daily by default. */
  public static mongoDump(scope: Construct, id: string, props: DatabaseConnectionProps): BackupRunner {
    return BackupRunner.logical(scope, id, RunnerEngine.MONGODUMP, props);
  }

  private static logical(scope: Construct, id: string, engine: RunnerEngine, props: DatabaseConnectionProps): BackupRunner {
    const logical = logicalRunner(engine, props);
    // Connection problems first, then the runner's own: every problem in one error.
    if (logical.problems.length > 0) {
      throwIfProblems(`BackupRunner ${childPath(scope, id)}`, [...logical.problems, ...runnerProblems(logical.props)]);
    }
    const runner = new BackupRunner(scope, id, logical.props);
    logical.database?.connections.allowDefaultPortFrom(runner, `BackupRunner ${props.database}: ${engine} connects to the database`);
    return runner;
  }

  /** The engine the runner drives (`--engine`). */
  public readonly engine: RunnerEngine;
  /** The logical database name (`--database`). */
  public readonly database: string;
  /** The bucket the runner writes its backups to. */
  public readonly backupBucket: IBackupBucket;
  /** Key prefix of the runner's backup folders: `<s3Prefix>/<database>/<engine>`. */
  public readonly backupPrefix: string;
  /**
   * Key prefix of the WAL archive (pgBackRest only).
   * @default - no archive
   */
  public readonly walArchivePrefix?: string;
  /** The commands the schedules start, each once. */
  public readonly scheduledCommands: RunnerCommand[];
  /**
   * The longest time between two scheduled backups.
   * @default - unknown: a backup schedule is not a cron expression
   */
  public readonly backupInterval?: Duration;
  /** The ECS cluster the tasks run in. */
  public readonly cluster: ecs.ICluster;
  /** The bucket folders the runner's roles may read, write and expire (no other database's). */
  public readonly keyPrefixes: string[];
  /** Identity of backup, verify and check tasks: write + read, no delete. */
  public readonly backupRole: iam.IRole;
  /** Identity of the expire task: read, and delete markers only. */
  public readonly expireRole: iam.IRole;
  /** Pulls the image and reads the secrets at task start. */
  public readonly executionRole: iam.IRole;
  /** One task definition per scheduled job, in the order of `schedules`. */
  public readonly taskDefinitions: ecs.FargateTaskDefinition[];
  /** The encrypted log group of every runner task. */
  public readonly logGroup: logs.ILogGroup;
  /** Where the scheduler puts a task start it gave up on (encrypted, SSL only). */
  public readonly deadLetterQueue: sqs.IQueue;
  /** Identity EventBridge Scheduler uses to start the tasks. */
  public readonly schedulerRole: iam.IRole;
  /** One schedule per job, in the order of `schedules`. */
  public readonly schedules: scheduler.Schedule[];
  /** The tasks' security groups: allow them into the database. */
  public readonly connections: ec2.Connections;
  /**
   * The environment every task of this runner starts with (no secret in it), e.g. for a drill or a
   * restore task that must run with exactly the runner's settings.
   */
  public readonly containerEnvironment: { [name: string]: string };
  /**
   * The secrets ECS gives every task of this runner at start, by environment variable; the runner's
   * execution role may read them.
   */
  public readonly containerSecrets: { [name: string]: ecs.Secret };
  /**
   * Policy for the database host's instance role (pgBackRest only): archive-push and archive-get
   * of this stanza's WAL, nothing else.
   * @default - none (not pgBackRest)
   */
  public readonly databaseHostPolicy?: iam.ManagedPolicy;
  /**
   * SSM parameter with the database host's pgbackrest.conf (pgBackRest only; holds no secret).
   * @default - none (not pgBackRest)
   */
  public readonly databaseHostConfigParameter?: ssm.StringParameter;
  /**
   * SSM parameter with the database host's archive_command (pgBackRest only).
   * @default - none (not pgBackRest)
   */
  public readonly archiveCommandParameter?: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: BackupRunnerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Many runners in one stack: refuse a template over CloudFormation's limits by name, at synth.
    guardStackLimits(this);
    const problems = runnerProblems(props);
    let settings: PgBackRestSettings | undefined;
    if (props.engine === RunnerEngine.PGBACKREST) {
      if (!props.pgBackRest) problems.push('pgBackRest: settings are required for engine pgbackrest (use BackupRunner.pgBackRest)');
      else {
        const completed = completePgBackRestSettings(props.pgBackRest, props.backupBucket.bucket.bucketName, stack.region);
        settings = completed.settings;
        problems.push(...completed.problems);
      }
    }
    throwIfProblems(`BackupRunner ${this.node.path}`, problems);

    this.engine = props.engine;
    this.database = props.database;
    this.backupBucket = props.backupBucket;
    this.backupPrefix = backupPrefixOf(props.s3Prefix, props.database, props.engine);
    this.walArchivePrefix = settings ? repositoryPrefixes(settings).archive : undefined;
    // The shared pieces (key, log group, queue, cluster, security groups) are created only when
    // not given: the DR app gives every runner of a stack the same ones (RunnerInfrastructure).
    let key = props.encryptionKey;
    const ownKey = () => {
      if (!key) {
        key = new kms.Key(this, 'Key', {
          description: `BackupRunner ${props.database}: runner logs and scheduler dead-letter queue`,
          enableKeyRotation: true,
          removalPolicy: RemovalPolicy.RETAIN,
        });
      }
      return key;
    };

    if (props.logGroup) {
      this.logGroup = props.logGroup;
    } else {
      const logKey = ownKey();
      // CloudWatch Logs encrypts with the key only when its service principal may use it.
      logKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`));
      this.logGroup = new logs.LogGroup(this, 'Logs', {
        encryptionKey: logKey,
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    this.cluster = props.cluster ?? new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const securityGroups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `BackupRunner ${props.database}: outbound to the database, S3 and AWS APIs; no inbound`,
      allowAllOutbound: true,
    })];
    this.connections = new ec2.Connections({ securityGroups });

    const assumedBy = new iam.ServicePrincipal('ecs-tasks.amazonaws.com');
    const executionRole = props.executionRole
      ?? new ManagedPolicyRole(this, 'ExecutionRole', { assumedBy, description: 'Pulls the runner image, writes its logs, reads its secrets' });
    this.executionRole = executionRole;
    const backupRole = props.backupRole
      ?? new ManagedPolicyRole(this, 'BackupRole', { assumedBy, description: `BackupRunner ${props.database}: writes and reads backups, never deletes` });
    // Least privilege per database: the roles reach this runner's own folders only (its backups,
    // and pgBackRest's repository folders of its stanza), never another database's.
    this.keyPrefixes = [this.backupPrefix, ...(settings ? [repositoryPrefixes(settings).backup, repositoryPrefixes(settings).archive] : [])];
    props.backupBucket.grantWriteBackups(backupRole, this.keyPrefixes);
    props.backupBucket.grantReadBackups(backupRole, this.keyPrefixes);
    const expireRole = props.expireRole
      ?? new ManagedPolicyRole(this, 'ExpireRole', { assumedBy, description: `BackupRunner ${props.database}: expires backups with delete markers only` });
    props.backupBucket.grantExpireBackups(expireRole, this.keyPrefixes);
    // Expire must read the manifests (and pgBackRest its info files) to know what to keep.
    props.backupBucket.grantReadBackups(expireRole, this.keyPrefixes);
    if (settings) grantPgBackRestExpire(expireRole, props.backupBucket, settings);
    this.backupRole = backupRole;
    this.expireRole = expireRole;

    const image = props.image ?? defaultImage(props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64);
    const environment: Record<string, string> = {
      ...(props.environment ?? {}),
      [RUNNER_ENV.engine]: props.engine,
      [RUNNER_ENV.database]: props.database,
      [RUNNER_ENV.s3Bucket]: props.backupBucket.bucket.bucketName,
      [RUNNER_ENV.s3Prefix]: props.s3Prefix ?? 'runner',
      [RUNNER_ENV.region]: stack.region,
      [RUNNER_ENV.spoolDir]: SPOOL_DIR,
      ...(props.engine !== RunnerEngine.PGBACKREST ? { [RUNNER_ENV.retainCount]: String(props.retainCount ?? 7) } : {}),
      ...(settings ? { [PGBACKREST_RUNNER_ENV.settings]: stack.toJsonString(settings) } : {}),
    };
    const secrets: Record<string, ecs.Secret> = {};
    for (const s of props.secrets ?? []) secrets[s.environmentVariable] = taskSecret(s.secret, s.field, stack.region);
    this.containerEnvironment = environment;
    this.containerSecrets = secrets;

    this.deadLetterQueue = props.deadLetterQueue ?? new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: ownKey(),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // The scheduler's own identity, so its permissions (RunTask on these task definitions, PassRole
    // of their roles, SendMessage to the DLQ) land in a managed policy of this construct.
    const schedulerRole = props.schedulerRole ?? new ManagedPolicyRole(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `BackupRunner ${props.database}: EventBridge Scheduler starts the runner tasks`,
    });
    this.schedulerRole = schedulerRole;

    const jobs = props.schedules ?? defaultRunnerSchedules(props.engine);
    this.scheduledCommands = scheduledCommandsOf(jobs);
    this.backupInterval = backupIntervalOf(jobs);
    this.taskDefinitions = [];
    this.schedules = [];
    jobs.forEach((job, i) => {
      const command = job.command ?? RunnerCommand.BACKUP;
      const name = command === RunnerCommand.BACKUP ? `Backup${capitalize(job.backupType ?? 'full')}` : capitalize(command);
      const jobId = uniqueJobId(name, i, jobs);
      const taskRole = command === RunnerCommand.EXPIRE ? expireRole : backupRole;
      const taskDef = new ecs.FargateTaskDefinition(this, `${jobId}Task`, {
        cpu: props.cpu ?? 1024,
        memoryLimitMiB: props.memoryLimitMiB ?? 2048,
        ...(props.ephemeralStorageGiB !== undefined ? { ephemeralStorageGiB: props.ephemeralStorageGiB } : {}),
        runtimePlatform: { cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
        taskRole,
        executionRole: this.executionRole,
      });
      const args = [command, ...(command === RunnerCommand.BACKUP ? ['--type', job.backupType ?? 'full'] : [])];
      taskDef.addContainer(CONTAINER_NAME, {
        image,
        command: args,
        environment,
        secrets,
        logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: `${props.database}-${command}` }),
        // The runner's own limit is its memory budget; a crash should not leave half a job running.
        essential: true,
        stopTimeout: Duration.seconds(60),
      });
      this.taskDefinitions.push(taskDef);
      const schedule = new scheduler.Schedule(this, `${jobId}Schedule`, {
        schedule: job.schedule,
        description: `${props.engine} ${args.join(' ')} for ${props.database}`,
        target: new targets.EcsRunFargateTask(this.cluster, {
          taskDefinition: taskDef,
          vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          securityGroups,
          assignPublicIp: false,
          deadLetterQueue: this.deadLetterQueue,
          role: schedulerRole,
          retryAttempts: props.retryAttempts ?? 2,
          maxEventAge: props.maximumEventAge ?? Duration.hours(1),
        }),
      });
      this.schedules.push(schedule);
    });

    if (settings) {
      const side = publishDatabaseHostSide(this, settings, props.backupBucket, props.database, props.databaseHostParameterPrefix);
      this.databaseHostPolicy = side.policy;
      this.databaseHostConfigParameter = side.config;
      this.archiveCommandParameter = side.archiveCommand;
    }
    acknowledgeRunnerFindings({
      bucket: props.backupBucket,
      taskDefinitions: this.taskDefinitions,
      deadLetterQueue: props.deadLetterQueue ? undefined : this.deadLetterQueue,
      dataRoles: [backupRole, expireRole].filter((r): r is ManagedPolicyRole | DatabaseRole => r instanceof ManagedPolicyRole || r instanceof DatabaseRole),
      keyPrefixes: this.keyPrefixes,
      // A shared execution role is acknowledged once, by its owner.
      executionRole: !props.executionRole && executionRole instanceof ManagedPolicyRole ? executionRole : undefined,
      databaseHostPolicy: this.databaseHostPolicy,
      pgBackRest: settings,
    });
  }
}


/**
 * A task secret (as `ecs.Secret.fromSecretsManager`) whose read is granted on the execution role's
 * side only: the secret's key may be another stack's (the shared backup bucket key of the primary
 * stack, for a database stack's generated secret), and a statement naming this stack's role in
 * that key's policy would make the two stacks depend on each other. The key's default policy lets
 * IAM policies of the account grant its use.
 */
function taskSecret(secret: secretsmanager.ISecret, field: string | undefined, region: string): ecs.Secret {
  return {
    arn: field ? `${secret.secretArn}:${field}::` : secret.secretArn,
    hasField: !!field,
    grantRead: (grantee: iam.IGrantable) => {
      const read = iam.Grant.addToPrincipal({
        grantee,
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        // A partial ARN (imported without its suffix) matches the six characters AWS appends.
        resourceArns: [secret.secretFullArn ? secret.secretArn : `${secret.secretArn}-??????`],
      });
      const key = secret.encryptionKey;
      return key ? read.combine(iam.Grant.addToPrincipal({
        grantee,
        actions: ['kms:Decrypt'],
        resourceArns: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
      })) : read;
    },
  };
}

/** The path a construct `id` under `scope` will have, for errors raised before it exists. */
function childPath(scope: Construct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}

/** Where a runner's backup folders are: `<s3Prefix>/<database>/<engine>`. */
function backupPrefixOf(s3Prefix: string | undefined, database: string, engine: RunnerEngine): string {
  return `${s3Prefix ?? 'runner'}/${database}/${engine}`;
}

function capitalize(s: string): string {
  return s.split(/[^A-Za-z0-9]/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

function uniqueJobId(name: string, index: number, jobs: RunnerSchedule[]): string {
  const same = jobs.filter((j) => {
    const c = j.command ?? RunnerCommand.BACKUP;
    return (c === RunnerCommand.BACKUP ? `Backup${capitalize(j.backupType ?? 'full')}` : capitalize(c)) === name;
  });
  return same.length > 1 ? `${name}${index}` : name;
}
