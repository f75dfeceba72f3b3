/**
 * Restore verification of an rds/aurora database needs its ARN: AWS Backup's restore testing
 * restores recovery points of named resources, and the validator matches each restored copy to
 * its database (baseline, secrets, checks) by the source ARN. A tag selection names none.
 */
import { compliant, nonCompliant, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck, isAwsManaged } from './file-check';

export const verificationIdentifier: IDatabaseFileCheck = {
  id: 'verification-identifier',
  description: 'A verified rds/aurora database gives existing_resource_arn (the selection may still be by tags).',
  evaluate({ raw, path }: DatabaseFileContext) {
    if (raw.verification === undefined || !isAwsManaged(raw.deployment)) {
      return notApplicable();
    }
    if (raw.existing_resource_arn === undefined) {
      return nonCompliant(`${path}.verification: restore verification needs ${path}.existing_resource_arn (the validator matches each restored copy to its database by the source ARN; a tag selection names none): add it, the backup selection can stay "tags", or remove verification, got no existing_resource_arn`);
    }
    return compliant();
  },
};
