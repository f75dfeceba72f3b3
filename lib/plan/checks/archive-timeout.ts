/** archive_timeout_seconds tunes continuous archiving; without archive it does nothing. */
import { compliant, nonCompliant, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck } from './file-check';

export const archiveTimeout: IDatabaseFileCheck = {
  id: 'archive-timeout',
  description: 'archive_timeout_seconds is given only with archive.',
  evaluate({ raw, path }: DatabaseFileContext) {
    if (raw.archive_timeout_seconds === undefined) {
      return notApplicable();
    }
    if ((raw.archive ?? 'none') === 'none') {
      return nonCompliant(`${path}.archive_timeout_seconds: ${raw.archive_timeout_seconds} has no effect without archive; set archive or remove it`);
    }
    return compliant();
  },
};
