/**
 * Properties of a {@link BackupRunner}: those every runner takes, whatever the engine.
 */
import {
  Duration, aws_ec2 as ec2, aws_ecs as ecs, aws_iam as iam, aws_kms as kms, aws_logs as logs, aws_secretsmanager as secretsmanager, aws_sqs as sqs,
} from 'aws-cdk-lib';
import { IBackupBucket } from '../storage/backup-bucket';
import { PgBackRestSettings } from '../../runtime/pgbackrest/config';
import { RunnerEngine, RunnerSchedule } from './runner-engine';

/** An environment variable of the runner filled from Secrets Manager at task start. */
export interface RunnerSecret {
  /** Environment variable name, e.g. RUNNER_DB_PASSWORD. */
  readonly environmentVariable: string;
  /** The secret. */
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
  readonly backupBucket: IBackupBucket;
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
   * Key encrypting the log group and the dead-letter queue (when this runner creates them).
   * Share one key between the runners of a stack: a key costs $1 a month.
   * @default - a new key with rotation, unless both `logGroup` and `deadLetterQueue` are given
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Log group of the runner tasks (each task logs under its own stream prefix,
   * `<database>-<command>`). Share one between the runners of a stack; it must be encrypted and
   * retained by its owner.
   * @default - a new encrypted log group kept for `logRetention`
   */
  readonly logGroup?: logs.ILogGroup;
  /**
   * Where the scheduler puts a task start it gave up on. Share one between the runners of a stack;
   * it must be encrypted and accept SSL only.
   * @default - a new queue encrypted with `encryptionKey`, SSL only, kept 14 days
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Execution role of the tasks (pulls the image, writes the logs, reads the secrets at task
   * start; the task itself never has it). Share one between the runners of a stack.
   * @default - a new role for this runner
   */
  readonly executionRole?: iam.IRole;
  /**
   * Identity of the backup, verify and check tasks. Share one between the runners of one
   * database: each runner grants it write and read of its own folders only, never delete.
   * Never share it between databases: it would reach every database's folders.
   * @default - a new role for this runner
   */
  readonly backupRole?: iam.IRole;
  /**
   * Identity of the expire task (delete markers only). Share one between the runners of one
   * database, never between databases.
   * @default - a new role for this runner
   */
  readonly expireRole?: iam.IRole;
  /**
   * Identity EventBridge Scheduler uses to start the tasks (run task, pass the task roles, send
   * to the dead-letter queue). Share one between the runners of one database.
   * @default - a new role for this runner
   */
  readonly schedulerRole?: iam.IRole;
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
  /** The engine the tasks drive (`--engine`); not mariabackup or xtrabackup, which run on the database host. */
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

/**
 * A runner defined elsewhere (another stack or app, or the runner CLI on a database host), for
 * {@link BackupRunner.fromBackupRunnerAttributes}: what monitoring and drills need to know of it.
 */
export interface BackupRunnerAttributes {
  /**
   * The engine the runner drives (`--engine`). Host-side engines (mariabackup, xtrabackup) are
   * welcome: importing is how their runner on the database host is monitored.
   */
  readonly engine: RunnerEngine;
  /** The logical database name (`--database`). */
  readonly database: string;
  /** The bucket the runner writes to (a BackupBucket, or one from `BackupBucket.fromBucketAttributes`). */
  readonly backupBucket: IBackupBucket;
  /**
   * Key prefix of the runner's backups in the bucket (`--s3-prefix`).
   * @default 'runner'
   */
  readonly s3Prefix?: string;
  /**
   * Key prefix of the continuous WAL archive (pgBackRest only): `<repository path without the
   * leading slash>/archive/<stanza>`, e.g. `pgbackrest/archive/orders`.
   * @default - no archive
   */
  readonly walArchivePrefix?: string;
  /**
   * The runner's scheduled jobs; they give its scheduled commands and its backup interval.
   * @default - the engine's default jobs (`BackupRunner.defaultSchedules(engine)`)
   */
  readonly schedules?: RunnerSchedule[];
  /**
   * Security groups of the runner (its tasks, or its database host), for `connections`.
   * @default - none
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}
