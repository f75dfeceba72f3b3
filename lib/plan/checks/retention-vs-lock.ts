/**
 * Every scheduled retention (daily days, weekly × 7, monthly × 31) lies within the vault lock's
 * range: AWS Backup fails backup and copy jobs whose retention is outside it.
 */
import { fromProblems, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck } from './file-check';

const WHY = 'AWS Backup fails backup and copy jobs whose retention is outside the vault lock range';

export const retentionVsLock: IDatabaseFileCheck = {
  id: 'retention-vs-lock',
  description: 'retention_days, retention.weekly and retention.monthly lie within the vault lock range.',
  evaluate({ file, raw, db, path }: DatabaseFileContext) {
    const lock = file.vault_lock;
    if (lock === undefined) {
      return notApplicable();
    }
    const problems: string[] = [];
    const checkDays = (field: string, shown: string, days: number) => {
      if (days < lock.min_retention_days) {
        problems.push(`${path}.${field}: ${shown} is below vault_lock.min_retention_days ${lock.min_retention_days} — ${WHY}`);
      }
      if (lock.max_retention_days !== undefined && days > lock.max_retention_days) {
        problems.push(`${path}.${field}: ${shown} is above vault_lock.max_retention_days ${lock.max_retention_days} — ${WHY}`);
      }
    };
    const { dailyDays, weeklyCount, monthlyCount } = db.retention;
    checkDays('retention_days', `${raw.retention_days}`, dailyDays);
    if (weeklyCount > 0) {
      checkDays('retention.weekly', `${weeklyCount} (= ${weeklyCount * 7} days)`, weeklyCount * 7);
    }
    if (monthlyCount > 0) {
      checkDays('retention.monthly', `${monthlyCount} (= ${monthlyCount * 31} days)`, monthlyCount * 31);
    }
    return fromProblems(problems);
  },
};
