/** dr_account names another account; same-account copies leave it out. */
import { compliant, nonCompliant, notApplicable } from './check';
import { IPlanFileCheck, PlanFileContext } from './file-check';

export const drAccountDiffers: IPlanFileCheck = {
  id: 'dr-account-differs',
  description: 'dr_account, when set, differs from account.',
  evaluate({ file }: PlanFileContext) {
    if (file.dr_account === undefined) {
      return notApplicable();
    }
    if (file.dr_account === file.account) {
      return nonCompliant(`dr_account: "${file.dr_account}" is the same as account; leave dr_account out for same-account copies`);
    }
    return compliant();
  },
};
