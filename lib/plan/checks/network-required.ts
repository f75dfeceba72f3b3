/**
 * A self-managed database (runner tasks) or a verified one (restored instance and validator)
 * runs something in the plan's VPC, so the plan needs network.
 */
import { compliant, nonCompliant, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck } from './file-check';

export const networkRequired: IDatabaseFileCheck = {
  id: 'network-required',
  description: 'The plan gives network when a database is self-managed or verified.',
  evaluate({ file, raw, path }: DatabaseFileContext) {
    const selfManaged = raw.deployment === 'self-managed';
    if (!selfManaged && raw.verification === undefined) {
      return notApplicable();
    }
    if (file.network === undefined) {
      const why = selfManaged ? 'its runner tasks run in your VPC' : 'its restore tests place the restored instance and the validator in your VPC';
      return nonCompliant(`network: required because ${path} "${raw.name}" is ${selfManaged ? 'self-managed' : 'verified'} (${why}); give vpc_id, availability_zones and private_subnet_ids, got nothing`);
    }
    return compliant();
  },
};
