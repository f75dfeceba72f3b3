/**
 * Loads a plan file: JSON syntax (with line and column), the published JSON Schema (ajv, every
 * error at once), normalization, then the plan checks in checks/: the rules a schema cannot
 * express (PLAN_FILE_CHECKS once, DATABASE_FILE_CHECKS per database) and feasibility (tiers, RPO,
 * RTO). Every problem becomes one line naming the JSON path and the bad value; all of them are
 * thrown together in one ConfigurationError.
 */
import * as fs from 'fs';
import Ajv, { ValidateFunction } from 'ajv';
import schema from './backup-plan.schema.json';
import { DATABASE_FILE_CHECKS, PLAN_FILE_CHECKS } from './checks';
import { databaseFileContext, planFileContext } from './checks/file-check';
import { assessPlan } from './feasibility';
import { describeJsonSyntaxError, describeSchemaErrors } from './json-errors';
import { normalizePlan, withEntryDefaults } from './normalize';
import { PlanFile } from './plan-file-types';
import { BackupPlanConfig } from './types';
import { ConfigurationError, throwIfProblems } from '../errors';

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

/** The problems of the plan-level checks, then of the database-level checks database by database. */
function fileCheckProblems(file: PlanFile, plan: BackupPlanConfig, fromYear: number | undefined): string[] {
  const context = planFileContext(file, plan, fromYear);
  const problems = PLAN_FILE_CHECKS.flatMap((check) => check.evaluate(context).problems);
  file.databases.forEach((_, i) => {
    const database = databaseFileContext(context, i);
    problems.push(...DATABASE_FILE_CHECKS.flatMap((check) => check.evaluate(database).problems));
  });
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
  const file = withEntryDefaults(data as PlanFile);
  const plan = normalizePlan(file, sourceName);
  const problems = fileCheckProblems(file, plan, options.scheduleFromYear);
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
