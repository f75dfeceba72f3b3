/**
 * `dr_network`, the VPC of a recovery in the DR Region: one private subnet per availability zone,
 * in the same order, and every zone in dr_region (a subnet of the primary Region cannot hold a
 * DR-region restore task or restored instance).
 */
import { fromProblems, notApplicable } from './check';
import { IPlanFileCheck, PlanFileContext } from './file-check';
import { showValue } from '../json-errors';

export const drNetwork: IPlanFileCheck = {
  id: 'dr-network',
  description: 'dr_network gives one private subnet per availability zone, all zones in dr_region.',
  evaluate({ file }: PlanFileContext) {
    const net = file.dr_network;
    if (net === undefined) {
      return notApplicable();
    }
    const problems: string[] = [];
    if (net.availability_zones.length !== net.private_subnet_ids.length) {
      problems.push(`dr_network.private_subnet_ids: ${net.private_subnet_ids.length} subnet(s) for ${net.availability_zones.length} availability zone(s); give one subnet per zone, in the same order`);
    }
    if (net.availability_zones.some((az) => !az.startsWith(file.dr_region))) {
      problems.push(`dr_network.availability_zones: ${showValue(net.availability_zones)} must all be in dr_region "${file.dr_region}"`);
    }
    if (file.network !== undefined && file.network.vpc_id === net.vpc_id) {
      problems.push(`dr_network.vpc_id: "${net.vpc_id}" is network.vpc_id, the primary Region's VPC; give the VPC in dr_region "${file.dr_region}"`);
    }
    return fromProblems(problems);
  },
};
