/**
 * schedule_cron and verification.schedule_cron are valid AWS cron expressions that fire at least
 * twice in the analysis window (otherwise they give no interval to judge an RPO by).
 */
import { fromProblems } from './check';
import { DatabaseFileContext, IDatabaseFileCheck } from './file-check';
import { cronIntervals, parseAwsCron } from '../cron';

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

export const cronSchedules: IDatabaseFileCheck = {
  id: 'cron-schedules',
  description: 'The backup and verification schedules are valid AWS cron expressions that repeat.',
  evaluate({ raw, path, scheduleFromYear }: DatabaseFileContext) {
    const problems = cronProblems(`${path}.schedule_cron`, raw.schedule_cron, scheduleFromYear);
    if (raw.verification?.schedule_cron !== undefined) {
      problems.push(...cronProblems(`${path}.verification.schedule_cron`, raw.verification.schedule_cron, scheduleFromYear));
    }
    return fromProblems(problems);
  },
};
