/**
 * The DR app's hook into DR-region recovery: each database of the plan gets, in the DR Region,
 * a restore task for its replicated logical runner backups and a restore test of its AWS Backup
 * copies in the DR vault; what cannot be set up there is said in `DrRegionRecovery.unavailable`.
 */
import { aws_ecs as ecs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ProtectedDatabase } from '../protection/protected-database';
import { RunnerEngine } from '../runner/runner-engine';
import { DrRegionRecovery } from './dr-region-recovery';
import { isDrRestoreTaskEngine } from './dr-region-validation';

/** What one database of the plan was compiled into, as DR-region recovery sees it. */
export interface DrRecoveryDatabase {
  /** The database's name in the plan. */
  readonly name: string;
  /** Its AWS Backup source (RDS/Aurora) when AWS Backup protects it, copies going to the DR vault. */
  readonly protectedDatabase?: ProtectedDatabase;
  /** Its runners in the primary Region: engine, the database name and the prefix of their backups. */
  readonly runners: Array<{ readonly engine: RunnerEngine; readonly database: string }>;
  /** Key prefix of the runner backups (the replica keeps the keys). */
  readonly s3Prefix: string;
  /** The database to restore into on the DR target. */
  readonly targetDatabaseName?: string;
  /** Where its DR resources go (a nested stack of the DR stack); default the DR recovery construct. */
  readonly scope?: Construct;
}

/** @internal Adds every database's DR restore task and restore test (what cannot be added lands in `recovery.unavailable`). */
export function addDrRecoveryOfPlan(recovery: DrRegionRecovery, databases: DrRecoveryDatabase[], image?: ecs.ContainerImage): void {
  for (const db of databases) {
    for (const runner of db.runners) {
      if (isDrRestoreTaskEngine(runner.engine)) {
        recovery.addRestoreRunner({ database: runner.database, engine: runner.engine, s3Prefix: db.s3Prefix, targetDatabaseName: db.targetDatabaseName, image, scope: db.scope });
      } else {
        const cipher = runner.engine === RunnerEngine.PGBACKREST ? ', with the repository cipher passphrase from its Secrets Manager replica in the DR Region' : '';
        const message = `${db.name}: no DR restore task for its ${runner.engine} backups: a physical restore runs on a database host in the DR Region with the runner CLI, `
          + `reading the replica bucket with the DR stack's database host instance profile (output DatabaseHostInstanceProfileName)${cipher}`;
        recovery.reportUnavailable(`physical-${db.name}-${runner.engine}`, message);
      }
    }
    if (db.protectedDatabase) {
      recovery.addRestoreTest({ name: db.name, database: db.protectedDatabase, scope: db.scope });
    }
  }
}
