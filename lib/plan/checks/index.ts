/** Every feasibility check, in the order their messages are listed. */
import { backupFrequency } from './backup-frequency';
import { IPlanCheck } from './check';
import { continuousBackupSupported } from './continuous-backup';
import { engineDeployment } from './engine-deployment';
import { engineTools } from './engine-tools';
import { rpoAchievable } from './rpo-achievable';
import { rtoAchievable } from './rto-achievable';
import { tierCount } from './tier-count';

export * from './check';
export { recoveryTier } from './rto-achievable';

export const FEASIBILITY_CHECKS: IPlanCheck[] = [
  engineDeployment,
  engineTools,
  continuousBackupSupported,
  backupFrequency,
  rpoAchievable,
  rtoAchievable,
  tierCount,
];
