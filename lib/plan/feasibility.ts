/**
 * Decides the tiers of every database of a plan and proves (or refutes) that each meets its RPO
 * and RTO, by running the checks in checks/ against the model in model.ts. Pure: no CDK, no I/O.
 */
import { FEASIBILITY_CHECKS, recoveryTier } from './checks';
import { CronIntervals, cronIntervals, parseAwsCron } from './cron';
import { describeSelection, notSetUp } from './identity';
import { TierKind } from './model';
import { TierDecision, decideTiers, usesContinuousBackup } from './tiers';
import { BackupPlanConfig, DatabaseConfig } from './types';
import { ConfigurationError } from '../errors';

/** The verdict on one database. */
export interface DatabaseAssessment {
  readonly database: DatabaseConfig;
  /**
   * Gap analysis of schedule_cron; undefined when the cron is invalid.
   * @default - undefined when the cron is invalid
   */
  readonly schedule?: CronIntervals;
  readonly tiers: TierDecision[];
  /** AWS Backup continuous backup is part of the plan (RDS/Aurora only). */
  readonly continuousBackup: boolean;
  /** The runner takes scheduled logical dumps. */
  readonly logicalBackup: boolean;
  /**
   * Best RPO over the tiers, minutes; undefined when no tier can run.
   * @default - undefined when no tier can run
   */
  readonly achievedRpoMinutes?: number;
  /**
   * The tier a restore would use (see rto-achievable).
   * @default - undefined when no tier qualifies
   */
  readonly recoveryTier?: TierDecision;
  /** @default - undefined when there is no recovery tier */
  readonly estimatedRtoMinutes?: number;
  readonly rpoMet: boolean;
  readonly rtoMet: boolean;
  readonly problems: string[];
  readonly warnings: string[];
  /**
   * How AWS Backup selects the database when it is by tags, e.g. "every RDS DB instance tagged
   * backup=gold (all of them must match) ...".
   * @default - undefined: by ARN, or a self-managed database
   */
  readonly tagSelection?: string;
  /**
   * What the plan could not set up for lack of an identifier (existing_resource_arn, host), one
   * line each: restore verification, per-database monitoring, the logical tier.
   */
  readonly notSetUp: string[];
}

export interface FeasibilityResult {
  readonly plan: BackupPlanConfig;
  readonly databases: DatabaseAssessment[];
  /** Every problem of every database. */
  readonly problems: string[];
  readonly warnings: string[];
  readonly feasible: boolean;
}

/** The schedule analysis of a database, shared by the loader and the assessment. */
export function scheduleOf(db: DatabaseConfig, fromYear?: number): CronIntervals | undefined {
  const parsed = parseAwsCron(db.scheduleCron);
  return parsed.schedule ? cronIntervals(parsed.schedule, fromYear) : undefined;
}

export function assessDatabase(db: DatabaseConfig, fromYear?: number): DatabaseAssessment {
  const schedule = scheduleOf(db, fromYear);
  const tiers = decideTiers(db, schedule);
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const check of FEASIBILITY_CHECKS) {
    const result = check.evaluate({ db, interval: schedule, tiers });
    problems.push(...result.problems);
    warnings.push(...result.warnings);
  }
  const achieved = tiers.length ? Math.min(...tiers.map((t) => t.rpoMinutes)) : undefined;
  const recovery = recoveryTier(tiers, db.rpoMinutes);
  return {
    database: db,
    schedule,
    tiers,
    continuousBackup: usesContinuousBackup(db, schedule),
    logicalBackup: tiers.some((t) => t.kind === TierKind.LOGICAL),
    achievedRpoMinutes: achieved,
    recoveryTier: recovery,
    estimatedRtoMinutes: recovery?.estimatedRtoMinutes,
    rpoMet: achieved !== undefined && achieved <= db.rpoMinutes,
    rtoMet: recovery !== undefined && recovery.estimatedRtoMinutes <= db.rtoMinutes,
    problems,
    warnings,
    tagSelection: describeSelection(db),
    notSetUp: notSetUp(db, schedule),
  };
}

/** Assesses every database of the plan. Never throws; see `assertFeasible`. */
export function assessPlan(plan: BackupPlanConfig, fromYear?: number): FeasibilityResult {
  const databases = plan.databases.map((db) => assessDatabase(db, fromYear));
  const problems = databases.flatMap((d) => d.problems);
  return {
    plan,
    databases,
    problems,
    warnings: databases.flatMap((d) => d.warnings),
    feasible: problems.length === 0,
  };
}

/** Throws a ConfigurationError listing every problem when the plan cannot meet its objectives. */
export function assertFeasible(result: FeasibilityResult): void {
  if (!result.feasible) {
    throw new ConfigurationError(`${result.plan.sourceName}: the plan cannot meet its recovery objectives`, result.problems);
  }
}
