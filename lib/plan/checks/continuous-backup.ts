/** AWS Backup continuous backup exists only for RDS and Aurora. */
import { CheckContext, IPlanCheck, compliant, nonCompliant, notApplicable } from './check';
import { archiveToolsFor } from '../tiers';
import { ContinuousBackupMode, DeploymentKind, databasePath } from '../types';

export const continuousBackupSupported: IPlanCheck = {
  id: 'continuous-backup-supported',
  description: 'continuous_backup true only where AWS Backup offers it (RDS, Aurora).',
  evaluate({ db }: CheckContext) {
    if (db.continuousBackup !== ContinuousBackupMode.ENABLED) {
      return notApplicable();
    }
    if (db.deployment === DeploymentKind.SELF_MANAGED) {
      return nonCompliant(`${databasePath(db)}.continuous_backup: true is not available for deployment "self-managed" — AWS Backup continuous backup covers RDS and Aurora only; fix: set archive to ${archiveToolsFor(db.engine).map((t) => `"${t}"`).join(' or ')} for point-in-time recovery`);
    }
    return compliant();
  },
};
