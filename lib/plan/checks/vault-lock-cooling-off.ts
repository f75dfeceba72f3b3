/**
 * changeable_for_hours is the cooling-off period of a compliance-mode lock: required there,
 * meaningless in governance mode.
 */
import { compliant, nonCompliant, notApplicable } from './check';
import { IPlanFileCheck, PlanFileContext } from './file-check';

export const vaultLockCoolingOff: IPlanFileCheck = {
  id: 'vault-lock-cooling-off',
  description: 'vault_lock.changeable_for_hours is given for mode "compliance" and only for it.',
  evaluate({ file }: PlanFileContext) {
    const lock = file.vault_lock;
    if (lock === undefined) {
      return notApplicable();
    }
    if (lock.mode === 'governance' && lock.changeable_for_hours !== undefined) {
      return nonCompliant(`vault_lock.changeable_for_hours: ${lock.changeable_for_hours} applies to mode "compliance" only, got mode "governance"`);
    }
    if (lock.mode === 'compliance' && lock.changeable_for_hours === undefined) {
      return nonCompliant('vault_lock.changeable_for_hours: required for mode "compliance" (at least 72: the cooling-off period before the lock becomes immutable), got nothing');
    }
    return compliant();
  },
};
