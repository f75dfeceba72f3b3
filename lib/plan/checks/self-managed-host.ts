/** The runner reaches a self-managed database through host. */
import { compliant, nonCompliant, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck } from './file-check';

export const selfManagedHost: IDatabaseFileCheck = {
  id: 'self-managed-host',
  description: 'A self-managed database gives host.',
  evaluate({ raw, path }: DatabaseFileContext) {
    if (raw.deployment !== 'self-managed') {
      return notApplicable();
    }
    if (raw.host === undefined) {
      return nonCompliant(`${path}.host: required for deployment "self-managed" (address, port, secret_arn of the backup user), got nothing`);
    }
    return compliant();
  },
};
