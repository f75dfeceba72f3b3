/**
 * Scheduled restore drills of a BackupRunner's backups: a Fargate task runs `runner drill`,
 * which restores the latest backup into a throw-away server inside the task, checks it against
 * the production baseline and emits the verification metrics; alarms fire on a failed drill and
 * on no successful drill within N days.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  Duration, Stack,
  aws_cloudwatch as cloudwatch, aws_ec2 as ec2, aws_ecr_assets as ecrAssets, aws_ecs as ecs,
  aws_iam as iam, aws_kms as kms, aws_s3 as s3, aws_scheduler as scheduler, aws_scheduler_targets as targets,
} from 'aws-cdk-lib';
import { Construct, IDependable } from 'constructs';
import { ConfigurationError } from '../errors';
import { VerificationMetrics } from '../monitoring/verification-metrics';
import { BackupRunner, IBackupRunner } from '../runner/backup-runner';
import { DatabasePolicyPool } from '../runner/database-policy-pool';
import { DatabaseRole } from '../runner/database-role';
import { RUNNER_ENV } from '../../runtime/contracts/runner-env';
import { PGBACKREST_RUNNER_ENV } from '../../runtime/pgbackrest/config';
import { acknowledge, acknowledgeWildcardResource } from '../storage/acknowledgements';
import { BackupBucket } from '../storage/backup-bucket';
import { DRILLED_ENGINES } from './drill-engines';
import { baselineKey } from '../../runtime/contracts/verification';
import { bundlePath } from '../bundles';

export interface RunnerDrillProps {
  /** The runner whose backups are drilled: its cluster, engine, database, network, logs and execution role are reused. */
  readonly runner: BackupRunner;
  /** The bucket the runner backs up into; the drill only reads it. */
  readonly backupBucket: BackupBucket;
  /** Bucket of the production baseline (RestoreVerification.baselineBucket). */
  readonly baselineBucket: s3.IBucket;
  /** Key the baseline is encrypted with (RestoreVerification.encryptionKey). */
  readonly baselineEncryptionKey: kms.IKey;
  /**
   * Object key of the baseline.
   * @default 'baselines/<runner.database>/baseline.json' (where RestoreVerification's capture writes it)
   */
  readonly baselineObjectKey?: string;
  /** SQL database the drill restores and checks (`--db-name`). */
  readonly databaseName: string;
  /**
   * When drills run.
   * @default - every Sunday at 05:00 UTC
   */
  readonly schedule?: scheduler.ScheduleExpression;
  /**
   * Key prefix of the runner's backups (must match the runner's `s3Prefix`).
   * @default 'runner'
   */
  readonly s3Prefix?: string;
  /**
   * Subnets of the drill task.
   * @default - private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default 2048 */
  readonly cpu?: number;
  /** @default 8192 */
  readonly memoryLimitMiB?: number;
  /**
   * Ephemeral storage (GiB): the restored data and the scratch server live there (21–200).
   * @default 100
   */
  readonly ephemeralStorageGiB?: number;
  /**
   * CPU architecture of the task and the image (match the runner's).
   * @default ecs.CpuArchitecture.ARM64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * The runner image (it must hold the database server of the engine: initdb/pg_ctl or mariadbd).
   * @default - the bundled runner image (assets/runner)
   */
  readonly image?: ecs.ContainerImage;
  /**
   * Identity EventBridge Scheduler uses to start the drill task; it gets the drill's statements
   * (run this task in the runner's cluster, pass its roles, send to the dead-letter queue).
   * Give the scheduler role of the database's runners to save a role and a policy.
   * @default - a new role with its own managed policy
   */
  readonly schedulerRole?: iam.IRole;
  /**
   * IAM path of the drill's task role, e.g. a RunnerInfrastructure's `taskRolePath`, so that the
   * infrastructure's shared scheduler role may pass it.
   * @default '/'
   */
  readonly taskRolePath?: string;
  /**
   * The pool of managed policies the drill's task role shares with the drills of the stack's other
   * databases (e.g. a RunnerInfrastructure's `databasePolicies`): the role is tagged with its
   * database and the shared statements name its folders and baseline through that tag.
   * @default - the task role has a managed policy of its own (`policy`)
   */
  readonly policyPool?: DatabasePolicyPool;
  /**
   * Alarm when no drill passed for this long (whole days, 1–7).
   * @default Duration.days(7)
   */
  readonly maxTimeWithoutSuccess?: Duration;
  /**
   * Row-count drift always allowed (`--row-count-absolute-tolerance`).
   * @default 0
   */
  readonly rowCountAbsoluteTolerance?: number;
  /**
   * Fraction of a table's rows it may change by per day between baseline and backup.
   * @default 0.05
   */
  readonly rowCountGrowthRatePerDay?: number;
  /**
   * The database's RTO: the drill judges its measured RTO (start to verified) against it
   * (`--rto-objective-seconds`, metric `RtoObjectiveMet`). Whole seconds, at least 1.
   * @default - no objective passed to the drill
   */
  readonly rto?: Duration;
  /**
   * The database's RPO: the drill judges the restored recovery point against it
   * (`--rpo-objective-seconds`, metric `RpoObjectiveMet`). Whole seconds, at least 1.
   * @default - no objective passed to the drill
   */
  readonly rpo?: Duration;
}

const CONTAINER = 'drill';
const DRILL_DIR = '/tmp/runner-drill';

export class RunnerDrill extends Construct {
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly taskRole: iam.Role;
  /**
   * The task role's own managed policy.
   * @default - none: with `policyPool`, the role's statements are in the pool's shared policies
   */
  public readonly policy?: iam.ManagedPolicy;
  /** What to depend on to wait for the task role's permissions (its policy, or the pool). */
  public readonly policyDependable: IDependable;
  public readonly schedule: scheduler.Schedule;
  /** The drilled database (the runner's `--database`). */
  public readonly database: string;
  /** The runner whose backups are drilled. */
  public readonly runner: IBackupRunner;
  /** How long the database may go without a passing drill before it is alarmed. */
  public readonly maxTimeWithoutSuccess: Duration;
  /**
   * The RTO the drill judges its measured RTO against (`RtoObjectiveMet`).
   * @default - none given
   */
  public readonly rtoObjective?: Duration;

  constructor(scope: Construct, id: string, props: RunnerDrillProps) {
    super(scope, id);
    const problems: string[] = [];
    const days = props.maxTimeWithoutSuccess;
    if (days && !days.isUnresolved() && (!Number.isInteger(days.toDays({ integral: false })) || days.toDays({ integral: false }) < 1 || days.toDays({ integral: false }) > 7)) {
      problems.push(`maxTimeWithoutSuccess must be whole days from 1 to 7, got ${days.toHumanString()}`);
    }
    const eph = props.ephemeralStorageGiB ?? 100;
    if (!Number.isInteger(eph) || eph < 21 || eph > 200) problems.push(`ephemeralStorageGiB must be 21-200, got ${eph}`);
    if (!props.databaseName) problems.push('databaseName is required (the SQL database the drill restores and checks)');
    for (const [name, v] of [['rowCountAbsoluteTolerance', props.rowCountAbsoluteTolerance], ['rowCountGrowthRatePerDay', props.rowCountGrowthRatePerDay]] as const) {
      if (v !== undefined && !(v >= 0)) problems.push(`${name} must be ≥ 0, got ${v}`);
    }
    if (!(DRILLED_ENGINES as readonly string[]).includes(props.runner.engine)) {
      problems.push(`runner: engine ${props.runner.engine} has no restore drill (supported: ${DRILLED_ENGINES.join(', ')})`);
    }
    const objectives = [...objectiveArgs('rto', props.rto, problems), ...objectiveArgs('rpo', props.rpo, problems)];
    const pgBackRest = props.runner.engine === 'pgbackrest' ? pgBackRestOf(props.runner, problems) : undefined;
    if (problems.length) throw new ConfigurationError(`RunnerDrill ${this.node.path}`, problems);

    const runner = props.runner;
    this.database = runner.database;
    this.runner = runner;
    this.maxTimeWithoutSuccess = props.maxTimeWithoutSuccess ?? Duration.days(7);
    this.rtoObjective = props.rto;
    const stack = Stack.of(this);
    const prefix = (props.s3Prefix ?? 'runner').replace(/^\/+|\/+$/g, '');
    const objectKey = props.baselineObjectKey ?? baselineKey('baselines/', runner.database);

    // The drill's identity reads this database's backups and its baseline; it writes nothing.
    const taskRoleProps: iam.RoleProps = {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      path: props.taskRolePath,
      description: `Restore drill of ${runner.database}: reads its runner backups and baseline`,
    };
    // The runner's backups of this database, and for pgBackRest its stanza's repository folders
    // (backup and archive: the restore and the recovery's archive-get read them).
    const readPrefixes = [`${prefix}/${runner.database}`, ...(pgBackRest ? runner.keyPrefixes.filter((p) => !p.startsWith(`${prefix}/${runner.database}/`)) : [])];
    const backups = readPrefixes.map((p) => props.backupBucket.bucket.arnForObjects(`${p}/*`));
    const baselineObject = props.baselineBucket.arnForObjects(objectKey);
    const statements = [
      new iam.PolicyStatement({ sid: 'ReadBackups', actions: ['s3:GetObject'], resources: backups }),
      new iam.PolicyStatement({
        sid: 'ListBackups', actions: ['s3:ListBucket'], resources: [props.backupBucket.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': readPrefixes.flatMap((p) => [`${p}/*`, `${p}/`]) } },
      }),
      new iam.PolicyStatement({ sid: 'DecryptBackups', actions: ['kms:Decrypt'], resources: [props.backupBucket.encryptionKey.keyArn] }),
      new iam.PolicyStatement({ sid: 'ReadBaseline', actions: ['s3:GetObject'], resources: [baselineObject] }),
      new iam.PolicyStatement({ sid: 'DecryptBaseline', actions: ['kms:Decrypt'], resources: [props.baselineEncryptionKey.keyArn] }),
    ];
    const folders = pgBackRest ? ' and its pgBackRest stanza\'s repository folders' : '';
    if (props.policyPool) {
      // Shared with the other databases' drills: the statements name this database through the role's tag.
      const role = new DatabaseRole(this, 'TaskRole', { ...taskRoleProps, database: runner.database, policyPool: props.policyPool });
      for (const st of statements) role.addToPrincipalPolicy(st);
      for (const b of backups) {
        role.acknowledgeWildcardResource(b, `Backup object names carry the backup id chosen at backup time; the prefix, named through the role's own database tag, limits reads to that database's runner backups${folders}`);
      }
      this.taskRole = role;
      this.policyDependable = props.policyPool;
    } else {
      this.taskRole = new iam.Role(this, 'TaskRole', taskRoleProps);
      // A customer-managed policy: inline policies fail the HIPAA/NIST/PCI IAMNoInlinePolicy rule.
      const policy = new iam.ManagedPolicy(this, 'Policy', {
        roles: [this.taskRole],
        description: `Restore drill of ${runner.database}: read-only`,
        statements,
      });
      for (const b of backups) {
        acknowledgeWildcardResource(policy, b,
          `Backup object names carry the backup id chosen at backup time; the prefix limits reads to ${runner.database}'s runner backups${folders}`);
      }
      this.policy = policy;
      this.policyDependable = policy;
    }

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu ?? 2048,
      memoryLimitMiB: props.memoryLimitMiB ?? 8192,
      ephemeralStorageGiB: eph,
      runtimePlatform: { cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      taskRole: this.taskRole,
      executionRole: runner.executionRole,
    });
    this.taskDefinition.addContainer(CONTAINER, {
      image: props.image ?? defaultImage(props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64),
      command: [
        'drill', '--db-name', props.databaseName,
        '--baseline-uri', `s3://${props.baselineBucket.bucketName}/${objectKey}`,
        '--row-count-absolute-tolerance', String(props.rowCountAbsoluteTolerance ?? 0),
        '--row-count-growth-rate-per-day', String(props.rowCountGrowthRatePerDay ?? 0.05),
        ...objectives,
      ],
      environment: {
        [RUNNER_ENV.engine]: runner.engine,
        [RUNNER_ENV.database]: runner.database,
        [RUNNER_ENV.s3Bucket]: props.backupBucket.bucket.bucketName,
        [RUNNER_ENV.s3Prefix]: prefix,
        [RUNNER_ENV.region]: stack.region,
        [RUNNER_ENV.spoolDir]: `${DRILL_DIR}/spool`,
        RUNNER_DRILL_DIR: DRILL_DIR,
        // pgBackRest: the runner's repository settings (no secret in them).
        ...(pgBackRest ? { [PGBACKREST_RUNNER_ENV.settings]: pgBackRest.settings } : {}),
      },
      // The repository's cipher passphrase, read at task start by the runner's execution role (already granted it).
      ...(pgBackRest ? { secrets: { [PGBACKREST_RUNNER_ENV.cipherPass]: pgBackRest.cipherPass } } : {}),
      logging: ecs.LogDrivers.awsLogs({ logGroup: runner.logGroup, streamPrefix: `${runner.database}-drill` }),
      essential: true,
      stopTimeout: Duration.seconds(60),
    });
    acknowledge(this.taskDefinition, [
      ['AwsSolutions-ECS2', pgBackRest
        ? 'The environment holds only non-secret drill settings (engine, database name, bucket, prefix, scratch paths, pgBackRest repository settings); the cipher passphrase is a Secrets Manager secret of the task'
        : 'The environment holds only non-secret drill settings (engine, database name, bucket, prefix, scratch paths); the drill needs no secret: it restores into its own scratch server'],
    ]);

    const dlqKey = runner.deadLetterQueue.encryptionMasterKey;
    const grants: Array<[string, iam.PolicyStatementProps]> = [
      ['RunDrillTask', { actions: ['ecs:RunTask'], resources: [this.taskDefinition.taskDefinitionArn], conditions: { ArnEquals: { 'ecs:cluster': runner.cluster.clusterArn } } }],
      ['PassTaskRoles', { actions: ['iam:PassRole'], resources: [this.taskRole.roleArn, runner.executionRole.roleArn] }],
      ['DeadLetters', { actions: ['sqs:SendMessage'], resources: [runner.deadLetterQueue.queueArn] }],
      ...(dlqKey ? [['DeadLetterKey', { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [dlqKey.keyArn] }] as [string, iam.PolicyStatementProps]] : []),
    ];
    // A given scheduler role (e.g. the one of the database's runners) gets the statements in its
    // own policy (without statement ids, which must be unique there); else the drill has its own
    // role on a managed policy (the stack-wide role CDK would share gets inline policies).
    let schedulerRole: iam.IRole;
    let schedulerPolicy: IDependable | undefined;
    if (props.schedulerRole) {
      schedulerRole = props.schedulerRole;
      for (const [, st] of grants) schedulerPolicy = schedulerRole.addToPrincipalPolicy(new iam.PolicyStatement(st)).policyDependable ?? schedulerPolicy;
    } else {
      const own = new iam.Role(this, 'SchedulerRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
        description: `Starts the restore drill task of ${runner.database}`,
      });
      schedulerRole = own;
      schedulerPolicy = new iam.ManagedPolicy(this, 'SchedulerPolicy', {
        roles: [own],
        description: `Starts the restore drill task of ${runner.database}`,
        statements: grants.map(([sid, st]) => new iam.PolicyStatement({ sid, ...st })),
      });
    }
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: props.schedule ?? scheduler.ScheduleExpression.cron({ minute: '0', hour: '5', weekDay: 'SUN' }),
      description: `Restore drill of ${runner.database} (${runner.engine})`,
      target: new targets.EcsRunFargateTask(runner.cluster, {
        taskDefinition: this.taskDefinition,
        vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: runner.connections.securityGroups,
        assignPublicIp: false,
        deadLetterQueue: runner.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        role: schedulerRole instanceof iam.Role ? schedulerRole.withoutPolicyUpdates() : schedulerRole,
      }),
    });
    if (schedulerPolicy) this.schedule.node.addDependency(schedulerPolicy);
  }

  /** `VerificationSuccess` of this database's drills. @default sum over 5 minutes */
  public metricDrillSuccess(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return VerificationMetrics.success(this.database, props);
  }

  /** `VerificationFailure` of this database's drills. @default sum over 5 minutes */
  public metricDrillFailure(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return VerificationMetrics.failure(this.database, props);
  }

  /** `MeasuredRtoSeconds`: restore start to a verified copy. @default maximum over 5 minutes */
  public metricMeasuredRto(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return VerificationMetrics.measuredRto(this.database, props);
  }

  /** `RestoredDataAgeSeconds`: age of the drilled backup. @default maximum over 5 minutes */
  public metricRestoredDataAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return VerificationMetrics.restoredDataAge(this.database, props);
  }
}

/** What a pgBackRest runner's tasks get that its restore needs: the settings value and the cipher passphrase secret. */
interface PgBackRestDrillInputs {
  readonly settings: string;
  readonly cipherPass: ecs.Secret;
}

/**
 * The pgBackRest settings (environment) and cipher passphrase (task secret) the runner's tasks start
 * with, so the drill restores with exactly what the backups were taken with. The passphrase is read
 * at task start by the runner's execution role, which the drill reuses. No TLS identity: the restore
 * reads the repository itself and never reaches the database host.
 */
function pgBackRestOf(runner: BackupRunner, problems: string[]): PgBackRestDrillInputs | undefined {
  const settings = runner.containerEnvironment[PGBACKREST_RUNNER_ENV.settings];
  const cipherPass = runner.containerSecrets[PGBACKREST_RUNNER_ENV.cipherPass];
  if (!settings) problems.push(`runner: the pgBackRest runner ${runner.node.path} has no ${PGBACKREST_RUNNER_ENV.settings} in its tasks (create it with BackupRunner.pgBackRest)`);
  if (!cipherPass) problems.push(`runner: the pgBackRest runner ${runner.node.path} has no ${PGBACKREST_RUNNER_ENV.cipherPass} secret in its tasks (create it with BackupRunner.pgBackRest)`);
  return settings && cipherPass ? { settings, cipherPass } : undefined;
}

function defaultImage(arch: ecs.CpuArchitecture): ecs.ContainerImage {
  const dir = bundlePath('runner');
  if (!existsSync(path.join(dir, 'Dockerfile')) || !existsSync(path.join(dir, 'runner.js'))) {
    throw new ConfigurationError('RunnerDrill image', [`the runner image bundle is missing at ${dir} (Dockerfile and runner.js): run npm run bundle`]);
  }
  return ecs.ContainerImage.fromAsset(dir, { platform: arch === ecs.CpuArchitecture.X86_64 ? ecrAssets.Platform.LINUX_AMD64 : ecrAssets.Platform.LINUX_ARM64 });
}

/** `--<kind>-objective-seconds N` of a resolved objective of at least 1 s; a problem otherwise. */
function objectiveArgs(kind: 'rto' | 'rpo', d: Duration | undefined, problems: string[]): string[] {
  if (d === undefined) return [];
  if (d.isUnresolved()) {
    problems.push(`${kind} must be a resolved duration (the drill task's command line carries it), got a token`);
    return [];
  }
  const seconds = d.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 1) {
    problems.push(`${kind} must be a whole number of seconds, at least 1, got ${seconds} s`);
    return [];
  }
  return [`--${kind}-objective-seconds`, String(seconds)];
}
