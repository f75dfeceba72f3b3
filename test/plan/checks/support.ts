/** Contexts for testing one check at a time, built from a plan file as written. */
import { DATABASE_FILE_CHECKS, FEASIBILITY_CHECKS, PLAN_FILE_CHECKS } from '../../../lib/plan/checks';
import { CheckContext } from '../../../lib/plan/checks/check';
import { DatabaseFileContext, PlanFileContext, databaseFileContext, planFileContext } from '../../../lib/plan/checks/file-check';
import { scheduleOf } from '../../../lib/plan/feasibility';
import { normalizePlan, withEntryDefaults } from '../../../lib/plan/normalize';
import { PlanFile } from '../../../lib/plan/plan-file-types';
import { decideTiers } from '../../../lib/plan/tiers';

export const YEAR = 2028;
export const SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf';
export const NETWORK = { vpc_id: 'vpc-0123456789abcdef0', availability_zones: ['us-east-1a'], private_subnet_ids: ['subnet-0123456789abcdef0'] };

/** A valid plan with one RDS PostgreSQL database (continuous backup by "auto", no logical tier). */
export function basePlan(): any {
  return {
    primary_region: 'us-east-1',
    dr_region: 'us-west-2',
    databases: [{
      name: 'orders', db_type: 'postgres', deployment: 'rds',
      rpo_minutes: 15, rto_minutes: 60, schedule_cron: 'cron(0 2 * * ? *)', retention_days: 35,
    }],
  };
}

/** basePlan with its first database changed. */
export function planWithDb(changes: object): any {
  const plan = basePlan();
  plan.databases[0] = { ...plan.databases[0], ...changes };
  return plan;
}

/** The context the loader builds: the file with its entry defaults (name, deployment), and its normalized plan. */
export function planContext(file: object): PlanFileContext {
  const withDefaults = withEntryDefaults(file as PlanFile);
  return planFileContext(withDefaults, normalizePlan(withDefaults, 'test-plan.json'), YEAR);
}

export function databaseContext(file: object, index = 0): DatabaseFileContext {
  return databaseFileContext(planContext(file), index);
}

/** The feasibility context of `databases[index]`, as assessDatabase builds it. */
export function feasibilityContext(file: object, index = 0): CheckContext {
  const db = normalizePlan(file as PlanFile, 'test-plan.json').databases[index];
  const interval = scheduleOf(db, YEAR);
  return { db, interval, tiers: decideTiers(db, interval) };
}

/** Every registered check id, per registry. */
export const REGISTERED = {
  plan: PLAN_FILE_CHECKS.map((c) => c.id),
  database: DATABASE_FILE_CHECKS.map((c) => c.id),
  feasibility: FEASIBILITY_CHECKS.map((c) => c.id),
};
