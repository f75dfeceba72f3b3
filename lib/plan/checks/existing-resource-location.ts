/** existing_resource_arn lies in primary_region and, when the plan names it, in account. */
import { fromProblems, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck, arnLocation, isAwsManaged } from './file-check';
import { showValue } from '../json-errors';

export const existingResourceLocation: IDatabaseFileCheck = {
  id: 'existing-resource-location',
  description: 'existing_resource_arn is in primary_region and the plan\'s account.',
  evaluate({ file, raw, path }: DatabaseFileContext) {
    const arn = raw.existing_resource_arn;
    const where = arn === undefined ? undefined : arnLocation(arn);
    if (!where || !isAwsManaged(raw.deployment)) {
      return notApplicable(); // existing-resource-kind reports the wrong deployment
    }
    const problems: string[] = [];
    const arnPath = `${path}.existing_resource_arn`;
    if (where.region !== file.primary_region) {
      problems.push(`${arnPath}: ${showValue(arn)} is in Region "${where.region}", not primary_region "${file.primary_region}"`);
    }
    if (file.account !== undefined && where.account !== file.account) {
      problems.push(`${arnPath}: ${showValue(arn)} is in account ${where.account}, not account ${file.account}`);
    }
    return fromProblems(problems);
  },
};
