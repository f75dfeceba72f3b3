/**
 * Builds the DR app from a validated plan: the DR-region stack (DR vault, replica bucket) and the
 * primary-region stack (vault, bucket, roles, AWS Backup protection of RDS/Aurora, runner tasks of
 * the self-managed databases and of logical dumps, restore verification, audit framework,
 * monitoring). `bin/app.ts` is a thin CLI around this; tests and users' apps call it directly.
 */
import { Annotations, App, Duration, aws_ec2 as ec2, aws_events as events } from 'aws-cdk-lib';
import { BackupPlanConfig, DeploymentKind, FeasibilityResult, assessPlan } from '../plan';
import { BackupMonitoring } from '../monitoring';
import { BackupAuditFramework, DatabaseProtection } from '../protection';
import { BackupRunner, RunnerInfrastructure } from '../runner';
import { BaselineCapture, RestoreVerification, RunnerDrill } from '../verification';
import { ConfigurationError } from '../errors';
import { BackupVault } from '../storage';
import { AppContext, CompiledDatabase, compileDatabase } from './compile-database';
import { DrRegionStack } from './dr-region-stack';
import { RUNNER_PREFIX, checkExpectation, runnerImageOf, idOf, importSecret, schedulerCron, vaultLockOf, verifiedEngine } from './plan-values';
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

/**
 * Builds both stacks of the DR app from a plan (already validated by `loadPlanFile`/`parsePlan`).
 */
export function buildDrApp(app: App, plan: BackupPlanConfig, options: DrAppOptions = {}): DrApp {
  const prefix = options.stackIdPrefix ?? 'CdkDatabaseDr';
  if (!plan.alarmEmail) {
    // Every alarm and vault notification must reach a person, in both Regions: a topic of the
    // plan's (sns_topic_arn) serves the primary Region only.
    throw new ConfigurationError(`${plan.sourceName}: invalid for the DR app`, [
      `alarm_email: required by the DR app: the alarm topics of the primary (${plan.primaryRegion}) and DR (${plan.drRegion}) stacks each need a subscriber${plan.snsTopicArn ? ' (sns_topic_arn serves the primary Region only)' : ''}, got nothing`,
    ]);
  }
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

  const runnerImage = plan.runnerImage ? runnerImageOf(primary, plan.runnerImage) : undefined;
  // One cluster, key, log group, dead-letter queue and security group for every runner and drill.
  const runnerInfrastructure = vpc && plan.databases.some((d) => d.host) ? new RunnerInfrastructure(primary, 'Runners', { vpc }) : undefined;
  const ctx: AppContext = { plan, primary, dr, vpc, drVault, crossAccountVault, runnerImage, runnerInfrastructure };
  const compiled: CompiledDatabase[] = assessment.databases.map((a) => compileDatabase(ctx, a));
  const protections = compiled.flatMap((c) => (c.protection ? [c.protection] : []));
  const runners = compiled.flatMap((c) => c.runners);
  const verified = compiled.flatMap((c) => (c.verified ? [c.verified] : []));
  const drillsToBuild = compiled.flatMap((c) => (c.drillRunner ? [{ db: c.assessment.database, runner: c.drillRunner }] : []));
  const drills: RunnerDrill[] = [];

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
        image: runnerImage,
        // The database's runners' scheduler role starts its drill too.
        schedulerRole: runnerInfrastructure ? runner.schedulerRole : undefined,
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

  // Monitoring derives what it watches from the constructs; each database's objectives are the plan's, given once.
  const monitoring = new BackupMonitoring(primary, 'Monitoring', {
    planName: plan.name,
    alarmTopic: primary.alarmTopic,
    databases: plan.databases.map((d) => ({ name: d.name, rpo: Duration.minutes(d.rpoMinutes), rto: Duration.minutes(d.rtoMinutes) })),
    protections: compiled.flatMap((c) => (c.protection ? [{ protection: c.protection, database: c.assessment.database.name }] : [])),
    runners: runners.map((runner) => ({ runner })),
    // The backup bucket's replication is one series, alarmed once.
    replications: runners.length > 0 ? [primary.bucket] : [],
    baselineCaptures: selfManagedBaselines ? [selfManagedBaselines] : [],
  });
  // The plan's max_age_days is the verification window (RestoreVerification and RunnerDrill cap theirs at 7 days).
  const maxAge = (name: string) => Duration.days(plan.databases.find((d) => d.name === name)?.verification?.maxAgeDays ?? 7);
  if (verification) monitoring.addVerification(verification, { maxAge: maxAge(verification.databaseNames[0]) });
  for (const drill of drills) monitoring.addDrill(drill, { maxAge: maxAge(drill.database) });

  return { plan, assessment, primary, dr, protections, runners, verification, drills, audit, monitoring };
}
