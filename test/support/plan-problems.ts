/** The problems a plan that must be refused is refused with (parsePlan's ConfigurationError), in order. */
import { ConfigurationError } from '../../lib/errors';
import { parsePlan } from '../../lib/plan/load-plan';

/** Schedules are checked from this year on, so a test's cron expressions never age out. */
export const PLAN_TEST_YEAR = { scheduleFromYear: 2028 };

export function planProblems(plan: unknown): string[] {
  try {
    parsePlan(JSON.stringify(plan), 'test-plan.json', PLAN_TEST_YEAR);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return (e as ConfigurationError).problems;
  }
  throw new Error('the plan was accepted');
}
