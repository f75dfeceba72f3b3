/**
 * The registries of plan checks, each in the order its messages are listed:
 * - PLAN_FILE_CHECKS: rules on the plan file as a whole (run once by the loader);
 * - DATABASE_FILE_CHECKS: rules on one `databases[i]` entry (run by the loader per database);
 * - FEASIBILITY_CHECKS: tiers, RPO and RTO of a normalized database (run by feasibility.ts).
 */
import { archiveTimeout } from './archive-timeout';
import { backupFrequency } from './backup-frequency';
import { IPlanCheck } from './check';
import { continuousBackupSupported } from './continuous-backup';
import { continuousRetentionVsLock } from './continuous-retention-vs-lock';
import { cronSchedules } from './cron-schedules';
import { drAccountDiffers } from './dr-account-differs';
import { drNetwork } from './dr-network';
import { drRegionDiffers } from './dr-region-differs';
import { drVaultArn } from './dr-vault-arn';
import { engineDeployment } from './engine-deployment';
import { engineTools } from './engine-tools';
import { existingResourceKind } from './existing-resource-kind';
import { existingResourceLocation } from './existing-resource-location';
import { IDatabaseFileCheck, IPlanFileCheck } from './file-check';
import { logicalTierHost } from './logical-tier-host';
import { networkRequired } from './network-required';
import { networkSubnetPerZone } from './network-subnet-per-zone';
import { networkZonesInRegion } from './network-zones-in-region';
import { pgbackrestTlsSecret } from './pgbackrest-tls-secret';
import { rdsTlsSecret } from './rds-tls-secret';
import { runnerImagePinned } from './runner-image-pinned';
import { retentionDaily } from './retention-daily';
import { retentionVsLock } from './retention-vs-lock';
import { rpoAchievable } from './rpo-achievable';
import { rtoAchievable } from './rto-achievable';
import { selectionMode } from './selection-mode';
import { selfManagedHost } from './self-managed-host';
import { tierCount } from './tier-count';
import { uniqueNames } from './unique-names';
import { vaultLockCoolingOff } from './vault-lock-cooling-off';
import { vaultLockRange } from './vault-lock-range';
import { verificationChecks } from './verification-checks';
import { verificationCredentials } from './verification-credentials';

export * from './check';
export { recoveryTier } from './rto-achievable';

export const PLAN_FILE_CHECKS: IPlanFileCheck[] = [
  drRegionDiffers,
  drAccountDiffers,
  drVaultArn,
  networkSubnetPerZone,
  networkZonesInRegion,
  vaultLockRange,
  vaultLockCoolingOff,
  runnerImagePinned,
  drNetwork,
];

export const DATABASE_FILE_CHECKS: IDatabaseFileCheck[] = [
  uniqueNames,
  cronSchedules,
  retentionDaily,
  existingResourceKind,
  existingResourceLocation,
  selfManagedHost,
  logicalTierHost,
  rdsTlsSecret,
  selectionMode,
  archiveTimeout,
  retentionVsLock,
  continuousRetentionVsLock,
  networkRequired,
  verificationCredentials,
  verificationChecks,
  pgbackrestTlsSecret,
];

export const FEASIBILITY_CHECKS: IPlanCheck[] = [
  engineDeployment,
  engineTools,
  continuousBackupSupported,
  backupFrequency,
  rpoAchievable,
  rtoAchievable,
  tierCount,
];
