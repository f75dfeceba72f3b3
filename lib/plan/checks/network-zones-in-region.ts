/** The network's availability zones are in the primary Region, where the databases run. */
import { compliant, nonCompliant, notApplicable } from './check';
import { IPlanFileCheck, PlanFileContext } from './file-check';
import { showValue } from '../json-errors';

export const networkZonesInRegion: IPlanFileCheck = {
  id: 'network-zones-in-region',
  description: 'network.availability_zones are all in primary_region.',
  evaluate({ file }: PlanFileContext) {
    const net = file.network;
    if (net === undefined) {
      return notApplicable();
    }
    if (net.availability_zones.some((az) => !az.startsWith(file.primary_region))) {
      return nonCompliant(`network.availability_zones: ${showValue(net.availability_zones)} must all be in primary_region "${file.primary_region}"`);
    }
    return compliant();
  },
};
