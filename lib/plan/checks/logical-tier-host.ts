/**
 * On RDS/Aurora the runner takes only the logical tier, and host is its endpoint: required when
 * the database takes logical dumps, pointless when it does not.
 */
import { compliant, nonCompliant, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck, isAwsManaged } from './file-check';
import { showValue } from '../json-errors';
import { usesLogicalBackup } from '../tiers';

export const logicalTierHost: IDatabaseFileCheck = {
  id: 'logical-tier-host',
  description: 'An rds/aurora database gives host exactly when it takes runner logical dumps.',
  evaluate({ raw, db, path, interval }: DatabaseFileContext) {
    if (!isAwsManaged(raw.deployment)) {
      return notApplicable();
    }
    const logical = usesLogicalBackup(db, interval);
    if (raw.host !== undefined && !logical) {
      return nonCompliant(`${path}.host: on deployment "${raw.deployment}" it is the endpoint of the runner's logical dumps, but this database takes none (logical_backup false or continuous backup on); remove host, got ${showValue(raw.host)}`);
    }
    if (raw.host === undefined && logical) {
      return nonCompliant(`${path}.host: required for the logical tier (${raw.db_type === 'postgres' ? 'pg_dump' : 'mysqldump'} by the runner): give the ${raw.deployment === 'aurora' ? 'cluster' : 'instance'} endpoint, port and the backup user's secret_arn, or set logical_backup false, got nothing`);
    }
    return compliant();
  },
};
