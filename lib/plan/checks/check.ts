/**
 * The shape of a plan check: one small rule per file, three outcomes (the cdk-nag shape).
 * Feasibility checks (this file's `IPlanCheck`) judge a normalized database and its tiers; the
 * loader's checks of the file as written have their contexts in file-check.ts.
 */
import { CronIntervals } from '../cron';
import { TierDecision } from '../tiers';
import { DatabaseConfig } from '../types';

export enum CheckOutcome {
  COMPLIANT = 'compliant',
  NON_COMPLIANT = 'non-compliant',
  NOT_APPLICABLE = 'not-applicable',
}

/** What a check sees of one database. */
export interface CheckContext {
  readonly db: DatabaseConfig;
  /**
   * Gap analysis of schedule_cron; undefined when the cron is invalid.
   * @default - undefined when the cron is invalid
   */
  readonly interval?: CronIntervals;
  /** The tiers decided for the database. */
  readonly tiers: TierDecision[];
}

export interface CheckResult {
  readonly outcome: CheckOutcome;
  /** Errors: the plan does not synthesize. One line each, starting with the JSON path. */
  readonly problems: string[];
  /** Worth saying, not blocking. */
  readonly warnings: string[];
}

/** A feasibility check: judges one normalized database with its schedule and tiers. */
export interface IPlanCheck {
  /** Stable id, e.g. "rpo-achievable". */
  readonly id: string;
  readonly description: string;
  evaluate(context: CheckContext): CheckResult;
}

export const compliant = (): CheckResult => ({ outcome: CheckOutcome.COMPLIANT, problems: [], warnings: [] });
export const notApplicable = (): CheckResult => ({ outcome: CheckOutcome.NOT_APPLICABLE, problems: [], warnings: [] });
export const nonCompliant = (...problems: string[]): CheckResult => ({ outcome: CheckOutcome.NON_COMPLIANT, problems, warnings: [] });
export const compliantWithWarnings = (...warnings: string[]): CheckResult => ({ outcome: CheckOutcome.COMPLIANT, problems: [], warnings });
/** Compliant when there is no problem, otherwise non-compliant with all of them. */
export const fromProblems = (problems: string[]): CheckResult => (problems.length ? nonCompliant(...problems) : compliant());
