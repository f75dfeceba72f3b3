/**
 * existing_resource_arn names an AWS-managed database of the deployment's kind: a DB instance
 * (…:db:ID) for rds, a DB cluster (…:cluster:ID) for aurora.
 */
import { fromProblems, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck, arnLocation, isAwsManaged } from './file-check';
import { showValue } from '../json-errors';

export const existingResourceKind: IDatabaseFileCheck = {
  id: 'existing-resource-kind',
  description: 'existing_resource_arn is given for rds/aurora only and names an instance or a cluster to match.',
  evaluate({ raw, path }: DatabaseFileContext) {
    const arn = raw.existing_resource_arn;
    if (arn === undefined) {
      return notApplicable();
    }
    const arnPath = `${path}.existing_resource_arn`;
    if (!isAwsManaged(raw.deployment)) {
      return fromProblems([`${arnPath}: ${showValue(arn)} is only for deployment "rds" or "aurora", got deployment "${raw.deployment}"`]);
    }
    if (!arnLocation(arn)) {
      return notApplicable(); // the schema reports a malformed ARN
    }
    const problems: string[] = [];
    const kind = arn.split(':')[5];
    if (raw.deployment === 'rds' && kind !== 'db') {
      problems.push(`${arnPath}: deployment "rds" needs a DB instance ARN (…:db:ID), got ${showValue(arn)}`);
    }
    if (raw.deployment === 'aurora' && kind !== 'cluster') {
      problems.push(`${arnPath}: deployment "aurora" needs a DB cluster ARN (…:cluster:ID), got ${showValue(arn)}`);
    }
    return fromProblems(problems);
  },
};
