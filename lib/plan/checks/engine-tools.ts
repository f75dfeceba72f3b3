/**
 * The archive tool fits the engine and the deployment. RDS and Aurora give no access to the data
 * directory or to archive_command, so pgBackRest and wal-g cannot run against them.
 */
import { CheckContext, IPlanCheck, compliant, nonCompliant, notApplicable } from './check';
import { archiveToolsFor } from '../tiers';
import { ArchiveTool, DeploymentKind, databasePath } from '../types';

export const engineTools: IPlanCheck = {
  id: 'engine-tools',
  description: 'The archive tool can run for the engine and deployment.',
  evaluate({ db }: CheckContext) {
    if (db.archive === ArchiveTool.NONE) {
      return notApplicable();
    }
    const path = `${databasePath(db)}.archive`;
    if (db.deployment !== DeploymentKind.SELF_MANAGED) {
      if (db.archive === ArchiveTool.PGBACKREST || db.archive === ArchiveTool.WAL_G) {
        return nonCompliant(`${path}: "${db.archive}" cannot be used with deployment "${db.deployment}" — ${db.deployment === DeploymentKind.AURORA ? 'Aurora' : 'RDS'} gives no access to the data directory or archive_command, so pgBackRest and wal-g cannot run against it; fix: remove archive and use continuous_backup (AWS Backup PITR, ~5 min RPO)`);
      }
      return nonCompliant(`${path}: "${db.archive}" is for self-managed databases, not deployment "${db.deployment}"; fix: remove archive and use continuous_backup (AWS Backup PITR, ~5 min RPO)`);
    }
    const fits = archiveToolsFor(db.engine);
    if (!fits.includes(db.archive)) {
      return nonCompliant(`${path}: "${db.archive}" does not work with db_type "${db.engine}"; use ${fits.map((t) => `"${t}"`).join(' or ')}`);
    }
    return compliant();
  },
};
