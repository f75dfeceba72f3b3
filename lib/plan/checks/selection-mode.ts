/**
 * selection is how the AWS Backup selection finds an rds/aurora database; "tags" matches every
 * tag of the database, so it needs at least one; "arn" needs the ARN.
 */
import { fromProblems, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck, isAwsManaged } from './file-check';

export const selectionMode: IDatabaseFileCheck = {
  id: 'selection-mode',
  description: 'selection is given for rds/aurora only; selection "tags" has tags to match, "arn" an existing_resource_arn.',
  evaluate({ raw, db, path }: DatabaseFileContext) {
    if (raw.selection === undefined) {
      return notApplicable();
    }
    const problems: string[] = [];
    if (!isAwsManaged(raw.deployment)) {
      problems.push(`${path}.selection: "${raw.selection}" applies to AWS Backup selections of rds/aurora only, got deployment "${raw.deployment}"`);
    }
    if (raw.selection === 'arn' && isAwsManaged(raw.deployment) && raw.existing_resource_arn === undefined) {
      problems.push(`${path}.selection: "arn" needs ${path}.existing_resource_arn to name the database; give it, or select by tags (remove selection), got no existing_resource_arn`);
    }
    if (raw.selection === 'tags' && Object.keys(db.tags).length === 0) {
      problems.push(`${path}.selection: "tags" needs at least one tag in ${path}.tags or the plan's tags (every tag must match), got none`);
    }
    return fromProblems(problems);
  },
};
