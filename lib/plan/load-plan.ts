/**
 * Loads a plan file: JSON syntax (with line and column), the published JSON Schema (ajv, every
 * error at once), the rules a schema cannot express (duplicate names, regions, vault lock vs
 * retention, cron syntax, ARNs), then feasibility (tiers, RPO, RTO). Every problem becomes one
 * line naming the JSON path and the bad value; all of them are thrown together in one
 * ConfigurationError.
 */
import * as fs from 'fs';
import Ajv, { ValidateFunction } from 'ajv';
import schema from './backup-plan.schema.json';
import { cronIntervals, parseAwsCron } from './cron';
import { assessPlan } from './feasibility';
import { describeJsonSyntaxError, describeSchemaErrors, showValue } from './json-errors';
import { CONTINUOUS_RETENTION_DAYS } from './model';
import { usesContinuousBackup, usesLogicalBackup } from './tiers';
import {
  ArchiveTool, BackupPlanConfig, CheckExpect, ContinuousBackupMode, DatabaseConfig, DatabaseEngine, DeploymentKind, PLAN_DEFAULTS,
  SelectionMode, VaultLockMode,
} from './types';
import { ConfigurationError, throwIfProblems } from '../errors';

/** The plan file as written (snake_case), after schema validation. */
interface PlanFile {
  name?: string;
  primary_region: string;
  dr_region: string;
  account?: string;
  dr_account?: string;
  dr_vault_arn?: string;
  tags?: Record<string, string>;
  vault_lock?: { mode: 'governance' | 'compliance'; min_retention_days: number; max_retention_days?: number; changeable_for_hours?: number };
  alarm_email?: string;
  sns_topic_arn?: string;
  audit?: { enabled?: boolean };
  network?: { vpc_id: string; availability_zones: string[]; private_subnet_ids: string[] };
  databases: DatabaseFile[];
}

interface DatabaseFile {
  name: string;
  db_type: string;
  deployment: string;
  rpo_minutes: number;
  rto_minutes: number;
  schedule_cron: string;
  retention_days: number;
  retention?: { daily?: number; weekly?: number; monthly?: number };
  size_gb?: number;
  continuous_backup?: boolean | 'auto';
  logical_backup?: boolean;
  archive?: string;
  archive_timeout_seconds?: number;
  existing_resource_arn?: string;
  host?: { address: string; port: number; secret_arn: string; database_names?: string[]; user?: string; pg_data_path?: string; tls_secret_arn?: string };
  verification?: {
    schedule_cron?: string; max_age_days?: number; database_name?: string; master_secret_arn?: string; read_only_secret_arn?: string;
    checks?: Array<{ name: string; sql: string; expect?: string; expected?: string | number | boolean; max_age_minutes?: number }>;
  };
  tags?: Record<string, string>;
  selection?: string;
}

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!validator) {
    // verbose: errors carry the bad value and their schema (for errorHint).
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    ajv.addKeyword({ keyword: 'errorHint', schemaType: 'string' });
    validator = ajv.compile(schema);
  }
  return validator;
}

/** The published JSON Schema of the plan file. */
export function backupPlanSchema(): object {
  return schema;
}

function continuousMode(value: boolean | 'auto' | undefined): ContinuousBackupMode {
  if (value === true) {
    return ContinuousBackupMode.ENABLED;
  }
  return value === false ? ContinuousBackupMode.DISABLED : ContinuousBackupMode.AUTO;
}

function normalize(file: PlanFile, sourceName: string): BackupPlanConfig {
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
    auditEnabled: file.audit?.enabled ?? PLAN_DEFAULTS.auditEnabled,
    network: file.network && {
      vpcId: file.network.vpc_id,
      availabilityZones: [...file.network.availability_zones],
      privateSubnetIds: [...file.network.private_subnet_ids],
    },
    databases: file.databases.map((d, index): DatabaseConfig => ({
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
      tags: { ...planTags, ...(d.tags ?? {}) },
      selection: (d.selection ?? SelectionMode.ARN) as SelectionMode,
    })),
  };
}

function cronProblems(path: string, expression: string, fromYear: number | undefined): string[] {
  const parsed = parseAwsCron(expression);
  if (!parsed.schedule) {
    return parsed.problems.map((p) => `${path}: ${p}`);
  }
  const year = fromYear ?? new Date().getUTCFullYear();
  if (!cronIntervals(parsed.schedule, year)) {
    return [`${path}: "${expression}" fires fewer than twice between ${year} and ${year + 3}, so it gives no recovery point interval`];
  }
  return [];
}

const ARN_PARTS = /^arn:[^:]+:[^:]+:([^:]*):([0-9]{12}):([a-z-]+)[:/]/;

/** The rules the schema cannot express. */
function semanticProblems(file: PlanFile, plan: BackupPlanConfig, fromYear: number | undefined): string[] {
  const problems: string[] = [];
  if (file.dr_region === file.primary_region) {
    problems.push(`dr_region: "${file.dr_region}" must differ from primary_region "${file.primary_region}" — a copy in the same Region does not survive a Regional outage`);
  }
  if (file.dr_account !== undefined && file.dr_account === file.account) {
    problems.push(`dr_account: "${file.dr_account}" is the same as account; leave dr_account out for same-account copies`);
  }
  if (file.dr_account !== undefined && file.dr_vault_arn === undefined) {
    problems.push(`dr_vault_arn: required when dr_account is set (the vault in account ${file.dr_account} that receives the copies), got nothing`);
  }
  if (file.dr_vault_arn !== undefined) {
    const m = ARN_PARTS.exec(file.dr_vault_arn);
    if (m && m[1] !== file.dr_region) {
      problems.push(`dr_vault_arn: "${file.dr_vault_arn}" is in Region "${m[1]}", not dr_region "${file.dr_region}"`);
    }
    const expectedAccount = file.dr_account ?? file.account;
    if (m && expectedAccount !== undefined && m[2] !== expectedAccount) {
      problems.push(`dr_vault_arn: "${file.dr_vault_arn}" is in account ${m[2]}, not ${file.dr_account ? 'dr_account' : 'account'} ${expectedAccount}`);
    }
  }
  const net = file.network;
  if (net !== undefined && net.availability_zones.length !== net.private_subnet_ids.length) {
    problems.push(`network.private_subnet_ids: ${net.private_subnet_ids.length} subnet(s) for ${net.availability_zones.length} availability zone(s); give one subnet per zone, in the same order`);
  }
  if (net !== undefined && net.availability_zones.some((az) => !az.startsWith(file.primary_region))) {
    problems.push(`network.availability_zones: ${showValue(net.availability_zones)} must all be in primary_region "${file.primary_region}"`);
  }
  const lock = file.vault_lock;
  if (lock) {
    if (lock.max_retention_days !== undefined && lock.max_retention_days < lock.min_retention_days) {
      problems.push(`vault_lock.max_retention_days: ${lock.max_retention_days} is below min_retention_days ${lock.min_retention_days}`);
    }
    if (lock.mode === 'governance' && lock.changeable_for_hours !== undefined) {
      problems.push(`vault_lock.changeable_for_hours: ${lock.changeable_for_hours} applies to mode "compliance" only, got mode "governance"`);
    }
    if (lock.mode === 'compliance' && lock.changeable_for_hours === undefined) {
      problems.push('vault_lock.changeable_for_hours: required for mode "compliance" (at least 72: the cooling-off period before the lock becomes immutable), got nothing');
    }
  }

  const firstByName = new Map<string, number>();
  file.databases.forEach((raw, i) => {
    const db = plan.databases[i];
    const path = `databases[${i}]`;
    const earlier = firstByName.get(raw.name);
    if (earlier !== undefined) {
      problems.push(`${path}.name: "${raw.name}" is already used by databases[${earlier}]; names must be unique`);
    } else {
      firstByName.set(raw.name, i);
    }
    problems.push(...cronProblems(`${path}.schedule_cron`, raw.schedule_cron, fromYear));
    if (raw.verification?.schedule_cron !== undefined) {
      problems.push(...cronProblems(`${path}.verification.schedule_cron`, raw.verification.schedule_cron, fromYear));
    }
    if (raw.retention?.daily !== undefined && raw.retention.daily !== raw.retention_days) {
      problems.push(`${path}.retention.daily: ${raw.retention.daily} conflicts with retention_days ${raw.retention_days}; give one of them, or the same value`);
    }
    const rds = raw.deployment === 'rds' || raw.deployment === 'aurora';
    if (raw.existing_resource_arn !== undefined) {
      const arnPath = `${path}.existing_resource_arn`;
      const m = ARN_PARTS.exec(raw.existing_resource_arn);
      if (!rds) {
        problems.push(`${arnPath}: ${showValue(raw.existing_resource_arn)} is only for deployment "rds" or "aurora", got deployment "${raw.deployment}"`);
      } else if (m) {
        const kind = raw.existing_resource_arn.split(':')[5];
        if (raw.deployment === 'rds' && kind !== 'db') {
          problems.push(`${arnPath}: deployment "rds" needs a DB instance ARN (…:db:ID), got ${showValue(raw.existing_resource_arn)}`);
        }
        if (raw.deployment === 'aurora' && kind !== 'cluster') {
          problems.push(`${arnPath}: deployment "aurora" needs a DB cluster ARN (…:cluster:ID), got ${showValue(raw.existing_resource_arn)}`);
        }
        if (m[1] !== file.primary_region) {
          problems.push(`${arnPath}: ${showValue(raw.existing_resource_arn)} is in Region "${m[1]}", not primary_region "${file.primary_region}"`);
        }
        if (file.account !== undefined && m[2] !== file.account) {
          problems.push(`${arnPath}: ${showValue(raw.existing_resource_arn)} is in account ${m[2]}, not account ${file.account}`);
        }
      }
    }
    if (raw.deployment === 'self-managed' && raw.host === undefined) {
      problems.push(`${path}.host: required for deployment "self-managed" (address, port, secret_arn of the backup user), got nothing`);
    }
    // On RDS/Aurora the runner only takes the logical tier; it needs the endpoint and a user.
    const logical = usesLogicalBackup(db, scheduleInterval(db, fromYear));
    if (rds && raw.host !== undefined && !logical) {
      problems.push(`${path}.host: on deployment "${raw.deployment}" it is the endpoint of the runner's logical dumps, but this database takes none (logical_backup false or continuous backup on); remove host, got ${showValue(raw.host)}`);
    }
    if (rds && raw.host === undefined && logical) {
      problems.push(`${path}.host: required for the logical tier (${raw.db_type === 'postgres' ? 'pg_dump' : 'mysqldump'} by the runner): give the ${raw.deployment === 'aurora' ? 'cluster' : 'instance'} endpoint, port and the backup user's secret_arn, or set logical_backup false, got nothing`);
    }
    if (rds && raw.host?.tls_secret_arn !== undefined) {
      problems.push(`${path}.host.tls_secret_arn: pgBackRest does not run against ${raw.deployment} (AWS manages its WAL); remove it`);
    }
    if (raw.selection !== undefined && !rds) {
      problems.push(`${path}.selection: "${raw.selection}" applies to AWS Backup selections of rds/aurora only, got deployment "${raw.deployment}"`);
    }
    if (raw.selection === 'tags' && Object.keys(db.tags).length === 0) {
      problems.push(`${path}.selection: "tags" needs at least one tag in ${path}.tags or the plan's tags (every tag must match), got none`);
    }
    if (raw.archive_timeout_seconds !== undefined && (raw.archive ?? 'none') === 'none') {
      problems.push(`${path}.archive_timeout_seconds: ${raw.archive_timeout_seconds} has no effect without archive; set archive or remove it`);
    }
    if (lock) {
      problems.push(...retentionVsLock(path, raw, db, lock, fromYear));
    }
    problems.push(...runnerAndVerificationProblems(path, raw, file));
  });
  return problems;
}

/** What the runner tasks and the restore tests need beyond the schema. */
function runnerAndVerificationProblems(path: string, raw: DatabaseFile, file: PlanFile): string[] {
  const problems: string[] = [];
  const rds = raw.deployment === 'rds' || raw.deployment === 'aurora';
  const v = raw.verification;
  if (file.network === undefined && (raw.deployment === 'self-managed' || v !== undefined)) {
    const why = raw.deployment === 'self-managed' ? 'its runner tasks run in your VPC' : 'its restore tests place the restored instance and the validator in your VPC';
    problems.push(`network: required because ${path} "${raw.name}" is ${raw.deployment === 'self-managed' ? 'self-managed' : 'verified'} (${why}); give vpc_id, availability_zones and private_subnet_ids, got nothing`);
  }
  if (v !== undefined && rds) {
    for (const field of ['database_name', 'master_secret_arn', 'read_only_secret_arn'] as const) {
      if (v[field] === undefined) {
        problems.push(`${path}.verification.${field}: required for a verified ${raw.deployment} database (the validator connects to the restored copy), got nothing`);
      }
    }
  }
  if (v !== undefined && !rds && (v.master_secret_arn !== undefined || v.read_only_secret_arn !== undefined)) {
    problems.push(`${path}.verification: master_secret_arn and read_only_secret_arn apply to rds/aurora; a self-managed drill restores into a throw-away server in the task and uses host.secret_arn for the baseline`);
  }
  (v?.checks ?? []).forEach((c, j) => {
    const cpath = `${path}.verification.checks[${j}]`;
    const expect = c.expect ?? 'equals';
    if (expect === 'at_least' && (c.expected === undefined || Number.isNaN(Number(c.expected)))) {
      problems.push(`${cpath}.expected: expect "at_least" needs a number, got ${showValue(c.expected)}`);
    }
    if (expect === 'newer_than' && c.max_age_minutes === undefined) {
      problems.push(`${cpath}.max_age_minutes: required for expect "newer_than", got nothing`);
    }
    if (expect !== 'newer_than' && c.max_age_minutes !== undefined) {
      problems.push(`${cpath}.max_age_minutes: ${c.max_age_minutes} applies to expect "newer_than" only, got expect "${expect}"`);
    }
    if (expect === 'not_empty' && c.expected !== undefined) {
      problems.push(`${cpath}.expected: ${showValue(c.expected)} has no meaning for expect "not_empty"`);
    }
  });
  if (raw.deployment === 'self-managed' && raw.db_type === 'postgres' && raw.archive === 'pgbackrest' && raw.host !== undefined && raw.host.tls_secret_arn === undefined) {
    problems.push(`${path}.host.tls_secret_arn: required with archive "pgbackrest" (the runner reaches the host's \`pgbackrest server\` over TLS with this identity), got nothing`);
  }
  if (raw.host?.tls_secret_arn !== undefined && raw.archive !== 'pgbackrest' && raw.deployment === 'self-managed') {
    problems.push(`${path}.host.tls_secret_arn: only used with archive "pgbackrest", got archive ${showValue(raw.archive ?? 'none')}`);
  }
  return problems;
}

function scheduleInterval(db: DatabaseConfig, fromYear: number | undefined) {
  const parsed = parseAwsCron(db.scheduleCron);
  return parsed.schedule ? cronIntervals(parsed.schedule, fromYear) : undefined;
}

function retentionVsLock(path: string, raw: DatabaseFile, db: DatabaseConfig, lock: NonNullable<PlanFile['vault_lock']>, fromYear: number | undefined): string[] {
  const problems: string[] = [];
  const why = 'AWS Backup fails backup and copy jobs whose retention is outside the vault lock range';
  const checkDays = (field: string, shown: string, days: number) => {
    if (days < lock.min_retention_days) {
      problems.push(`${path}.${field}: ${shown} is below vault_lock.min_retention_days ${lock.min_retention_days} — ${why}`);
    }
    if (lock.max_retention_days !== undefined && days > lock.max_retention_days) {
      problems.push(`${path}.${field}: ${shown} is above vault_lock.max_retention_days ${lock.max_retention_days} — ${why}`);
    }
  };
  checkDays('retention_days', `${raw.retention_days}`, db.retention.dailyDays);
  if (db.retention.weeklyCount > 0) {
    checkDays('retention.weekly', `${db.retention.weeklyCount} (= ${db.retention.weeklyCount * 7} days)`, db.retention.weeklyCount * 7);
  }
  if (db.retention.monthlyCount > 0) {
    checkDays('retention.monthly', `${db.retention.monthlyCount} (= ${db.retention.monthlyCount * 31} days)`, db.retention.monthlyCount * 31);
  }
  const parsed = parseAwsCron(db.scheduleCron);
  const interval = parsed.schedule ? cronIntervals(parsed.schedule, fromYear) : undefined;
  if (usesContinuousBackup(db, interval)) {
    const days = Math.min(db.retention.dailyDays, CONTINUOUS_RETENTION_DAYS.max);
    if (days < lock.min_retention_days) {
      problems.push(`${path}.continuous_backup: continuous recovery points are kept min(retention_days, ${CONTINUOUS_RETENTION_DAYS.max}) = ${days} days, below vault_lock.min_retention_days ${lock.min_retention_days}; fix: lower min_retention_days to ≤ ${days} or set continuous_backup false`);
    }
  }
  return problems;
}

/** Options of `parsePlan` / `loadPlanFile`. */
export interface LoadPlanOptions {
  /**
   * First calendar year of the window used to analyse cron schedules.
   * @default the current UTC year
   */
  readonly scheduleFromYear?: number;
  /**
   * Also run the feasibility checks (tiers, RPO, RTO) and report their problems.
   * @default true
   */
  readonly checkFeasibility?: boolean;
}

/**
 * Validates a plan given as JSON text or as an already-parsed value. Throws one
 * ConfigurationError with every problem; returns the normalized plan.
 */
export function parsePlan(json: string | unknown, sourceName: string, options: LoadPlanOptions = {}): BackupPlanConfig {
  let data: unknown = json;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw new ConfigurationError(`${sourceName}: not valid JSON`, [describeJsonSyntaxError(json, e as Error)]);
    }
  }
  const validate = schemaValidator();
  if (!validate(data)) {
    throw new ConfigurationError(`${sourceName}: does not match the plan schema (lib/plan/backup-plan.schema.json)`, describeSchemaErrors(validate.errors ?? []));
  }
  const file = data as PlanFile;
  const plan = normalize(file, sourceName);
  const problems = semanticProblems(file, plan, options.scheduleFromYear);
  if (options.checkFeasibility ?? true) {
    const result = assessPlan(plan, options.scheduleFromYear);
    for (const p of result.problems) {
      if (!problems.includes(p)) {
        problems.push(p);
      }
    }
  }
  throwIfProblems(`${sourceName}: invalid backup plan`, problems);
  return plan;
}

/** Reads and validates a plan file (see `parsePlan`). A missing file is a ConfigurationError too. */
export function loadPlanFile(path: string, options: LoadPlanOptions = {}): BackupPlanConfig {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigurationError(`${path}: cannot read the plan file`, [`${(e as NodeJS.ErrnoException).code ?? 'error'}: ${(e as Error).message}`]);
  }
  return parsePlan(text, path, options);
}
