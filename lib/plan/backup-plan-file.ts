/**
 * The plan-file API as static methods, for callers (and jsii languages) that prefer a class to
 * free functions. Same behaviour as loadPlanFile / parsePlan / assessPlan / formatFeasibilityTable.
 */
import { FeasibilityResult, assessPlan } from './feasibility';
import { LoadPlanOptions, backupPlanSchema, loadPlanFile, parsePlan } from './load-plan';
import { formatFeasibilityTable } from './table';
import { BackupPlanConfig } from './types';

export class BackupPlanFile {
  /** Reads, validates and checks a plan file; throws one ConfigurationError with every problem. */
  public static load(path: string, options?: LoadPlanOptions): BackupPlanConfig {
    return loadPlanFile(path, options);
  }

  /** Validates a plan given as JSON text. */
  public static parse(json: string, sourceName: string, options?: LoadPlanOptions): BackupPlanConfig {
    return parsePlan(json, sourceName, options);
  }

  /** Tiers and RPO/RTO verdict per database. */
  public static assess(plan: BackupPlanConfig): FeasibilityResult {
    return assessPlan(plan);
  }

  /** The text table the DR app prints at synth. */
  public static formatTable(result: FeasibilityResult): string {
    return formatFeasibilityTable(result);
  }

  /** The published JSON Schema of the plan file. */
  public static schema(): object {
    return backupPlanSchema();
  }

  private constructor() {}
}
