/** Database names are unique within the plan (they name stacks, resources and metrics). */
import { compliant, nonCompliant } from './check';
import { DatabaseFileContext, IDatabaseFileCheck } from './file-check';

export const uniqueNames: IDatabaseFileCheck = {
  id: 'unique-names',
  description: 'Every database name is used once; later duplicates point at the first.',
  evaluate({ file, raw, db, path }: DatabaseFileContext) {
    const first = file.databases.findIndex((other) => other.name === raw.name);
    if (first < db.index) {
      return nonCompliant(`${path}.name: "${raw.name}" is already used by databases[${first}]; names must be unique`);
    }
    return compliant();
  },
};
