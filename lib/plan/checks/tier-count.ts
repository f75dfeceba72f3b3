/**
 * The library promises at least two tiers per database (one for point-in-time recovery or a
 * second copy method, one scheduled). A single tier is allowed but said out loud.
 */
import { CheckContext, IPlanCheck, compliant, compliantWithWarnings, notApplicable } from './check';
import { DatabaseEngine, DeploymentKind, databasePath } from '../types';

export const tierCount: IPlanCheck = {
  id: 'tier-count',
  description: 'The database has at least two backup tiers.',
  evaluate({ db, tiers }: CheckContext) {
    if (tiers.length === 0) {
      return notApplicable();
    }
    if (tiers.length >= 2) {
      return compliant();
    }
    const hint = db.deployment === DeploymentKind.SELF_MANAGED
      ? (db.engine === DatabaseEngine.POSTGRES ? 'set archive "pgbackrest"' : db.engine === DatabaseEngine.MONGODB ? 'set archive "oplog"' : 'set archive "binlog"')
      : 'set continuous_backup true or logical_backup true';
    return compliantWithWarnings(`${databasePath(db)}: "${db.name}" has a single backup tier (${tiers[0].label}); ${hint} for a second one`);
  },
};
