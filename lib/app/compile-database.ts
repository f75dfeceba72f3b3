/**
 * One database of the plan compiled into constructs, by the tiers `lib/plan` decided for it (the
 * builder never decides a tier again): AWS Backup tiers become a DatabaseProtection, each engine
 * tier a BackupRunner of that engine (the engine catalog says where it runs), and restore
 * verification records what the shared RestoreVerification and drills need.
 */
import { Annotations, Stack, aws_ec2 as ec2, aws_ecs as ecs, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { ConfigurationError } from '../errors';
import { BackupPlanConfig, DatabaseAssessment, DatabaseConfig, DeploymentKind, TierDecision, TierKind, databasePath } from '../plan';
import { DatabaseProtection, protectedDatabaseFromPlan, protectionOptionsFromPlan } from '../protection';
import { BackupRunner, DatabaseConnectionProps, RunnerEngine, RunnerInfrastructure, RunnerRoles, RunnerSchedule } from '../runner';
import { IBackupVault } from '../storage';
import { acknowledge } from '../storage/acknowledgements';
import { VerifiedDatabase } from '../verification';
import { findEngine, type EngineRecord } from '../../runtime/engines';
import { DrRegionStack } from './dr-region-stack';
import { RUNNER_PREFIX, checkExpectation, idOf, importSecret, schedulerCron, verifiedEngine } from './plan-values';
import { PrimaryRegionStack } from './primary-region-stack';

/** What every database of the app shares. */
export interface AppContext {
  readonly plan: BackupPlanConfig;
  readonly primary: PrimaryRegionStack;
  /** Where the database's constructs go: its database stack (nested in the primary stack). */
  readonly scope: Stack;
  readonly dr: DrRegionStack;
  readonly vpc?: ec2.IVpc;
  readonly drVault: IBackupVault;
  readonly crossAccountVault?: IBackupVault;
  /** The plan's pre-built runner image; undefined: the bundled Dockerfile. */
  readonly runnerImage?: ecs.ContainerImage;
  /** What every runner of the app shares (cluster, key, logs, dead-letter queue, security group). */
  readonly runnerInfrastructure?: RunnerInfrastructure;
  /** The stack's protection holding the backup plan of each set of objectives (filled as databases compile). */
  readonly sharedPlans: Map<string, DatabaseProtection>;
}

/**
 * The shared runner pieces as BackupRunner props: the stack's (cluster, key, logs, queue, security
 * group, execution role) and the database's own roles, shared by its runners only.
 */
function sharedRunnerProps(ctx: AppContext, db: DatabaseConfig) {
  const infra = ctx.runnerInfrastructure;
  if (!infra) return {};
  const id = `${idOf(db.name)}-RunnerRoles`;
  const roles = (ctx.scope.node.tryFindChild(id) as RunnerRoles | undefined)
    ?? new RunnerRoles(ctx.scope, id, { database: db.name, path: infra.taskRolePath, schedulerRole: infra.schedulerRole, policyPool: infra.databasePolicies });
  return {
    cluster: infra.cluster,
    encryptionKey: infra.encryptionKey,
    logGroup: infra.logGroup,
    deadLetterQueue: infra.deadLetterQueue,
    securityGroups: [infra.securityGroup],
    executionRole: infra.executionRole,
    backupRole: roles.backupRole,
    expireRole: roles.expireRole,
    schedulerRole: roles.schedulerRole,
  };
}

/** What one database compiled into. */
export interface CompiledDatabase {
  readonly assessment: DatabaseAssessment;
  readonly protection?: DatabaseProtection;
  readonly runners: BackupRunner[];
  /** Its entry of the shared AWS Backup restore verification (rds/aurora). */
  readonly verified?: VerifiedDatabase;
  /** The runner whose backups a restore drill proves (self-managed). */
  readonly drillRunner?: BackupRunner;
}

/** The tiers AWS Backup takes. */
export const AWS_BACKUP_TIERS: readonly TierKind[] = [TierKind.CONTINUOUS, TierKind.SNAPSHOT];

export function compileDatabase(ctx: AppContext, a: DatabaseAssessment): CompiledDatabase {
  const db = a.database;
  const protection = a.tiers.some((t) => AWS_BACKUP_TIERS.includes(t.kind)) ? protect(ctx, db) : undefined;
  const runners: BackupRunner[] = [];
  // One runner per engine: pgBackRest's archive and physical tiers are one runner.
  for (const engine of runnerEngines(a.tiers)) {
    const runner = buildRunner(ctx, db, engine);
    if (runner) runners.push(runner);
  }
  return {
    assessment: a,
    protection,
    runners,
    verified: verifiedDatabase(ctx, db),
    drillRunner: db.verification && ctx.vpc && db.deployment === DeploymentKind.SELF_MANAGED
      ? drilledRunner(runners, a.recoveryTier?.tool) : undefined,
  };
}

/** The catalog engines of a database's tiers, each once: the logical engine first, then in tier order. */
export function runnerEngines(tiers: TierDecision[]): EngineRecord[] {
  const out: EngineRecord[] = [];
  for (const t of [...tiers].sort((x, y) => Number(y.kind === TierKind.LOGICAL) - Number(x.kind === TierKind.LOGICAL))) {
    const e = findEngine(t.tool);
    if (e && !out.includes(e)) out.push(e);
  }
  return out;
}

/**
 * The runner a drill proves: the one of the tier the feasibility model's RTO estimate restores from
 * (e.g. pgBackRest and its WAL archive for a self-managed PostgreSQL), so the drill measures the RTO
 * of the path the estimate promises; else the first runner whose engine can be drilled.
 */
function drilledRunner(runners: BackupRunner[], recoveryTool: string | undefined): BackupRunner | undefined {
  const drillable = runners.filter((r) => findEngine(r.engine)?.drill);
  return drillable.find((r) => r.engine === recoveryTool) ?? drillable[0];
}

function protect(ctx: AppContext, db: DatabaseConfig): DatabaseProtection {
  const database = protectedDatabaseFromPlan(db);
  if (!database) {
    // Neither an ARN nor selection tags (the loader refuses such a plan; a hand-built config may not).
    throw new ConfigurationError(`${ctx.plan.sourceName}: invalid for the DR app`, [
      `${databasePath(db)}.existing_resource_arn: "${db.name}" (${db.deployment}) has neither an ARN nor selection tags to find it by, got nothing`,
    ]);
  }
  const options = protectionOptionsFromPlan(db);
  // Databases of one stack with the same objectives share one backup plan (each keeps its own
  // selection): AWS Backup allows 300 plans per Region and account. The first such database's
  // protection holds the plan, so adding a database never moves an existing plan.
  const objectives = JSON.stringify({
    rpoMinutes: options.rpo.toMinutes(), schedule: options.snapshotSchedule.expressionString, dailyDays: options.snapshotRetention.toDays(),
    weeklyDays: options.weeklyRetention?.toDays(), monthlyDays: options.monthlyRetention?.toDays(), continuous: options.continuousBackup,
  });
  const sharePlanWith = ctx.sharedPlans.get(objectives);
  const protection = new DatabaseProtection(ctx.scope, `Protect-${idOf(db.name)}`, {
    ...options,
    database,
    vault: ctx.primary.vault,
    drVault: ctx.drVault,
    crossAccountVault: ctx.crossAccountVault,
    backupRole: ctx.primary.roles.backupRole,
    sharePlanWith,
  });
  if (!sharePlanWith) ctx.sharedPlans.set(objectives, protection);
  return protection;
}

/**
 * How the DR app deploys one engine tier of a database: as a logical dump runner, as a pgBackRest
 * runner (it needs the host's TLS identity), or not at all (no VPC or host to reach it, a tier
 * that runs on the database host, or an engine this app has no runner for).
 */
export function deployedRunnerKind(db: DatabaseConfig, engine: EngineRecord, hasVpc: boolean): 'logical' | 'pgbackrest' | undefined {
  if (!hasVpc || !db.host || engine.placement === 'database-host') return undefined;
  if (engine.kind === 'logical') return 'logical';
  if (engine.name === RunnerEngine.PGBACKREST && db.host.tlsSecretArn) return 'pgbackrest';
  return undefined;
}

/** The jobs of a database's logical dump runner: the plan's cron drives the full dump; the engine's other default jobs (expire) stay. */
export function logicalRunnerSchedules(db: DatabaseConfig, engine: EngineRecord): RunnerSchedule[] {
  return [
    { backupType: 'full', schedule: schedulerCron(db.scheduleCron) },
    ...BackupRunner.defaultSchedules(engine.name as RunnerEngine).filter((s) => s.command !== undefined),
  ];
}

/** The runner of one engine tier, or undefined (with a warning) when this app cannot deploy it. */
function buildRunner(ctx: AppContext, db: DatabaseConfig, engine: EngineRecord): BackupRunner | undefined {
  const { primary, vpc, scope } = ctx;
  const kind = deployedRunnerKind(db, engine, vpc !== undefined);
  if (kind === 'pgbackrest') return pgBackRestRunner(ctx, db, db.host!.tlsSecretArn!);
  if (kind === 'logical') {
    const id = idOf(db.name);
    const host = db.host!;
    const connection: DatabaseConnectionProps = {
      ...sharedRunnerProps(ctx, db),
      database: db.name,
      backupBucket: primary.bucket,
      vpc: vpc!,
      s3Prefix: RUNNER_PREFIX,
      host: host.address,
      port: host.port,
      user: host.user,
      databaseName: host.databaseNames[0],
      passwordSecret: importSecret(scope, `${id}-BackupUserSecret`, host.secretArn),
      image: ctx.runnerImage,
      schedules: logicalRunnerSchedules(db, engine),
    };
    const preset = LOGICAL_PRESETS[engine.name];
    return preset(scope, `${id}-Dump`, connection);
  }
  if (!vpc || !db.host) return undefined;
  if (engine.placement === 'database-host') {
    Annotations.of(primary).addWarningV2(`cdk-database-dr:host-side-physical-${db.name}`,
      `${db.name}: the physical tier (${engine.name}) reads InnoDB files and runs on the database host with the runner CLI (runner/src/engines/mariabackup/README.md); this app deploys its other tiers only`);
    return undefined;
  }
  Annotations.of(primary).addWarningV2(`cdk-database-dr:undeployed-tier-${db.name}-${engine.name}`,
    `${db.name}: the ${engine.name} tier is in the plan's model but this app does not deploy ${engine.name} runners yet; run it with the runner CLI or compose a BackupRunner`);
  return undefined;
}

const LOGICAL_PRESETS: { [engine: string]: (scope: Stack, id: string, props: DatabaseConnectionProps) => BackupRunner } = {
  [RunnerEngine.PG_DUMP]: BackupRunner.pgDump,
  [RunnerEngine.MYSQLDUMP]: BackupRunner.mysqlDump,
  [RunnerEngine.MONGODUMP]: BackupRunner.mongoDump,
};

function pgBackRestRunner(ctx: AppContext, db: DatabaseConfig, tlsSecretArn: string): BackupRunner {
  const { primary, vpc, scope } = ctx;
  const id = idOf(db.name);
  // The repository cipher passphrase is generated in Secrets Manager: it never appears in the
  // template, the task definition or a log.
  const cipher = new secretsmanager.Secret(scope, `${id}-PgBackRestCipher`, {
    description: `pgBackRest repository cipher passphrase of ${db.name} (rotating it makes older backups unreadable)`,
    encryptionKey: primary.bucket.encryptionKey,
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
    // The replicated repository is unreadable without it: a recovery in the DR Region reads this replica.
    replicaRegions: [{ region: ctx.plan.drRegion, encryptionKey: ctx.dr.replicaBucket.encryptionKey }],
  });
  const noRotation = 'The pgBackRest repository cipher passphrase encrypts every backup already in the repository; '
    + 'rotating it would make those backups unreadable (pgBackRest cannot re-key a repository), so it is generated once and never rotated';
  acknowledge(cipher, [
    ['AwsSolutions-SMG4', noRotation],
    ['HIPAA.Security-SecretsManagerRotationEnabled', noRotation],
    ['NIST.800.53.R5-SecretsManagerRotationEnabled', noRotation],
    ['PCI.DSS.321-SecretsManagerRotationEnabled', noRotation],
  ]);
  return BackupRunner.pgBackRest(scope, `${id}-PgBackRest`, {
    ...sharedRunnerProps(ctx, db),
    database: db.name,
    backupBucket: primary.bucket,
    vpc: vpc!,
    stanza: db.name,
    databaseHost: { address: db.host!.address, pgPath: db.host!.pgDataPath, pgPort: db.host!.port },
    cipherPassphrase: cipher,
    tlsIdentity: importSecret(scope, `${id}-PgBackRestTls`, tlsSecretArn),
    image: ctx.runnerImage,
  });
}

/** A managed database's entry of the shared restore verification, when the plan verifies it. */
function verifiedDatabase(ctx: AppContext, db: DatabaseConfig): VerifiedDatabase | undefined {
  const v = db.verification;
  const engine = verifiedEngine(db);
  if (!v || !ctx.vpc || db.deployment === DeploymentKind.SELF_MANAGED || !engine || !v.masterSecretArn || !v.readOnlySecretArn) {
    return undefined;
  }
  const id = idOf(db.name);
  return {
    name: db.name,
    database: protectedDatabaseFromPlan(db)!,
    engine,
    databaseName: v.databaseName ?? db.name,
    masterSecret: importSecret(ctx.scope, `${id}-MasterSecret`, v.masterSecretArn),
    readOnlySecret: importSecret(ctx.scope, `${id}-ReadOnlySecret`, v.readOnlySecretArn),
    checks: v.checks.map(checkExpectation),
  };
}
