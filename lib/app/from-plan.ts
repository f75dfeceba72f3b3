/**
 * Builds the DR app from a validated plan: the DR-region stack (DR vault, replica bucket) and the
 * primary-region stack (vault, bucket, roles, the resources every database shares, audit
 * framework, monitoring of the shared series) with its database stacks (nested; AWS Backup
 * protection of RDS/Aurora, runner tasks of the self-managed databases and of logical dumps,
 * restore verification, drills, each database's alarms), `databasesPerStack` databases each in
 * plan order. `bin/app.ts` is a thin CLI around this; tests and users' apps call it directly.
 */
import { App, Duration, aws_events as events } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BackupPlanConfig, DeploymentKind, FeasibilityResult, assessPlan } from '../plan';
import { BackupMonitoring, MonitoringCoverage } from '../monitoring/backup-monitoring';
import { FleetAlarms } from '../monitoring/fleet-alarms';
import { RecoveryRunbooks, runbookDatabaseFromPlan } from '../recovery';
import { addDrRecoveryOfPlan } from '../recovery/dr-region-plan';
import { isDrRestoreTaskEngine } from '../recovery/dr-region-validation';
import { BackupAuditFramework, DatabaseProtection } from '../protection';
import { BackupRunner, RunnerInfrastructure } from '../runner';
import { BaselineCapture, BaselineDatabase, RestoreVerification, RunnerDrill } from '../verification';
import { ConfigurationError } from '../errors';
import { guardStackLimits } from '../stack-limits';
import { BackupVault } from '../storage';
import { AppContext, CompiledDatabase, compileDatabase } from './compile-database';
import { DatabaseStack } from './database-stack';
import { DEFAULT_RESOURCES_PER_STACK, groupByCount, packDatabases } from './stack-packing';
import { DrRegionStack } from './dr-region-stack';
import { RUNNER_PREFIX, checkExpectation, importPlanVpc, runnerImageOf, idOf, importSecret, schedulerCron, vaultLockOf, verifiedEngine } from './plan-values';
import { PrimaryRegionStack } from './primary-region-stack';

/** Options of {@link buildDrApp}. */
export interface DrAppOptions {
  /**
   * Prefix of the two stacks' construct ids (`<prefix>-Primary`, `<prefix>-Dr`).
   * @default 'CdkDatabaseDr'
   */
  readonly stackIdPrefix?: string;
  /**
   * A fixed number of databases per database stack (nested in the primary stack), in plan order,
   * instead of packing them by their resources (`resourcesPerStack`). Keep the layout fixed once
   * deployed: moving a database to another stack replaces its resources.
   * @default - databases are packed by their estimated resources
   */
  readonly databasesPerStack?: number;
  /**
   * The resources the databases of one database stack may add, by the estimate of each
   * (`estimateDatabaseResources`: an upper bound of its runners' task definitions and schedules,
   * roles, selections and drill). Databases fill stacks in plan order, so adding one at the end
   * never moves another; changing a database's tiers may move the databases after it (pin them
   * with `databasesPerStack`). The default leaves room under CloudFormation's 500 for what each
   * stack shares.
   * @default 410
   */
  readonly resourcesPerStack?: number;
}

/** What {@link buildDrApp} built. */
export interface DrApp {
  readonly plan: BackupPlanConfig;
  readonly assessment: FeasibilityResult;
  readonly primary: PrimaryRegionStack;
  readonly dr: DrRegionStack;
  readonly protections: DatabaseProtection[];
  readonly runners: BackupRunner[];
  /** The restore verification of the first database stack that has one. */
  readonly verification?: RestoreVerification;
  /** Every restore verification (one per database stack with a verified rds/aurora database). */
  readonly verifications: RestoreVerification[];
  readonly drills: RunnerDrill[];
  readonly audit?: BackupAuditFramework;
  /** The primary stack's monitoring: the series the databases share (vault jobs, bucket replication). */
  readonly monitoring: BackupMonitoring;
  /** Every database's runbooks and SSM Automation documents; the alarms name them. */
  readonly runbooks: RecoveryRunbooks;
  /** The database stacks, in order. */
  readonly databaseStacks: DatabaseStack[];
  /** The DR stack's database stacks (the same databases' DR-Region recovery), in order; a group with nothing to restore there has none. */
  readonly drDatabaseStacks: DatabaseStack[];
  /** Each database stack's monitoring (its databases' measured RPO, functions' alarms, dashboard), in order. */
  readonly databaseMonitorings: BackupMonitoring[];
  /** The multi-time-series alarms of every database's own conditions (each database a contributor), in the primary stack. */
  readonly fleetAlarms: FleetAlarms;
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
  const dr = new DrRegionStack(app, `${prefix}-Dr`, {
    account: plan.account, region: plan.drRegion, vaultLock: lock, alarmEmail: plan.alarmEmail, network: plan.drNetwork, namePrefix: plan.name,
  });
  const primary = new PrimaryRegionStack(app, `${prefix}-Primary`, {
    account: plan.account, region: plan.primaryRegion, dr, vaultLock: lock, alarmEmail: plan.alarmEmail, alarmTopicArn: plan.snsTopicArn,
  });
  for (const [key, value] of Object.entries(plan.tags)) {
    for (const stack of [primary, dr]) {
      stack.tags.setTag(key, value);
    }
  }

  const vpc = importPlanVpc(primary, plan.network, 'tasks, functions and restored instances');
  const drVault = BackupVault.fromBackupVaultArn(primary, 'DrVaultRef', dr.vault.backupVaultArn);
  const crossAccountVault = plan.drVaultArn ? BackupVault.fromBackupVaultArn(primary, 'CrossAccountDrVault', plan.drVaultArn) : undefined;

  const runnerImage = plan.runnerImage ? runnerImageOf(primary, plan.runnerImage) : undefined;
  // One cluster, key, log group, dead-letter queue and security group for every runner and drill.
  const runnerInfrastructure = vpc && plan.databases.some((d) => d.host) ? new RunnerInfrastructure(primary, 'Runners', { vpc }) : undefined;
  for (const stack of [primary, dr]) guardStackLimits(stack);
  // One key for the functions of every database stack (restore validator, baseline captures,
  // measured RPO): their logs, queues and environments. Keys cost a month each; they do not grow with databases.
  const functionsKey = RestoreVerification.createKey(primary, 'FunctionsKey');
  // One baseline bucket for every database stack's baseline captures, validators and drills.
  const verifies = vpc && plan.databases.some((d) => d.verification);
  const baselineBucket = verifies ? BaselineCapture.createBaselineBucket(new Construct(primary, 'Baselines'), functionsKey) : undefined;

  const problems: string[] = [];
  const perStack = options.databasesPerStack;
  if (perStack !== undefined && (!Number.isInteger(perStack) || perStack < 1)) problems.push(`databasesPerStack: a whole number of at least 1, got ${perStack}`);
  const budget = options.resourcesPerStack ?? DEFAULT_RESOURCES_PER_STACK;
  if (!Number.isInteger(budget) || budget < 1 || budget > 500) problems.push(`resourcesPerStack: a whole number from 1 to 500 (CloudFormation's limit per template), got ${budget}`);
  if (perStack !== undefined && options.resourcesPerStack !== undefined) problems.push(`databasesPerStack and resourcesPerStack: give one, got ${perStack} and ${options.resourcesPerStack}`);
  if (problems.length > 0) throw new ConfigurationError(`${plan.sourceName}: invalid for the DR app`, problems);
  // One multi-time-series alarm per condition for every database of the plan (each database a
  // contributor with its own notification), in the primary stack: alarms do not grow with databases.
  const fleetAlarms = new FleetAlarms(primary, 'FleetAlarms', { planName: plan.name, alarmTopic: primary.alarmTopic });
  // Databases fill stacks in plan order: adding one at the end never moves another.
  const groups = perStack !== undefined ? groupByCount(assessment.databases, perStack) : packDatabases(assessment.databases, vpc !== undefined, budget);

  const databaseStacks: DatabaseStack[] = [];
  const databaseMonitorings: BackupMonitoring[] = [];
  const compiledAll: CompiledDatabase[] = [];
  const drScopes = new Map<string, DatabaseStack>();
  const verifications: RestoreVerification[] = [];
  const drills: RunnerDrill[] = [];
  const verificationSchedule = plan.databases.find((d) => d.verification && d.deployment !== DeploymentKind.SELF_MANAGED)?.verification;
  // The plan's max_age_days is the verification window (RestoreVerification and RunnerDrill cap theirs at 7 days).
  const maxAge = (name: string) => Duration.days(plan.databases.find((d) => d.name === name)?.verification?.maxAgeDays ?? 7);

  groups.forEach((group, g) => {
    const number = g + 1;
    const suffix = number === 1 ? '' : String(number);
    const scope = new DatabaseStack(primary, `Databases${number}`, { number, databaseNames: group.map((a) => a.database.name) });
    databaseStacks.push(scope);
    // The stack's execution role (it reads the secrets of this stack's runners); the rest is the primary stack's.
    const shardRunners = runnerInfrastructure && group.some((a) => a.database.host) ? new RunnerInfrastructure(scope, 'Runners', {
      vpc: vpc!,
      cluster: runnerInfrastructure.cluster,
      encryptionKey: runnerInfrastructure.encryptionKey,
      logGroup: runnerInfrastructure.logGroup,
      deadLetterQueue: runnerInfrastructure.deadLetterQueue,
      securityGroup: runnerInfrastructure.securityGroup,
      // One scheduler role per database stack, which may pass only this stack's runner roles.
      taskRolePath: `/${primary.stackName}/${scope.node.id}/`,
    }) : undefined;
    const ctx: AppContext = { plan, primary, scope, dr, vpc, drVault, crossAccountVault, runnerImage, runnerInfrastructure: shardRunners, sharedPlans: new Map() };
    const compiled = group.map((a) => compileDatabase(ctx, a));
    compiledAll.push(...compiled);
    // The same databases' DR-Region recovery (restore tasks, restore tests, DR documents) in a nested
    // stack of the DR stack, so the DR stack does not grow with the databases either. Only a group
    // with something to restore there gets one (a template needs at least one resource).
    if (compiled.some((c) => c.protection || c.runners.some((r) => isDrRestoreTaskEngine(r.engine)))) {
      const drScope = new DatabaseStack(dr, `Databases${number}`, { number, databaseNames: group.map((a) => a.database.name) });
      for (const c of compiled) drScopes.set(c.assessment.database.name, drScope);
    }
    const runners = compiled.flatMap((c) => c.runners);
    const verified = compiled.flatMap((c) => (c.verified ? [c.verified] : []));
    const drillsToBuild = compiled.flatMap((c) => (c.drillRunner ? [{ db: c.assessment.database, runner: c.drillRunner }] : []));

    // One baseline capture per database stack, for its verified RDS/Aurora databases and its
    // drills' self-managed ones alike, in plan order (a database added at the end of the plan adds
    // a target to the capture's last rule).
    const drillDatabases = new Map(drillsToBuild.map(({ db }) => [db.name, db]));
    const verifiedByName = new Map(verified.map((v) => [v.name, v]));
    const captured = vpc ? group.flatMap(({ database: d }): BaselineDatabase[] => {
      const v = verifiedByName.get(d.name);
      if (v) return [RestoreVerification.baselineDatabaseOf(v)];
      const db = drillDatabases.get(d.name);
      if (!db) return [];
      return [{
        name: db.name,
        engine: verifiedEngine(db)!,
        databaseName: db.verification?.databaseName ?? db.host?.databaseNames[0] ?? db.name,
        readOnlySecret: importSecret(scope, `${idOf(db.name)}-BaselineSecret`, db.host!.secretArn),
        host: db.host!.address,
        port: db.host!.port,
        checks: (db.verification?.checks ?? []).map(checkExpectation),
      }];
    }) : [];
    const baselines = vpc && captured.length > 0 ? new BaselineCapture(scope, `Baselines${suffix}`, {
      vpc,
      encryptionKey: functionsKey,
      baselineBucket,
      baselineEncryptionKey: functionsKey,
      databases: captured,
    }) : undefined;

    let verification: RestoreVerification | undefined;
    if (vpc && verified.length > 0) {
      verification = new RestoreVerification(scope, `RestoreVerification${suffix}`, {
        vaults: [primary.vault],
        databases: verified,
        vpc,
        encryptionKey: functionsKey,
        baselineCapture: baselines,
        schedule: verificationSchedule ? events.Schedule.expression(verificationSchedule.scheduleCron) : undefined,
        maxTimeWithoutSuccess: Duration.days(Math.min(7, verificationSchedule?.maxAgeDays ?? 7)),
      });
      verifications.push(verification);
    }
    const shardDrills: RunnerDrill[] = [];
    if (vpc && baselines && drillsToBuild.length > 0) {
      for (const { db, runner } of drillsToBuild) {
        shardDrills.push(new RunnerDrill(scope, `${idOf(db.name)}-Drill`, {
          runner,
          backupBucket: primary.bucket,
          baselineBucket: baselines.baselineBucket,
          baselineEncryptionKey: baselines.baselineEncryptionKey,
          baselineObjectKey: baselines.baselineObjectKey(db.name),
          databaseName: db.verification?.databaseName ?? db.host?.databaseNames[0] ?? db.name,
          schedule: db.verification ? schedulerCron(db.verification.scheduleCron) : undefined,
          maxTimeWithoutSuccess: Duration.days(Math.min(7, db.verification?.maxAgeDays ?? 7)),
          rto: Duration.minutes(db.rtoMinutes),
          rpo: Duration.minutes(db.rpoMinutes),
          s3Prefix: RUNNER_PREFIX,
          image: runnerImage,
          // The database's runners' scheduler role starts its drill too.
          schedulerRole: shardRunners ? runner.schedulerRole : undefined,
          taskRolePath: shardRunners?.taskRolePath,
          policyPool: shardRunners?.databasePolicies,
        }));
      }
    }
    // Every schedule of the stack's runners and drills starts with the shared role once its policy exists.
    if (shardRunners?.schedulerPolicy) {
      for (const schedule of [...compiled.flatMap((c) => c.runners.flatMap((r) => r.schedules)), ...shardDrills.map((d) => d.schedule)]) {
        schedule.node.addDependency(shardRunners.schedulerPolicy);
      }
    }
    drills.push(...shardDrills);

    // Each database stack watches its databases; each database's objectives are the plan's, given once.
    const monitoring = new BackupMonitoring(scope, 'Monitoring', {
      planName: plan.name,
      dashboardName: `${plan.name}-backup-dr${suffix ? `-${suffix}` : ''}`,
      coverage: MonitoringCoverage.DATABASES,
      alarmTopic: primary.alarmTopic,
      fleetAlarms,
      encryptionKey: functionsKey,
      databases: group.map(({ database: d }) => ({ name: d.name, rpo: Duration.minutes(d.rpoMinutes), rto: Duration.minutes(d.rtoMinutes) })),
      protections: compiled.flatMap((c) => (c.protection ? [{ protection: c.protection, database: c.assessment.database.name }] : [])),
      runners: runners.map((runner) => ({ runner })),
      // A verification watches its capture itself; a capture serving drills alone is watched here.
      baselineCaptures: baselines && !verification ? [baselines] : [],
    });
    if (verification) monitoring.addVerification(verification, { maxAge: maxAge(verification.databaseNames[0]) });
    for (const drill of shardDrills) monitoring.addDrill(drill, { maxAge: maxAge(drill.database) });
    databaseMonitorings.push(monitoring);
  });

  const protections = compiledAll.flatMap((c) => (c.protection ? [c.protection] : []));
  const runners = compiledAll.flatMap((c) => c.runners);
  // The DR Region can recover: a restore task per replicated logical dump, a restore test per DR vault copy.
  addDrRecoveryOfPlan(dr.recovery, compiledAll.map((c) => ({
    name: c.assessment.database.name, protectedDatabase: c.protection?.database, runners: c.runners, s3Prefix: RUNNER_PREFIX,
    targetDatabaseName: c.assessment.database.host?.databaseNames[0], scope: drScopes.get(c.assessment.database.name),
  })), plan.runnerImage ? runnerImageOf(dr, plan.runnerImage) : undefined);

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

  // The primary stack watches the series every database shares, once: AWS Backup jobs per vault and
  // resource type, and the backup bucket's replication (its runners say which databases write there).
  const monitoring = new BackupMonitoring(primary, 'Monitoring', {
    planName: plan.name,
    coverage: MonitoringCoverage.SHARED_SERIES,
    alarmTopic: primary.alarmTopic,
    databases: plan.databases.map((d) => ({ name: d.name, rpo: Duration.minutes(d.rpoMinutes), rto: Duration.minutes(d.rtoMinutes) })),
    protections: compiledAll.flatMap((c) => (c.protection ? [{ protection: c.protection, database: c.assessment.database.name }] : [])),
    runners: runners.map((runner) => ({ runner })),
    // The backup bucket's replication is one series, alarmed once.
    replications: runners.length > 0 ? [primary.bucket] : [],
    dashboard: false,
  });
  for (const v of verifications) monitoring.addVerification(v);

  // Runbooks of every database; the alarms of the primary stack and of each database stack name them.
  const runbooks = new RecoveryRunbooks(primary, 'Runbooks', {
    planName: plan.name, drVault: dr.vault, replicaBucket: dr.replicaBucket, drRecovery: dr.recovery, image: runnerImage, monitoring,
    databases: compiledAll.map((c) => runbookDatabaseFromPlan(c.assessment, c.protection, c.runners, drScopes.get(c.assessment.database.name))),
  });
  for (const m of databaseMonitorings) runbooks.addMonitoring(m);

  // What the DR Region could not set up is part of the feasibility warnings the app prints.
  const withDr = { ...assessment, warnings: [...assessment.warnings, ...dr.recovery.unavailable] };
  return {
    plan, assessment: withDr, primary, dr, protections, runners, verification: verifications[0], verifications, drills, audit, monitoring,
    databaseStacks, drDatabaseStacks: [...new Set(drScopes.values())], databaseMonitorings, runbooks, fleetAlarms,
  };
}
