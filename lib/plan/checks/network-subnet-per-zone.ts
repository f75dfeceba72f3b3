/** One private subnet per availability zone, in the same order. */
import { compliant, nonCompliant, notApplicable } from './check';
import { IPlanFileCheck, PlanFileContext } from './file-check';

export const networkSubnetPerZone: IPlanFileCheck = {
  id: 'network-subnet-per-zone',
  description: 'network gives exactly one private subnet per availability zone.',
  evaluate({ file }: PlanFileContext) {
    const net = file.network;
    if (net === undefined) {
      return notApplicable();
    }
    if (net.availability_zones.length !== net.private_subnet_ids.length) {
      return nonCompliant(`network.private_subnet_ids: ${net.private_subnet_ids.length} subnet(s) for ${net.availability_zones.length} availability zone(s); give one subnet per zone, in the same order`);
    }
    return compliant();
  },
};
