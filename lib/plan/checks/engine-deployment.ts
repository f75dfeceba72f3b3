/** MongoDB does not run on RDS or Aurora; Aurora has no MariaDB edition. */
import { CheckContext, IPlanCheck, compliant, nonCompliant, notApplicable } from './check';
import { DatabaseEngine, DeploymentKind, databasePath } from '../types';

export const engineDeployment: IPlanCheck = {
  id: 'engine-deployment',
  description: 'The engine can run on the deployment (no MongoDB on RDS/Aurora, no MariaDB on Aurora).',
  evaluate({ db }: CheckContext) {
    if (db.engine === DatabaseEngine.MARIADB && db.deployment === DeploymentKind.AURORA) {
      return nonCompliant(`${databasePath(db)}.deployment: "aurora" cannot run db_type "mariadb" — Aurora offers MySQL- and PostgreSQL-compatible editions only; fix: use deployment "rds" for RDS for MariaDB, or db_type "mysql" for Aurora MySQL`);
    }
    if (db.engine !== DatabaseEngine.MONGODB) {
      return notApplicable();
    }
    if (db.deployment === DeploymentKind.SELF_MANAGED) {
      return compliant();
    }
    return nonCompliant(`${databasePath(db)}.deployment: "${db.deployment}" cannot run db_type "mongodb" — RDS and Aurora do not offer MongoDB (Amazon DocumentDB is a different service, not supported here); fix: use deployment "self-managed"`);
  },
};
