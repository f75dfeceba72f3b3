/**
 * Builds the DR app from a validated plan: the DR-region stack (DR vault, replica bucket) and the
 * primary-region stack (vault, bucket, roles, AWS Backup protection of RDS/Aurora, runner tasks of
 * the self-managed databases and of logical dumps, restore verification, audit framework,
 * monitoring). `bin/app.ts` is a thin CLI around this; tests and users' apps call it directly.
 */
import { Annotations, App, Duration, Stack, aws_ec2 as ec2, aws_events as events, aws_scheduler as scheduler, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { ConfigurationError } from '../errors';
import { VaultLockOptions } from '../storage';
import {
  ArchiveTool, BackupPlanConfig, CheckExpect, DatabaseConfig, DatabaseEngine, DeploymentKind,
  FeasibilityResult, PlanVerificationCheck, TierKind, VaultLockMode, assessPlan, databasePath,
} from '../plan';
import { BackupMonitoring } from '../monitoring';
import { BackupAuditFramework, DatabaseProtection, protectedDatabaseFromPlan, protectionOptionsFromPlan } from '../protection';
import { BackupRunner, RunnerEngine } from '../runner';
import { BaselineCapture, CheckExpectation, RestoreVerification, RunnerDrill, VerificationCheck, VerifiedDatabase, VerifiedEngine } from '../verification';
import { BackupVault } from '../storage';
import { acknowledge } from '../storage/acknowledgements';
import { DrRegionStack } from './dr-region-stack';
import { PrimaryRegionStack } from './primary-region-stack';

/** Options of {@link buildDrApp}. */
export interface DrAppOptions {
  /**
   * Prefix of the two stacks' construct ids (`<prefix>-Primary`, `<prefix>-Dr`).
   * @default 'CdkDatabaseDr'
   */
  readonly stackIdPrefix?: string;
}

/** What {@link buildDrApp} built. */
export interface DrApp {
  readonly plan: BackupPlanConfig;
  readonly assessment: FeasibilityResult;
  readonly primary: PrimaryRegionStack;
  readonly dr: DrRegionStack;
  readonly protections: DatabaseProtection[];
  readonly runners: BackupRunner[];
  readonly verification?: RestoreVerification;
  readonly drills: RunnerDrill[];
  readonly audit?: BackupAuditFramework;
  readonly monitoring: BackupMonitoring;
}

/** Where the runner keeps its backups: `<prefix>/<database>/<engine>/<backup id>/`. */
const RUNNER_PREFIX = 'runner';

function vaultLockOf(plan: BackupPlanConfig): VaultLockOptions | undefined {
  const lock = plan.vaultLock;
  if (!lock) return undefined;
  return {
    minRetention: Duration.days(lock.minRetentionDays),
    maxRetention: lock.maxRetentionDays !== undefined ? Duration.days(lock.maxRetentionDays) : undefined,
    changeableFor: lock.mode === VaultLockMode.COMPLIANCE && lock.changeableForHours !== undefined
      ? Duration.hours(lock.changeableForHours) : undefined,
  };
}

/** A secret given by ARN: complete ARNs end with AWS's six-character suffix. */
function importSecret(stack: Stack, id: string, arn: string): secretsmanager.ISecret {
  return /-[A-Za-z0-9]{6}$/.test(arn)
    ? secretsmanager.Secret.fromSecretCompleteArn(stack, id, arn)
    : secretsmanager.Secret.fromSecretPartialArn(stack, id, arn);
}

/** An EventBridge Scheduler cron from an AWS cron(...) expression of the plan (UTC). */
function schedulerCron(expression: string): scheduler.ScheduleExpression {
  return scheduler.ScheduleExpression.expression(expression);
}

function checkExpectation(c: PlanVerificationCheck): VerificationCheck {
  const expect: Record<CheckExpect, CheckExpectation> = {
    [CheckExpect.EQUALS]: CheckExpectation.EQUALS,
    [CheckExpect.AT_LEAST]: CheckExpectation.AT_LEAST,
    [CheckExpect.NOT_EMPTY]: CheckExpectation.NOT_EMPTY,
    [CheckExpect.NEWER_THAN]: CheckExpectation.NEWER_THAN,
  };
  return {
    name: c.name,
    sql: c.sql,
    expect: expect[c.expect],
    value: c.expected,
    maxAge: c.maxAgeMinutes !== undefined ? Duration.minutes(c.maxAgeMinutes) : undefined,
  };
}

function verifiedEngine(db: DatabaseConfig): VerifiedEngine | undefined {
  if (db.engine === DatabaseEngine.POSTGRES) return VerifiedEngine.POSTGRESQL;
  if (db.engine === DatabaseEngine.MYSQL || db.engine === DatabaseEngine.MARIADB) return VerifiedEngine.MYSQL;
  return undefined;
}

/** The runner engine of a database's logical tier. */
function logicalEngine(db: DatabaseConfig): RunnerEngine {
  switch (db.engine) {
    case DatabaseEngine.POSTGRES: return RunnerEngine.PG_DUMP;
    case DatabaseEngine.MONGODB: return RunnerEngine.MONGODUMP;
    default: return RunnerEngine.MYSQLDUMP;
  }
}

/** A CloudWatch-friendly construct id from a database name. */
function idOf(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '-');
}

/**
 * Builds both stacks of the DR app from a plan (already validated by `loadPlanFile`/`parsePlan`).
 */
export function buildDrApp(app: App, plan: BackupPlanConfig, options: DrAppOptions = {}): DrApp {
  const prefix = options.stackIdPrefix ?? 'CdkDatabaseDr';
  const assessment = assessPlan(plan);
  const lock = vaultLockOf(plan);
  // Each stack has one alarm topic with the plan's subscriber (a topic of the plan's is in the primary Region).
  const dr = new DrRegionStack(app, `${prefix}-Dr`, { account: plan.account, region: plan.drRegion, vaultLock: lock, alarmEmail: plan.alarmEmail });
  const primary = new PrimaryRegionStack(app, `${prefix}-Primary`, {
    account: plan.account, region: plan.primaryRegion, dr, vaultLock: lock, alarmEmail: plan.alarmEmail, alarmTopicArn: plan.snsTopicArn,
  });
  for (const [key, value] of Object.entries(plan.tags)) {
    for (const stack of [primary, dr]) {
      stack.tags.setTag(key, value);
    }
  }

  const vpc = plan.network && ec2.Vpc.fromVpcAttributes(primary, 'Vpc', {
    vpcId: plan.network.vpcId,
    availabilityZones: plan.network.availabilityZones,
    privateSubnetIds: plan.network.privateSubnetIds,
  });
  if (vpc) {
    // Nothing in the app reads subnet route tables (no gateway endpoints, no routes are added).
    Annotations.of(vpc).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'The DR app only places tasks, functions and restored instances in these subnets; it never reads or changes their route tables');
  }
  const drVault = BackupVault.fromBackupVaultArn(primary, 'DrVaultRef', dr.vault.backupVaultArn);
  const crossAccountVault = plan.drVaultArn ? BackupVault.fromBackupVaultArn(primary, 'CrossAccountDrVault', plan.drVaultArn) : undefined;

  const protections: DatabaseProtection[] = [];
  const runners: BackupRunner[] = [];
  const drills: RunnerDrill[] = [];
  const verified: VerifiedDatabase[] = [];
  const protectionsOf: Array<{ database: string; protection: DatabaseProtection }> = [];
  const drillsToBuild: { db: DatabaseConfig; runner: BackupRunner }[] = [];

  for (const a of assessment.databases) {
    const db = a.database;
    const id = idOf(db.name);
    const managed = db.deployment !== DeploymentKind.SELF_MANAGED;
    const dbRunners: BackupRunner[] = [];

    if (managed) {
      const database = protectedDatabaseFromPlan(db);
      if (!database) {
        // The schema lets a plan omit the ARN when the app defines the database; this app does not.
        throw new ConfigurationError(`${plan.sourceName}: invalid for the DR app`, [
          `${databasePath(db)}.existing_resource_arn: required by the DR app for "${db.name}" (${db.deployment}): it protects existing databases by ARN, got nothing`,
        ]);
      }
      const protection = new DatabaseProtection(primary, `Protect-${id}`, {
        ...protectionOptionsFromPlan(db),
        database,
        vault: primary.vault,
        drVault,
        crossAccountVault,
        backupRole: primary.roles.backupRole,
      });
      protections.push(protection);
      protectionsOf.push({ database: db.name, protection });
    }

    if (vpc && db.host) {
      const password = importSecret(primary, `${id}-BackupUserSecret`, db.host.secretArn);
      const connection = {
        database: db.name,
        backupBucket: primary.bucket,
        vpc,
        s3Prefix: RUNNER_PREFIX,
        host: db.host.address,
        port: db.host.port,
        user: db.host.user,
        databaseName: db.host.databaseNames[0],
        passwordSecret: password,
      };
      if (a.logicalBackup || !managed) {
        const engine = logicalEngine(db);
        // The plan's cron drives the dump; the engine's other default jobs (expire) stay.
        const schedules = [
          { backupType: 'full', schedule: schedulerCron(db.scheduleCron) },
          ...BackupRunner.defaultSchedules(engine).filter((s) => s.command !== undefined),
        ];
        const factory = engine === RunnerEngine.PG_DUMP ? BackupRunner.pgDump
          : engine === RunnerEngine.MONGODUMP ? BackupRunner.mongoDump : BackupRunner.mysqlDump;
        const logical = factory(primary, `${id}-Dump`, { ...connection, schedules });
        dbRunners.push(logical);
      }
      if (!managed && db.engine === DatabaseEngine.POSTGRES && db.archive === ArchiveTool.PGBACKREST && db.host.tlsSecretArn) {
        // The repository cipher passphrase is generated in Secrets Manager: it never appears in the
        // template, the task definition or a log.
        const cipher = new secretsmanager.Secret(primary, `${id}-PgBackRestCipher`, {
          description: `pgBackRest repository cipher passphrase of ${db.name} (rotating it makes older backups unreadable)`,
          encryptionKey: primary.bucket.encryptionKey,
          generateSecretString: { passwordLength: 64, excludePunctuation: true },
        });
        const noRotation = 'The pgBackRest repository cipher passphrase encrypts every backup already in the repository; '
          + 'rotating it would make those backups unreadable (pgBackRest cannot re-key a repository), so it is generated once and never rotated';
        acknowledge(cipher, [
          ['AwsSolutions-SMG4', noRotation],
          ['HIPAA.Security-SecretsManagerRotationEnabled', noRotation],
          ['NIST.800.53.R5-SecretsManagerRotationEnabled', noRotation],
          ['PCI.DSS.321-SecretsManagerRotationEnabled', noRotation],
        ]);
        dbRunners.push(BackupRunner.pgBackRest(primary, `${id}-PgBackRest`, {
          database: db.name,
          backupBucket: primary.bucket,
          vpc,
          stanza: db.name,
          databaseHost: { address: db.host.address, pgPath: db.host.pgDataPath, pgPort: db.host.port },
          cipherPassphrase: cipher,
          tlsIdentity: importSecret(primary, `${id}-PgBackRestTls`, db.host.tlsSecretArn),
        }));
      }
      if (!managed && a.tiers.some((t) => t.kind === TierKind.PHYSICAL && (t.tool === 'mariabackup' || t.tool === 'xtrabackup'))) {
        Annotations.of(primary).addWarningV2(`cdk-database-dr:host-side-physical-${db.name}`,
          `${db.name}: the physical tier (${db.engine === DatabaseEngine.MARIADB ? 'mariabackup' : 'xtrabackup'}) reads InnoDB files and runs on the database host with the runner CLI (runner/src/engines/mariabackup/README.md); this app deploys its logical tier only`);
      }
      runners.push(...dbRunners);
    }

    if (db.verification && vpc) {
      const engine = verifiedEngine(db);
      if (managed && engine && db.existingResourceArn && db.verification.masterSecretArn && db.verification.readOnlySecretArn) {
        verified.push({
          name: db.name,
          database: protectedDatabaseFromPlan(db)!,
          engine,
          databaseName: db.verification.databaseName ?? db.name,
          masterSecret: importSecret(primary, `${id}-MasterSecret`, db.verification.masterSecretArn),
          readOnlySecret: importSecret(primary, `${id}-ReadOnlySecret`, db.verification.readOnlySecretArn),
          checks: db.verification.checks.map(checkExpectation),
        });
      }
      const drillable = dbRunners.find((r) => r.engine === RunnerEngine.PG_DUMP || r.engine === RunnerEngine.MYSQLDUMP);
      if (!managed && drillable) {
        drillsToBuild.push({ db, runner: drillable });
      }
    }
  }

  let verification: RestoreVerification | undefined;
  let selfManagedBaselines: BaselineCapture | undefined;
  if (vpc && verified.length > 0) {
    const first = plan.databases.find((d) => d.verification && d.deployment !== DeploymentKind.SELF_MANAGED);
    verification = new RestoreVerification(primary, 'RestoreVerification', {
      vaults: [primary.vault],
      databases: verified,
      vpc,
      schedule: first?.verification ? events.Schedule.expression(first.verification.scheduleCron) : undefined,
      maxTimeWithoutSuccess: Duration.days(Math.min(7, first?.verification?.maxAgeDays ?? 7)),
    });
  }
  if (vpc && drillsToBuild.length > 0) {
    const baselines = selfManagedBaselines = new BaselineCapture(primary, 'SelfManagedBaselines', {
      vpc,
      databases: drillsToBuild.map(({ db }) => ({
        name: db.name,
        engine: verifiedEngine(db)!,
        databaseName: db.verification?.databaseName ?? db.host?.databaseNames[0] ?? db.name,
        readOnlySecret: importSecret(primary, `${idOf(db.name)}-BaselineSecret`, db.host!.secretArn),
        host: db.host!.address,
        port: db.host!.port,
        checks: (db.verification?.checks ?? []).map(checkExpectation),
      })),
    });
    for (const { db, runner } of drillsToBuild) {
      drills.push(new RunnerDrill(primary, `${idOf(db.name)}-Drill`, {
        runner,
        backupBucket: primary.bucket,
        baselineBucket: baselines.baselineBucket,
        baselineEncryptionKey: baselines.baselineEncryptionKey,
        baselineObjectKey: baselines.baselineObjectKey(db.name),
        databaseName: db.verification?.databaseName ?? db.host?.databaseNames[0] ?? db.name,
        schedule: db.verification ? schedulerCron(db.verification.scheduleCron) : undefined,
        maxTimeWithoutSuccess: Duration.days(Math.min(7, db.verification?.maxAgeDays ?? 7)),
        s3Prefix: RUNNER_PREFIX,
      }));
    }
  }

  let audit: BackupAuditFramework | undefined;
  const managedDbs = plan.databases.filter((d) => d.deployment !== DeploymentKind.SELF_MANAGED);
  if (plan.auditEnabled && managedDbs.length > 0) {
    audit = new BackupAuditFramework(primary, 'Audit', {
      rpo: Duration.minutes(Math.min(...managedDbs.map((d) => d.rpoMinutes))),
      minRetention: Duration.days(Math.min(...managedDbs.map((d) => d.retention.dailyDays))),
      vaultLockMinRetention: lock?.minRetention,
      vaultLockMaxRetention: lock?.maxRetention,
      crossRegions: [plan.drRegion],
      reportBucket: primary.bucket.logBucket,
    });
  }

  // Monitoring derives what it watches from the constructs; the objectives are the plan's, given once.
  const monitoring = new BackupMonitoring(primary, 'Monitoring', {
    planName: plan.name,
    alarmTopic: primary.alarmTopic,
    databases: plan.databases.map((d) => ({ name: d.name, rpo: Duration.minutes(d.rpoMinutes), rto: Duration.minutes(d.rtoMinutes) })),
    protections: protectionsOf.map(({ database, protection }) => ({ database, protection })),
    runners: runners.map((runner) => ({ runner })),
    replications: runners.length > 0 ? [primary.bucket] : [],
  });
  const maxAge = (name: string) => Duration.days(plan.databases.find((d) => d.name === name)?.verification?.maxAgeDays ?? 7);
  if (verification) monitoring.addVerification(verification, { maxAge: maxAge(verification.databaseNames[0]) });
  for (const drill of drills) monitoring.addDrill(drill, { maxAge: maxAge(drill.database) });
  if (selfManagedBaselines) monitoring.addBaselineCapture(selfManagedBaselines);

  return { plan, assessment, primary, dr, protections, runners, verification, drills, audit, monitoring };
}
