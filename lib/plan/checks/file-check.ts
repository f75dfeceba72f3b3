/**
 * The shape of the loader's checks: the rules a JSON Schema cannot express, judged on the plan
 * file as written (for the user's spelling in messages) next to its normalized form. Plan-level
 * checks see the whole file once; database-level checks see one `databases[i]` entry at a time.
 * Internal to the loader: the file-as-written types carry JSON unions that jsii cannot export.
 */
import { CheckResult } from './check';
import { CronIntervals, cronIntervals, parseAwsCron } from '../cron';
import { DatabaseFile, PlanFile } from '../plan-file-types';
import { BackupPlanConfig, DatabaseConfig, databasePath } from '../types';

/** What a plan-level check sees. */
export interface PlanFileContext {
  /** The plan file as written (after schema validation). */
  readonly file: PlanFile;
  /** The same plan, normalized. */
  readonly plan: BackupPlanConfig;
  /** First calendar year of the cron analysis window; undefined = the current UTC year. */
  readonly scheduleFromYear?: number;
}

/** What a database-level check sees: the plan, plus one database as written and normalized. */
export interface DatabaseFileContext extends PlanFileContext {
  /** The `databases[i]` entry as written. */
  readonly raw: DatabaseFile;
  /** The same entry, normalized (plan tags merged, defaults applied). */
  readonly db: DatabaseConfig;
  /** `databases[i]`, the JSON path that starts the check's messages. */
  readonly path: string;
  /** Gap analysis of schedule_cron; undefined when the cron is invalid. */
  readonly interval?: CronIntervals;
}

/** A rule on the plan as a whole (regions, accounts, network, vault lock). */
export interface IPlanFileCheck {
  /** Stable id, e.g. "dr-region-differs". */
  readonly id: string;
  readonly description: string;
  evaluate(context: PlanFileContext): CheckResult;
}

/** A rule on one database entry of the plan file. */
export interface IDatabaseFileCheck {
  /** Stable id, e.g. "unique-names". */
  readonly id: string;
  readonly description: string;
  evaluate(context: DatabaseFileContext): CheckResult;
}

/** The plan-level context of a schema-valid file and its normalized plan. */
export function planFileContext(file: PlanFile, plan: BackupPlanConfig, scheduleFromYear?: number): PlanFileContext {
  return { file, plan, scheduleFromYear };
}

/** The context of `databases[index]`. */
export function databaseFileContext(context: PlanFileContext, index: number): DatabaseFileContext {
  const db = context.plan.databases[index];
  const parsed = parseAwsCron(db.scheduleCron);
  return {
    ...context,
    raw: context.file.databases[index],
    db,
    path: databasePath(db),
    interval: parsed.schedule ? cronIntervals(parsed.schedule, context.scheduleFromYear) : undefined,
  };
}

/** `rds` and `aurora`: the deployments AWS manages. */
export function isAwsManaged(deployment: string): boolean {
  return deployment === 'rds' || deployment === 'aurora';
}

const ARN_PARTS = /^arn:[^:]+:[^:]+:([^:]*):([0-9]{12}):([a-z-]+)[:/]/;

/** Region and account of an ARN; undefined when it does not have the ARN shape. */
export function arnLocation(arn: string): { region: string; account: string } | undefined {
  const m = ARN_PARTS.exec(arn);
  return m ? { region: m[1], account: m[2] } : undefined;
}
