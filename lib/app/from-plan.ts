/**
 * Builds the DR app from a validated plan: the DR-region stack (DR vault, replica bucket) and the
 * primary-region stack (vault, bucket, roles, AWS Backup protection of RDS/Aurora, runner tasks of
 * the self-managed databases and of logical dumps, restore verification, audit framework,
 * monitoring). `bin/app.ts` is a thin CLI around this; tests and users' apps call it directly.
 */
import { Annotations, App, Duration, aws_ec2 as ec2, aws_events as events, aws_sns as sns, aws_sns_subscriptions as subscriptions } from 'aws-cdk-lib';
import { BackupPlanConfig, DatabaseAssessment, DeploymentKind, FeasibilityResult, assessPlan } from '../plan';
import { BackupMonitoring, BackupResourceType, MonitoredDatabase } from '../monitoring';
import { BackupAuditFramework, DatabaseProtection } from '../protection';
import { BackupRunner, RunnerEngine } from '../runner';
import { BaselineCapture, RestoreVerification, RunnerDrill } from '../verification';
import { BackupBucket, BackupVault } from '../storage';
import { AppContext, CompiledDatabase, compileDatabase } from './compile-database';
import { DrRegionStack } from './dr-region-stack';
import { RUNNER_PREFIX, checkExpectation, runnerImageOf, idOf, importSecret, rdsIdentifier, schedulerCron, vaultLockOf, verifiedEngine } from './plan-values';
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
  const assessment = assessPlan(plan);
  const lock = vaultLockOf(plan);
  const dr = new DrRegionStack(app, `${prefix}-Dr`, { account: plan.account, region: plan.drRegion, vaultLock: lock });
  const primary = new PrimaryRegionStack(app, `${prefix}-Primary`, { account: plan.account, region: plan.primaryRegion, dr, vaultLock: lock });
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
  const ctx: AppContext = { plan, primary, dr, vpc, drVault, crossAccountVault, runnerImage };
  const compiled: CompiledDatabase[] = assessment.databases.map((a) => compileDatabase(ctx, a));
  const protections = compiled.flatMap((c) => (c.protection ? [c.protection] : []));
  const runners = compiled.flatMap((c) => c.runners);
  const verified = compiled.flatMap((c) => (c.verified ? [c.verified] : []));
  const drillsToBuild = compiled.flatMap((c) => (c.drillRunner ? [{ db: c.assessment.database, runner: c.drillRunner }] : []));
  const drills: RunnerDrill[] = [];
  // The backup bucket's replication is one series: alarm on it once, with the first database that uses the bucket.
  const replicated = compiled.find((c) => c.runners.length > 0);
  const monitored: MonitoredDatabase[] = compiled.map((c) => monitoredDatabase(c.assessment, primary, dr, c.runners, c === replicated));

  let verification: RestoreVerification | undefined;
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
    const baselines = new BaselineCapture(primary, 'SelfManagedBaselines', {
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

  const topic = plan.snsTopicArn ? sns.Topic.fromTopicArn(primary, 'AlarmTopic', plan.snsTopicArn) : undefined;
  const monitoring = new BackupMonitoring(primary, 'Monitoring', { planName: plan.name, databases: monitored, topic });
  if (plan.alarmEmail && !topic) {
    monitoring.topic.addSubscription(new subscriptions.EmailSubscription(plan.alarmEmail));
  }

  return { plan, assessment, primary, dr, protections, runners, verification, drills, audit, monitoring };
}

/** What the monitoring watches for one database. */
function monitoredDatabase(a: DatabaseAssessment, primary: PrimaryRegionStack, dr: DrRegionStack, runners: BackupRunner[], replication: boolean): MonitoredDatabase {
  const db = a.database;
  const managed = db.deployment !== DeploymentKind.SELF_MANAGED;
  // A scheduled job is late after its longest gap plus an hour for its start and completion windows.
  const scheduleSlack = (a.schedule?.maxGapMinutes ?? db.rpoMinutes) + 60;
  const runner = runners[0];
  const pgbackrest = runners.find((r) => r.engine === RunnerEngine.PGBACKREST);
  return {
    name: db.name,
    rpo: Duration.minutes(db.rpoMinutes),
    rto: Duration.minutes(db.rtoMinutes),
    ...(managed ? {
      backupVaultNames: [primary.vault.backupVaultName],
      backupResourceType: db.deployment === DeploymentKind.AURORA ? BackupResourceType.AURORA : BackupResourceType.RDS,
      backupInterval: Duration.minutes(scheduleSlack),
      copyVaults: [{ vaultName: dr.vault.backupVaultName, region: dr.region }],
      ...(db.existingResourceArn && db.deployment === DeploymentKind.RDS ? { rdsInstanceIdentifier: rdsIdentifier(db.existingResourceArn) } : {}),
      ...(db.existingResourceArn && db.deployment === DeploymentKind.AURORA ? { auroraClusterIdentifier: rdsIdentifier(db.existingResourceArn) } : {}),
    } : {}),
    ...(runner ? {
      runner: { engine: runner.engine, interval: Duration.minutes(scheduleSlack) },
      ...(runners.length > 1 ? { additionalRunners: runners.slice(1).map((r) => ({ engine: r.engine, interval: Duration.minutes(scheduleSlack) })) } : {}),
      runnerBackups: { bucket: primary.bucket.bucket, prefix: runner.backupPrefix },
    } : {}),
    ...(replication ? {
      s3Replication: {
        sourceBucketName: primary.bucket.bucket.bucketName,
        destinationBucketName: dr.replicaBucket.bucket.bucketName,
        ruleId: BackupBucket.REPLICATION_RULE_ID,
      },
    } : {}),
    ...(pgbackrest?.walArchivePrefix ? { walArchive: { bucket: primary.bucket.bucket, prefix: pgbackrest.walArchivePrefix } } : {}),
    ...(db.verification ? {
      verification: {
        maxAge: Duration.days(db.verification.maxAgeDays),
        awsBackupRestoreTesting: managed,
      },
    } : {}),
  };
}
