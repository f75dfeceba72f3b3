/**
 * selection is how the AWS Backup selection finds an rds/aurora database; "tags" matches every
 * tag of the database, so it needs at least one.
 */
import { fromProblems, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck, isAwsManaged } from './file-check';

export const selectionMode: IDatabaseFileCheck = {
  id: 'selection-mode',
  description: 'selection is given for rds/aurora only; selection "tags" has tags to match.',
  evaluate({ raw, db, path }: DatabaseFileContext) {
    if (raw.selection === undefined) {
      return notApplicable();
    }
    const problems: string[] = [];
    if (!isAwsManaged(raw.deployment)) {
      problems.push(`${path}.selection: "${raw.selection}" applies to AWS Backup selections of rds/aurora only, got deployment "${raw.deployment}"`);
    }
    if (raw.selection === 'tags' && Object.keys(db.tags).length === 0) {
      problems.push(`${path}.selection: "tags" needs at least one tag in ${path}.tags or the plan's tags (every tag must match), got none`);
    }
    return fromProblems(problems);
  },
};
