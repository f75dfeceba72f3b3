/** The vault lock's retention range is not empty. */
import { compliant, nonCompliant, notApplicable } from './check';
import { IPlanFileCheck, PlanFileContext } from './file-check';

export const vaultLockRange: IPlanFileCheck = {
  id: 'vault-lock-range',
  description: 'vault_lock.max_retention_days, when set, is at least min_retention_days.',
  evaluate({ file }: PlanFileContext) {
    const lock = file.vault_lock;
    if (lock?.max_retention_days === undefined) {
      return notApplicable();
    }
    if (lock.max_retention_days < lock.min_retention_days) {
      return nonCompliant(`vault_lock.max_retention_days: ${lock.max_retention_days} is below min_retention_days ${lock.min_retention_days}`);
    }
    return compliant();
  },
};
