import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CfnOutput, Duration, RemovalPolicy, Stack, Token,
  aws_cloudwatch as cloudwatch, aws_ec2 as ec2, aws_ecr_assets as ecrAssets, aws_ecs as ecs, aws_iam as iam, aws_kms as kms,
  aws_logs as logs, aws_scheduler as scheduler, aws_scheduler_targets as targets, aws_secretsmanager as secretsmanager,
  aws_sqs as sqs, aws_ssm as ssm,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { ConfigurationError, throwIfProblems } from '../errors';
import { RunnerMetrics } from '../monitoring/runner-metrics';
import { acknowledge, acknowledgeWildcardResource } from '../storage/acknowledgements';
import { combinedCronIntervals, parseAwsCron, CronSchedule } from '../plan/cron';
import { BackupBucket, IBackupBucket } from '../storage/backup-bucket';
import {
  DEFAULT_TLS_SERVER_PORT, PGBACKREST_RUNNER_ENV, PgBackRestDatabaseHost, PgBackRestSettings, dbHostSecretsFileHint,
  pgBackRestSettingsProblems, renderArchiveCommand, renderDbHostConfig, renderRestoreCommand, renderServerCommand, repositoryPrefixes,
} from '../../runtime/pgbackrest/config';
import { RUNNER_ENV } from '../../runtime/contracts/runner-env';

/** The tool a runner task drives (`--engine`). */
export enum RunnerEngine {
  /** pgBackRest: the runner is the repository host; PITR through archive-push on the database host. */
  PGBACKREST = 'pgbackrest',
  /** wal-g remote backup-push (PostgreSQL). */
  WAL_G = 'wal-g',
  /** pg_dump -Fc streamed through zstd to S3. */
  PG_DUMP = 'pg-dump',
  /** mysqldump --single-transaction streamed through zstd to S3. */
  MYSQLDUMP = 'mysqldump',
  /** mongodump --oplog --archive streamed through zstd to S3. */
  MONGODUMP = 'mongodump',
  /** MariaDB mariabackup full and incremental chains. */
  MARIABACKUP = 'mariabackup',
  /** Percona XtraBackup full and incremental chains. */
  XTRABACKUP = 'xtrabackup',
}

/** A runner command a schedule can start. */
export enum RunnerCommand {
  BACKUP = 'backup',
  VERIFY = 'verify',
  EXPIRE = 'expire',
  CHECK = 'check',
}

/**
 * A backup runner: what monitoring, drills and recovery need to know of one database's runner
 * jobs, whether the runner was created here by {@link BackupRunner} or elsewhere.
 */
export interface IBackupRunner extends IConstruct, ec2.IConnectable {
  /** The engine the runner drives (`--engine`), a dimension of its metrics. */
  readonly engine: RunnerEngine;
  /** The logical database name (`--database`), a dimension of its metrics. */
  readonly database: string;
  /** The bucket the runner writes its backups to. */
  readonly backupBucket: IBackupBucket;
  /** Key prefix of this runner's backup folders (each with its manifest): `<s3Prefix>/<database>/<engine>`. */
  readonly backupPrefix: string;
  /**
   * Key prefix of the continuous WAL archive (pgBackRest only).
   * @default - no archive
   */
  readonly walArchivePrefix?: string;
  /** The runner commands that run on a schedule (each has its own success and failure metrics). */
  readonly scheduledCommands: RunnerCommand[];
  /**
   * The longest time between two scheduled backups of any type.
   * @default - unknown: a backup schedule is not a cron expression, or nothing backs up on a schedule
   */
  readonly backupInterval?: Duration;
  /** `JobSuccess` of one runner command. @default sum over 5 minutes */
  metricJobSuccess(job?: RunnerCommand, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** `JobFailure` of one runner command. @default sum over 5 minutes */
  metricJobFailure(job?: RunnerCommand, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** One scheduled runner job. */
export interface RunnerSchedule {
  /** When the job runs (EventBridge Scheduler expression, with its time zone). */
  readonly schedule: scheduler.ScheduleExpression;
  /**
   * The command to run.
   * @default RunnerCommand.BACKUP
   */
  readonly command?: RunnerCommand;
  /**
   * `--type` of a backup (full, diff, incr; the engine decides which it accepts).
   * @default 'full'
   */
  readonly backupType?: string;
}

/** An environment variable of the runner filled from Secrets Manager at task start. */
export interface RunnerSecret {
  /** Environment variable name, e.g. RUNNER_DB_PASSWORD. */
  readonly environmentVariable: string;
  readonly secret: secretsmanager.ISecret;
  /**
   * JSON field of the secret.
   * @default - the whole secret string
   */
  readonly field?: string;
}

/** Properties every BackupRunner takes, whatever the engine. */
export interface BackupRunnerBaseProps {
  /** Logical name of the protected database: the runner's `--database` and the metrics' Database dimension. */
  readonly database: string;
  /** Where backups go. The backup task may write and read, never delete; the expire task may only add delete markers. */
  readonly backupBucket: BackupBucket;
  /** VPC the tasks run in. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the tasks (they need a route to S3, ECR, CloudWatch Logs and Secrets Manager).
   * @default - private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the tasks.
   * @default - a new group without inbound rules
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * ECS cluster to run in.
   * @default - a new cluster with Container Insights
   */
  readonly cluster?: ecs.ICluster;
  /**
   * Jobs and when they run (replaces the engine's default set).
   * @default - the engine preset: physical engines full weekly (Sunday 01:00 UTC) and diff/incr
   * daily, logical engines a full daily (02:00 UTC); expire daily (06:00 UTC); pgBackRest also
   * verifies weekly.
   */
  readonly schedules?: RunnerSchedule[];
  /**
   * Further non-secret runner settings as environment variables (RUNNER_* names, see runner/README.md).
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Secrets as environment variables (database passwords, keys).
   * @default - none
   */
  readonly secrets?: RunnerSecret[];
  /**
   * Task CPU units.
   * @default 1024
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB.
   * @default 2048
   */
  readonly memoryLimitMiB?: number;
  /**
   * Ephemeral storage of the task in GiB (the spool directory lives there).
   * @default 21
   */
  readonly ephemeralStorageGiB?: number;
  /**
   * CPU architecture of the task and the image.
   * @default ecs.CpuArchitecture.ARM64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * How long runner logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Key encrypting the log group and the dead-letter queue.
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Key prefix of the runner's backups in the bucket (`--s3-prefix`).
   * @default 'runner'
   */
  readonly s3Prefix?: string;
  /**
   * Complete backups the expire job keeps (`--retain-count`; for pgBackRest the full backups kept).
   * @default 7 (pgBackRest: 2 full backups)
   */
  readonly retainCount?: number;
  /**
   * Times the scheduler retries starting a task that could not start.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long the scheduler keeps trying to start a task before the event goes to the dead-letter queue.
   * @default Duration.hours(1)
   */
  readonly maximumEventAge?: Duration;
  /**
   * The runner image.
   * @default - the bundled image asset (assets/runner, built from runner/Dockerfile by `npm run bundle`)
   */
  readonly image?: ecs.ContainerImage;
}

/** Properties of a {@link BackupRunner}. */
export interface BackupRunnerProps extends BackupRunnerBaseProps {
  readonly engine: RunnerEngine;
  /**
   * pgBackRest settings (required for RunnerEngine.PGBACKREST). The repository bucket and region
   * are taken from `backupBucket` and the stack when left empty.
   * @default - none
   */
  readonly pgBackRest?: PgBackRestSettings;
  /**
   * Prefix of the SSM parameters that publish the database host's pgBackRest configuration.
   * @default '/cdk-database-dr/<database>/pgbackrest'
   */
  readonly databaseHostParameterPrefix?: string;
}

/** A logical-dump runner against a database server reachable from the VPC. */
export interface DatabaseConnectionProps extends BackupRunnerBaseProps {
  /** Database host name. */
  readonly host: string;
  /**
   * Database port.
   * @default - the engine's default port
   */
  readonly port?: number;
  /** User the runner connects as (read-only privileges are enough for dumps). */
  readonly user: string;
  /**
   * Database (schema) to dump.
   * @default - the engine's default
   */
  readonly databaseName?: string;
  /** Secret holding the password. */
  readonly passwordSecret: secretsmanager.ISecret;
  /**
   * JSON field of the password in the secret (RDS-generated secrets use `password`).
   * @default 'password'
   */
  readonly passwordField?: string;
}

/** A pgBackRest runner (self-managed PostgreSQL). */
export interface PgBackRestRunnerProps extends BackupRunnerBaseProps {
  /** Stanza name. */
  readonly stanza: string;
  /** The database host (address, data directory, TLS server). */
  readonly databaseHost: PgBackRestDatabaseHost;
  /** Repository cipher passphrase (AES-256-CBC), whole secret string. */
  readonly cipherPassphrase: secretsmanager.ISecret;
  /** The runner's TLS identity: a JSON secret with fields `ca`, `cert` and `key` (PEM). */
  readonly tlsIdentity: secretsmanager.ISecret;
  /**
   * Path of the repository inside the bucket.
   * @default '/pgbackrest'
   */
  readonly repositoryPath?: string;
  /**
   * zstd level.
   * @default 3
   */
  readonly compressLevel?: number;
  /**
   * Parallel processes.
   * @default 2
   */
  readonly processMax?: number;
  /**
   * Differential backups to keep.
   * @default - as many as their full backups
   */
  readonly retentionDiff?: number;
  /**
   * Prefix of the SSM parameters that publish the database host's configuration.
   * @default '/cdk-database-dr/<database>/pgbackrest'
   */
  readonly parameterPrefix?: string;
}

const PHYSICAL = new Set<RunnerEngine>([RunnerEngine.PGBACKREST, RunnerEngine.WAL_G, RunnerEngine.MARIABACKUP, RunnerEngine.XTRABACKUP]);
const BACKUP_TYPES: Record<RunnerEngine, string[]> = {
  [RunnerEngine.PGBACKREST]: ['full', 'diff', 'incr'],
  [RunnerEngine.WAL_G]: ['full', 'incr'],
  [RunnerEngine.MARIABACKUP]: ['full', 'incr'],
  [RunnerEngine.XTRABACKUP]: ['full', 'incr'],
  [RunnerEngine.PG_DUMP]: ['full'],
  [RunnerEngine.MYSQLDUMP]: ['full'],
  [RunnerEngine.MONGODUMP]: ['full'],
};
/** Valid Fargate CPU → memory (MiB) ranges. */
const FARGATE_MEMORY: Record<number, [number, number, number]> = {
  256: [512, 2048, 1024], 512: [1024, 4096, 1024], 1024: [2048, 8192, 1024], 2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024], 8192: [16384, 61440, 4096], 16384: [32768, 122880, 8192],
};
const DATABASE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const CONTAINER_NAME = 'runner';
const SPOOL_DIR = '/tmp/runner-spool';

/** The longest gap between scheduled backups, when every backup schedule is an AWS cron expression. */
function backupIntervalOf(jobs: RunnerSchedule[]): Duration | undefined {
  const crons: CronSchedule[] = [];
  for (const job of jobs) {
    if ((job.command ?? RunnerCommand.BACKUP) !== RunnerCommand.BACKUP) continue;
    const expression = job.schedule.expressionString;
    if (Token.isUnresolved(expression) || !expression.startsWith('cron(')) return undefined;
    const parsed = parseAwsCron(expression);
    if (!parsed.schedule) return undefined;
    crons.push(parsed.schedule);
  }
  const gaps = crons.length ? combinedCronIntervals(crons) : undefined;
  return gaps ? Duration.minutes(gaps.maxGapMinutes) : undefined;
}

/** The default jobs of an engine (UTC). */
function defaultRunnerSchedules(engine: RunnerEngine): RunnerSchedule[] {
  const at = (hour: string, weekDay?: string) => scheduler.ScheduleExpression.cron({ minute: '0', hour, ...(weekDay ? { weekDay } : {}) });
  const expire: RunnerSchedule = { command: RunnerCommand.EXPIRE, schedule: at('6') };
  if (!PHYSICAL.has(engine)) return [{ backupType: 'full', schedule: at('2') }, expire];
  const daily = engine === RunnerEngine.PGBACKREST ? 'diff' : 'incr';
  return [
    { backupType: 'full', schedule: at('1', 'SUN') },
    { backupType: daily, schedule: at('1', 'MON-SAT') },
    ...(engine === RunnerEngine.PGBACKREST ? [{ command: RunnerCommand.VERIFY, schedule: at('4', 'SUN') }] : []),
    expire,
  ];
}

/**
 * Runs the backup runner (runner/) as Fargate tasks on a schedule: one task definition per job,
 * an encrypted log group, a backup identity that can write and read the BackupBucket but never
 * delete, a separate expire identity that can only add delete markers, secrets from Secrets
 * Manager, an ECS cluster with Container Insights, and EventBridge Scheduler schedules with
 * retries and an encrypted dead-letter queue. For pgBackRest it also publishes the database
 * host's side (pgbackrest.conf, archive_command) and its write-only policy, rendered from the
 * same settings the runner receives.
 */
export class BackupRunner extends Construct implements IBackupRunner {
  /**
   * The jobs an engine runs when `schedules` is not given (UTC): physical engines a full backup
   * weekly (Sunday 01:00) and a diff (pgBackRest) or incr backup the other days, logical engines a
   * full daily at 02:00; expire daily at 06:00; pgBackRest also verifies on Sunday at 04:00.
   */
  public static defaultSchedules(engine: RunnerEngine): RunnerSchedule[] {
    return defaultRunnerSchedules(engine);
  }

  /** A pgBackRest runner: repository host for a self-managed PostgreSQL over TLS. */
  public static pgBackRest(scope: Construct, id: string, props: PgBackRestRunnerProps): BackupRunner {
    const settings: PgBackRestSettings = {
      stanza: props.stanza,
      repository: {
        bucket: props.backupBucket.bucket.bucketName,
        region: Stack.of(scope).region,
        ...(props.repositoryPath ? { path: props.repositoryPath } : {}),
      },
      databaseHost: props.databaseHost,
      ...(props.compressLevel !== undefined ? { compressLevel: props.compressLevel } : {}),
      ...(props.processMax !== undefined ? { processMax: props.processMax } : {}),
      ...(props.retainCount !== undefined ? { retentionFull: props.retainCount } : {}),
      ...(props.retentionDiff !== undefined ? { retentionDiff: props.retentionDiff } : {}),
    };
    const runner = new BackupRunner(scope, id, {
      ...props,
      engine: RunnerEngine.PGBACKREST,
      pgBackRest: settings,
      secrets: [
        ...(props.secrets ?? []),
        { environmentVariable: PGBACKREST_RUNNER_ENV.cipherPass, secret: props.cipherPassphrase },
        { environmentVariable: PGBACKREST_RUNNER_ENV.tlsCa, secret: props.tlsIdentity, field: 'ca' },
        { environmentVariable: PGBACKREST_RUNNER_ENV.tlsClientCert, secret: props.tlsIdentity, field: 'cert' },
        { environmentVariable: PGBACKREST_RUNNER_ENV.tlsClientKey, secret: props.tlsIdentity, field: 'key' },
      ],
      databaseHostParameterPrefix: props.parameterPrefix,
    });
    // archive-push encrypts each WAL segment with the repository passphrase: the host reads it
    // once to write <configPath>/conf.d/secrets.conf.
    runner.databaseHostPolicy!.addStatements(new iam.PolicyStatement({
      sid: 'ReadRepositoryPassphrase',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [props.cipherPassphrase.secretArn],
    }));
    if (props.cipherPassphrase.encryptionKey) {
      runner.databaseHostPolicy!.addStatements(new iam.PolicyStatement({
        sid: 'DecryptRepositoryPassphrase',
        actions: ['kms:Decrypt'],
        resources: [props.cipherPassphrase.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(scope).region}.amazonaws.com` } },
      }));
    }
    return runner;
  }

  /** pg_dump -Fc of a PostgreSQL database (RDS, Aurora or self-managed), daily by default. */
  public static pgDump(scope: Construct, id: string, props: DatabaseConnectionProps): BackupRunner {
    return BackupRunner.logical(scope, id, RunnerEngine.PG_DUMP, props);
  }

  /** mysqldump --single-transaction of a MySQL/MariaDB database, daily by default. */
  public static mysqlDump(scope: Construct, id: string, props: DatabaseConnectionProps): BackupRunner {
    return BackupRunner.logical(scope, id, RunnerEngine.MYSQLDUMP, props);
  }

  /** mongodump --oplog --archive of a MongoDB deployment, daily by default. */
  public static mongoDump(scope: Construct, id: string, props: DatabaseConnectionProps): BackupRunner {
    return BackupRunner.logical(scope, id, RunnerEngine.MONGODUMP, props);
  }

  /** mariabackup full weekly and incremental daily for a self-managed MariaDB. */
  public static mariaBackup(scope: Construct, id: string, props: DatabaseConnectionProps): BackupRunner {
    return BackupRunner.logical(scope, id, RunnerEngine.MARIABACKUP, props);
  }

  private static logical(scope: Construct, id: string, engine: RunnerEngine, props: DatabaseConnectionProps): BackupRunner {
    return new BackupRunner(scope, id, {
      ...props,
      engine,
      environment: {
        ...(props.environment ?? {}),
        [RUNNER_ENV.dbHost]: props.host,
        [RUNNER_ENV.dbUser]: props.user,
        ...(props.port !== undefined ? { [RUNNER_ENV.dbPort]: String(props.port) } : {}),
        ...(props.databaseName ? { [RUNNER_ENV.dbName]: props.databaseName } : {}),
      },
      secrets: [
        ...(props.secrets ?? []),
        { environmentVariable: RUNNER_ENV.dbPassword, secret: props.passwordSecret, field: props.passwordField ?? 'password' },
      ],
    });
  }

  public readonly engine: RunnerEngine;
  public readonly database: string;
  public readonly backupBucket: IBackupBucket;
  public readonly backupPrefix: string;
  public readonly walArchivePrefix?: string;
  public readonly scheduledCommands: RunnerCommand[];
  public readonly backupInterval?: Duration;
  public readonly cluster: ecs.ICluster;
  /** Identity of backup, verify and check tasks: write + read, no delete. */
  public readonly backupRole: iam.IRole;
  /** Identity of the expire task: read, and delete markers only. */
  public readonly expireRole: iam.IRole;
  /** Pulls the image and reads the secrets at task start. */
  public readonly executionRole: iam.IRole;
  /** One task definition per scheduled job, in the order of `schedules`. */
  public readonly taskDefinitions: ecs.FargateTaskDefinition[];
  public readonly logGroup: logs.ILogGroup;
  public readonly deadLetterQueue: sqs.IQueue;
  /** Identity EventBridge Scheduler uses to start the tasks. */
  public readonly schedulerRole: iam.IRole;
  public readonly schedules: scheduler.Schedule[];
  public readonly connections: ec2.Connections;
  /**
   * Policy for the database host's instance role (pgBackRest only): archive-push and archive-get
   * of this stanza's WAL, nothing else.
   */
  public readonly databaseHostPolicy?: iam.ManagedPolicy;
  /** SSM parameter with the database host's pgbackrest.conf (pgBackRest only; holds no secret). */
  public readonly databaseHostConfigParameter?: ssm.StringParameter;
  /** SSM parameter with the database host's archive_command (pgBackRest only). */
  public readonly archiveCommandParameter?: ssm.StringParameter;
  private readonly pgBackRestSettingsForAck?: PgBackRestSettings;

  constructor(scope: Construct, id: string, props: BackupRunnerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems = runnerProblems(props);
    let settings: PgBackRestSettings | undefined;
    if (props.engine === RunnerEngine.PGBACKREST) {
      if (!props.pgBackRest) problems.push('pgBackRest: settings are required for engine pgbackrest (use BackupRunner.pgBackRest)');
      else {
        settings = {
          ...props.pgBackRest,
          repository: {
            ...props.pgBackRest.repository,
            bucket: props.pgBackRest.repository.bucket || props.backupBucket.bucket.bucketName,
            region: props.pgBackRest.repository.region || stack.region,
          },
        };
        problems.push(...pgBackRestSettingsProblems(settings).map((p) => `pgBackRest.${p}`));
      }
    }
    throwIfProblems(`BackupRunner ${this.node.path}`, problems);

    this.engine = props.engine;
    this.database = props.database;
    this.backupBucket = props.backupBucket;
    this.backupPrefix = `${props.s3Prefix ?? 'runner'}/${props.database}/${props.engine}`;
    this.walArchivePrefix = settings ? repositoryPrefixes(settings).archive : undefined;
    const key = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `BackupRunner ${props.database}: runner logs and scheduler dead-letter queue`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts with the key only when its service principal may use it.
    key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`));

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: key,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

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
    const executionRole = new ManagedPolicyRole(this, 'ExecutionRole', { assumedBy, description: 'Pulls the runner image, writes its logs, reads its secrets' });
    this.executionRole = executionRole;
    const backupRole = new ManagedPolicyRole(this, 'BackupRole', { assumedBy, description: `BackupRunner ${props.database}: writes and reads backups, never deletes` });
    props.backupBucket.grantWriteBackups(backupRole);
    props.backupBucket.grantReadBackups(backupRole);
    const expireRole = new ManagedPolicyRole(this, 'ExpireRole', { assumedBy, description: `BackupRunner ${props.database}: expires backups with delete markers only` });
    props.backupBucket.grantExpireBackups(expireRole);
    // Expire must read the manifests (and pgBackRest its info files) to know what to keep.
    props.backupBucket.grantReadBackups(expireRole);
    if (settings) this.grantPgBackRestExpire(expireRole, props.backupBucket, settings);
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
    for (const s of props.secrets ?? []) secrets[s.environmentVariable] = ecs.Secret.fromSecretsManager(s.secret, s.field);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // The scheduler's own identity, so its permissions (RunTask on these task definitions, PassRole
    // of their roles, SendMessage to the DLQ) land in a managed policy of this construct.
    const schedulerRole = new ManagedPolicyRole(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `BackupRunner ${props.database}: EventBridge Scheduler starts the runner tasks`,
    });
    this.schedulerRole = schedulerRole;

    const jobs = props.schedules ?? defaultRunnerSchedules(props.engine);
    this.scheduledCommands = [...new Set(jobs.map((j) => j.command ?? RunnerCommand.BACKUP))];
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

    this.pgBackRestSettingsForAck = settings;
    if (settings) {
      const side = this.publishDatabaseHostSide(settings, props.backupBucket, props.database, props.databaseHostParameterPrefix);
      this.databaseHostPolicy = side.policy;
      this.databaseHostConfigParameter = side.config;
      this.archiveCommandParameter = side.archiveCommand;
    }
    this.acknowledgeFindings(props.backupBucket, [backupRole, expireRole], executionRole, schedulerRole);
  }

  /** `JobSuccess` of one runner command (default backup). @default sum over 5 minutes */
  public metricJobSuccess(job?: RunnerCommand, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.jobSuccess(this.metricJob(job), props);
  }

  /** `JobFailure` of one runner command (default backup). @default sum over 5 minutes */
  public metricJobFailure(job?: RunnerCommand, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.jobFailure(this.metricJob(job), props);
  }

  /** `JobDurationSeconds`. @default maximum over 5 minutes */
  public metricJobDuration(job?: RunnerCommand, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.jobDuration(this.metricJob(job), props);
  }

  /** `BytesStored` by backups. @default maximum over 5 minutes */
  public metricBytesStored(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.bytesStored(this.metricJob(RunnerCommand.BACKUP), props);
  }

  /** `ThroughputBytesPerSecond` of backups. @default average over 5 minutes */
  public metricThroughput(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.throughput(this.metricJob(RunnerCommand.BACKUP), props);
  }

  /** `LastSuccessEpochSeconds` of backups, for "no backup within the RPO" alarms. @default maximum over 5 minutes */
  public metricLastSuccessEpochSeconds(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.lastSuccessEpochSeconds(this.metricJob(RunnerCommand.BACKUP), props);
  }

  private metricJob(job?: RunnerCommand) {
    return { database: this.database, engine: this.engine, job: job ?? RunnerCommand.BACKUP };
  }

  /**
   * pgBackRest's expire rewrites backup.info (and its copy) after removing a backup: PutObject on
   * exactly those two keys, and KMS data keys to encrypt them.
   */
  private grantPgBackRestExpire(role: iam.Role, bucket: BackupBucket, settings: PgBackRestSettings): void {
    const { backup } = repositoryPrefixes(settings);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PgBackRestExpireRewritesBackupInfo',
      actions: ['s3:PutObject'],
      resources: [bucket.bucket.arnForObjects(`${backup}/backup.info`), bucket.bucket.arnForObjects(`${backup}/backup.info.copy`)],
    }));
    bucket.encryptionKey.grant(role, 'kms:GenerateDataKey', 'kms:Encrypt');
  }

  private publishDatabaseHostSide(settings: PgBackRestSettings, bucket: BackupBucket, database: string, prefix?: string):
  { policy: iam.ManagedPolicy; config: ssm.StringParameter; archiveCommand: ssm.StringParameter } {
    const { archive } = repositoryPrefixes(settings);
    const paramPrefix = prefix ?? `/cdk-database-dr/${database}/pgbackrest`;
    const policy = new iam.ManagedPolicy(this, 'DatabaseHostPolicy', {
      description: `pgBackRest on the database host of ${database}: archive-push and archive-get of stanza ${settings.stanza} only`,
      statements: [
        new iam.PolicyStatement({
          // archive-push uploads each WAL segment; it never deletes or overwrites backups.
          sid: 'ArchivePushWritesWal',
          actions: ['s3:PutObject'],
          resources: [bucket.bucket.arnForObjects(`${archive}/*`)],
        }),
        new iam.PolicyStatement({
          // archive-push reads archive.info to check the cluster's system id; archive-get (restore_command) reads WAL back.
          sid: 'ArchiveGetReadsWal',
          actions: ['s3:GetObject'],
          resources: [bucket.bucket.arnForObjects(`${archive}/*`)],
        }),
        new iam.PolicyStatement({
          // Segment names carry a checksum suffix: both commands list the segment's folder to find it
          // (archive-push also to detect a segment that was already pushed).
          sid: 'ArchiveListsWalFolder',
          actions: ['s3:ListBucket'],
          resources: [bucket.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${archive}/*`, `${archive}/`] } },
        }),
        new iam.PolicyStatement({
          // SSE-KMS: data keys to write, Decrypt to read the segments and archive.info.
          sid: 'BucketKeyForWal',
          actions: ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'],
          resources: [bucket.encryptionKey.keyArn],
        }),
      ],
    });
    const conf = renderDbHostConfig(settings);
    const config = new ssm.StringParameter(this, 'DatabaseHostConfig', {
      parameterName: `${paramPrefix}/pgbackrest.conf`,
      description: `pgbackrest.conf for the database host of ${database} (no secrets; the passphrase goes in conf.d/secrets.conf)`,
      stringValue: conf,
    });
    const archiveCommand = new ssm.StringParameter(this, 'ArchiveCommand', {
      parameterName: `${paramPrefix}/archive_command`,
      description: `archive_command for PostgreSQL on the database host of ${database}`,
      stringValue: renderArchiveCommand(settings),
    });
    new CfnOutput(this, 'DatabaseHostSetup', {
      description: `pgBackRest database host of ${database}: where its configuration is published and how to wire it`,
      value: [
        `pgbackrest.conf: SSM ${paramPrefix}/pgbackrest.conf`,
        `archive_command: ${renderArchiveCommand(settings)}`,
        `restore_command: ${renderRestoreCommand(settings)}`,
        `server: ${renderServerCommand(settings)} (TLS port ${settings.databaseHost.tlsPort ?? DEFAULT_TLS_SERVER_PORT})`,
        dbHostSecretsFileHint(settings).split('\n')[0],
      ].join(' | '),
    });
    return { policy, config, archiveCommand };
  }

  private acknowledgeFindings(bucket: BackupBucket, dataRoles: ManagedPolicyRole[], executionRole: ManagedPolicyRole, _schedulerRole: ManagedPolicyRole): void {
    for (const td of this.taskDefinitions) {
      acknowledge(td, [
        ['AwsSolutions-ECS2', 'The environment holds only non-secret runner settings (engine, database name, bucket, prefix, pgBackRest settings without secrets); every secret comes from Secrets Manager as an ECS secret.'],
      ]);
    }
    acknowledge(this.deadLetterQueue, [
      ['AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of the runner schedules.'],
    ]);
    for (const role of dataRoles) {
      if (!role.managedPolicy) continue;
      acknowledgeWildcardResource(role.managedPolicy, bucket.bucket.arnForObjects('*'),
        'Backup objects are named by the runner and the backup tool at run time (one key per object, WAL segment or manifest); the actions on them are fixed: no delete for the backup role, only DeleteObject (delete markers) for the expire role.');
    }
    if (executionRole.managedPolicy) {
      acknowledge(executionRole.managedPolicy, [['AwsSolutions-IAM5[Resource::*]',
        'ecr:GetAuthorizationToken, which the execution role needs to pull the image, has no resource-level permissions; every other statement names its repository, log group or secret.']]);
    }
    if (this.databaseHostPolicy) {
      const { archive } = repositoryPrefixes(this.pgBackRestSettingsForAck!);
      acknowledgeWildcardResource(this.databaseHostPolicy, bucket.bucket.arnForObjects(`${archive}/*`),
        'One object per WAL segment, named by pgBackRest at run time; the wildcard stops at this stanza\'s archive folder and the actions are put and get only.');
    }
  }
}

/**
 * A role whose permissions (grants included) go into one customer-managed policy instead of an
 * inline default policy, which the HIPAA, NIST 800-53 and PCI packs reject (IAMNoInlinePolicy).
 */
class ManagedPolicyRole extends iam.Role {
  private policy?: iam.ManagedPolicy;

  public get managedPolicy(): iam.ManagedPolicy | undefined {
    return this.policy;
  }

  public override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (!this.policy) this.policy = new iam.ManagedPolicy(this, 'Policy', { roles: [this] });
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
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

/** The runner image from the bundle folder (assets/runner), built by cdk-assets at deploy time, not at synth. */
function defaultImage(arch: ecs.CpuArchitecture): ecs.ContainerImage {
  const dir = path.join(__dirname, '..', '..', 'assets', 'runner');
  if (!fs.existsSync(path.join(dir, 'Dockerfile')) || !fs.existsSync(path.join(dir, 'runner.js'))) {
    throw new ConfigurationError('BackupRunner', [`runner image bundle ${dir}: missing its Dockerfile and runner.js, run npm run bundle`]);
  }
  return ecs.ContainerImage.fromAsset(dir, {
    platform: arch === ecs.CpuArchitecture.X86_64 ? ecrAssets.Platform.LINUX_AMD64 : ecrAssets.Platform.LINUX_ARM64,
  });
}

function runnerProblems(props: BackupRunnerProps): string[] {
  const problems: string[] = [];
  if (!Token.isUnresolved(props.database) && !DATABASE_RE.test(props.database)) {
    problems.push(`database must be 1-128 letters, digits, '_', '.' or '-', got ${JSON.stringify(props.database)}`);
  }
  const cpu = props.cpu ?? 1024;
  const mem = props.memoryLimitMiB ?? 2048;
  const range = FARGATE_MEMORY[cpu];
  if (!range) problems.push(`cpu must be one of ${Object.keys(FARGATE_MEMORY).join(', ')}, got ${cpu}`);
  else if (mem < range[0] || mem > range[1] || (mem - range[0]) % range[2] !== 0) {
    problems.push(`memoryLimitMiB must be ${range[0]}-${range[1]} in steps of ${range[2]} for cpu ${cpu}, got ${mem}`);
  }
  if (props.ephemeralStorageGiB !== undefined && (props.ephemeralStorageGiB < 21 || props.ephemeralStorageGiB > 200)) {
    problems.push(`ephemeralStorageGiB must be 21-200, got ${props.ephemeralStorageGiB}`);
  }
  if (props.retryAttempts !== undefined && (!Number.isInteger(props.retryAttempts) || props.retryAttempts < 0 || props.retryAttempts > 185)) {
    problems.push(`retryAttempts must be an integer from 0 to 185, got ${props.retryAttempts}`);
  }
  const age = props.maximumEventAge;
  if (age && !age.isUnresolved() && (age.toSeconds() < 60 || age.toSeconds() > 86400)) {
    problems.push(`maximumEventAge must be 60 seconds to 24 hours, got ${age.toSeconds()} seconds`);
  }
  if (props.retainCount !== undefined && (!Number.isInteger(props.retainCount) || props.retainCount < 1)) {
    problems.push(`retainCount must be a positive integer, got ${props.retainCount}`);
  }
  const types = BACKUP_TYPES[props.engine];
  if (!types) problems.push(`engine must be one of ${Object.values(RunnerEngine).join(', ')}, got ${JSON.stringify(props.engine)}`);
  (props.schedules ?? []).forEach((s, i) => {
    const c = s.command ?? RunnerCommand.BACKUP;
    if (c === RunnerCommand.BACKUP && types && !types.includes(s.backupType ?? 'full')) {
      problems.push(`schedules[${i}].backupType must be one of ${types.join(', ')} for ${props.engine}, got ${JSON.stringify(s.backupType)}`);
    }
    if (c !== RunnerCommand.BACKUP && s.backupType !== undefined) {
      problems.push(`schedules[${i}].backupType is only for backup jobs, got ${JSON.stringify(s.backupType)} on ${c}`);
    }
  });
  if (props.schedules && props.schedules.length === 0) problems.push('schedules must not be empty (leave it unset for the engine preset)');
  for (const s of props.secrets ?? []) {
    if (props.environment && s.environmentVariable in props.environment) {
      problems.push(`secrets: ${s.environmentVariable} is also set in environment; a secret must only come from Secrets Manager`);
    }
  }
  for (const name of Object.keys(props.environment ?? {})) {
    if (/PASSWORD|PASSPHRASE|SECRET|CIPHER_PASS|_KEY$/.test(name)) {
      problems.push(`environment.${name} looks like a secret; pass it in secrets (Secrets Manager), never as a plain environment variable`);
    }
  }
  return problems;
}
