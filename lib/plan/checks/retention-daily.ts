/** retention.daily and retention_days say the same thing; they must not disagree. */
import { compliant, nonCompliant, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck } from './file-check';

export const retentionDaily: IDatabaseFileCheck = {
  id: 'retention-daily',
  description: 'retention.daily, when given, equals retention_days.',
  evaluate({ raw, path }: DatabaseFileContext) {
    if (raw.retention?.daily === undefined) {
      return notApplicable();
    }
    if (raw.retention.daily !== raw.retention_days) {
      return nonCompliant(`${path}.retention.daily: ${raw.retention.daily} conflicts with retention_days ${raw.retention_days}; give one of them, or the same value`);
    }
    return compliant();
  },
};
