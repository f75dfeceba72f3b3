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
import { usesContinuousBackup } from './tiers';
import {
  ArchiveTool, BackupPlanConfig, ContinuousBackupMode, DatabaseConfig, DatabaseEngine, DeploymentKind, PLAN_DEFAULTS,
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
  host?: { address: string; port: number; secret_arn: string; database_names?: string[] };
  verification?: { schedule_cron?: string; max_age_days?: number; checks?: Array<{ name: string; sql: string; expected: string | number | boolean }> };
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
      },
      verification: d.verification && {
        scheduleCron: d.verification.schedule_cron ?? PLAN_DEFAULTS.verificationScheduleCron,
        maxAgeDays: d.verification.max_age_days ?? PLAN_DEFAULTS.verificationMaxAgeDays,
        checks: (d.verification.checks ?? []).map((c) => ({ name: c.name, sql: c.sql, expected: String(c.expected) })),
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
    if (rds && raw.host !== undefined) {
      problems.push(`${path}.host: only for deployment "self-managed"; deployment "${raw.deployment}" uses existing_resource_arn or the construct, got ${showValue(raw.host)}`);
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
  });
  return problems;
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
