/** The DR copy lives in another Region than the primary. */
import { compliant, nonCompliant } from './check';
import { IPlanFileCheck, PlanFileContext } from './file-check';

export const drRegionDiffers: IPlanFileCheck = {
  id: 'dr-region-differs',
  description: 'dr_region differs from primary_region.',
  evaluate({ file }: PlanFileContext) {
    if (file.dr_region === file.primary_region) {
      return nonCompliant(`dr_region: "${file.dr_region}" must differ from primary_region "${file.primary_region}" — a copy in the same Region does not survive a Regional outage`);
    }
    return compliant();
  },
};
