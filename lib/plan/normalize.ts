/**
 * The plan file as written (snake_case, optional fields) → the normalized plan (camelCase,
 * defaults applied). Assumes the file passed the schema; judges nothing.
 */
import { DatabaseFile, PlanFile } from './plan-file-types';
import {
  ArchiveTool, BackupPlanConfig, CheckExpect, ContinuousBackupMode, DatabaseConfig, DatabaseEngine, DeploymentKind, PLAN_DEFAULTS,
  SelectionMode, VaultLockMode, defaultDatabaseName, defaultDeployment,
} from './types';

/**
 * The file with the defaults of the fields the schema lets out of an entry (`name`, `deployment`),
 * so that a plan carrying only the objectives (db_type, rpo_minutes, rto_minutes, schedule_cron,
 * retention_days) reads like any other. The checks see this copy; the input is not changed.
 */
export function withEntryDefaults(file: PlanFile): PlanFile {
  const databases = file.databases as Array<Partial<DatabaseFile> & Pick<DatabaseFile, 'db_type'>>;
  return {
    ...file,
    databases: databases.map((d, i) => ({
      ...d,
      name: d.name ?? defaultDatabaseName(d.db_type, i),
      deployment: d.deployment ?? defaultDeployment(d.db_type),
    }) as DatabaseFile),
  };
}

function isAwsManaged(deployment: DeploymentKind): boolean {
  return deployment === DeploymentKind.RDS || deployment === DeploymentKind.AURORA;
}

/** `arn` when the plan says so or names the database by ARN; otherwise an rds/aurora database is selected by tags. */
function selectionOf(d: DatabaseFile): SelectionMode {
  if (d.selection !== undefined) return d.selection as SelectionMode;
  return d.existing_resource_arn === undefined && isAwsManaged(d.deployment as DeploymentKind) ? SelectionMode.TAGS : SelectionMode.ARN;
}

/** The tags a tag selection matches (see DatabaseConfig.selectionTags). */
function selectionTagsOf(d: DatabaseFile, selection: SelectionMode, tags: Record<string, string>): Record<string, string> {
  if (selection !== SelectionMode.TAGS) return {};
  if (d.selection !== undefined) return { ...tags };
  // Implicit: the plan's tags describe the team's resources, not this database; matching them
  // would back up every instance of the team under this database's plan.
  const own = d.tags ?? {};
  return Object.keys(own).length ? { ...own } : { [PLAN_DEFAULTS.selectionTagKey]: d.name };
}

function continuousMode(value: boolean | 'auto' | undefined): ContinuousBackupMode {
  if (value === true) {
    return ContinuousBackupMode.ENABLED;
  }
  return value === false ? ContinuousBackupMode.DISABLED : ContinuousBackupMode.AUTO;
}

function normalizeDatabase(d: DatabaseFile, index: number, planTags: Record<string, string>): DatabaseConfig {
  const tags = { ...planTags, ...(d.tags ?? {}) };
  const selection = selectionOf(d);
  return {
    index,
    name: d.name,
    engine: d.db_type as DatabaseEngine,
    deployment: d.deployment as DeploymentKind,
    rpoMinutes: d.rpo_minutes,
    rtoMinutes: d.rto_minutes,
    scheduleCron: d.schedule_cron,
    retention: {
      dailyDays: d.retention?.daily ?? d.retention_days,
      weeklyCount: d.retention?.weekly ?? 0,
      monthlyCount: d.retention?.monthly ?? 0,
    },
    sizeGb: d.size_gb,
    continuousBackup: continuousMode(d.continuous_backup),
    logicalBackup: d.logical_backup,
    archive: (d.archive ?? ArchiveTool.NONE) as ArchiveTool,
    archiveTimeoutSeconds: d.archive_timeout_seconds ?? PLAN_DEFAULTS.archiveTimeoutSeconds,
    existingResourceArn: d.existing_resource_arn,
    host: d.host && {
      address: d.host.address,
      port: d.host.port,
      secretArn: d.host.secret_arn,
      databaseNames: d.host.database_names ?? [],
      user: d.host.user ?? PLAN_DEFAULTS.hostUser,
      pgDataPath: d.host.pg_data_path ?? PLAN_DEFAULTS.pgDataPath,
      tlsSecretArn: d.host.tls_secret_arn,
    },
    verification: d.verification && {
      scheduleCron: d.verification.schedule_cron ?? PLAN_DEFAULTS.verificationScheduleCron,
      maxAgeDays: d.verification.max_age_days ?? PLAN_DEFAULTS.verificationMaxAgeDays,
      databaseName: d.verification.database_name,
      masterSecretArn: d.verification.master_secret_arn,
      readOnlySecretArn: d.verification.read_only_secret_arn,
      checks: (d.verification.checks ?? []).map((c) => ({
        name: c.name,
        sql: c.sql,
        expect: (c.expect ?? CheckExpect.EQUALS) as CheckExpect,
        expected: c.expected === undefined ? undefined : String(c.expected),
        maxAgeMinutes: c.max_age_minutes,
      })),
    },
    tags,
    selection,
    selectionTags: selectionTagsOf(d, selection, tags),
  };
}

/** The normalized plan of a schema-valid plan file (entry defaults applied here too). */
export function normalizePlan(input: PlanFile, sourceName: string): BackupPlanConfig {
  const file = withEntryDefaults(input);
  const planTags = file.tags ?? {};
  return {
    sourceName,
    name: file.name ?? PLAN_DEFAULTS.name,
    primaryRegion: file.primary_region,
    drRegion: file.dr_region,
    account: file.account,
    drAccount: file.dr_account,
    drVaultArn: file.dr_vault_arn,
    tags: { ...planTags },
    vaultLock: file.vault_lock && {
      mode: file.vault_lock.mode === 'compliance' ? VaultLockMode.COMPLIANCE : VaultLockMode.GOVERNANCE,
      minRetentionDays: file.vault_lock.min_retention_days,
      maxRetentionDays: file.vault_lock.max_retention_days,
      changeableForHours: file.vault_lock.changeable_for_hours,
    },
    alarmEmail: file.alarm_email,
    snsTopicArn: file.sns_topic_arn,
    runnerImage: file.runner_image,
    auditEnabled: file.audit?.enabled ?? PLAN_DEFAULTS.auditEnabled,
    network: file.network && {
      vpcId: file.network.vpc_id,
      availabilityZones: [...file.network.availability_zones],
      privateSubnetIds: [...file.network.private_subnet_ids],
    },
    drNetwork: file.dr_network && {
      vpcId: file.dr_network.vpc_id,
      availabilityZones: [...file.dr_network.availability_zones],
      privateSubnetIds: [...file.dr_network.private_subnet_ids],
    },
    databases: file.databases.map((d, index) => normalizeDatabase(d, index, planTags)),
  };
}
