/**
 * Continuous recovery points are kept min(retention_days, 35) days; a vault lock whose minimum is
 * longer would fail every continuous backup job.
 */
import { compliant, nonCompliant, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck } from './file-check';
import { CONTINUOUS_RETENTION_DAYS } from '../model';
import { usesContinuousBackup } from '../tiers';

export const continuousRetentionVsLock: IDatabaseFileCheck = {
  id: 'continuous-retention-vs-lock',
  description: 'Continuous backup retention reaches vault_lock.min_retention_days.',
  evaluate({ file, db, path, interval }: DatabaseFileContext) {
    const lock = file.vault_lock;
    if (lock === undefined || !usesContinuousBackup(db, interval)) {
      return notApplicable();
    }
    const days = Math.min(db.retention.dailyDays, CONTINUOUS_RETENTION_DAYS.max);
    if (days < lock.min_retention_days) {
      return nonCompliant(`${path}.continuous_backup: continuous recovery points are kept min(retention_days, ${CONTINUOUS_RETENTION_DAYS.max}) = ${days} days, below vault_lock.min_retention_days ${lock.min_retention_days}; fix: lower min_retention_days to ≤ ${days} or set continuous_backup false`);
    }
    return compliant();
  },
};
