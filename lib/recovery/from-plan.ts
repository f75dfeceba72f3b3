/**
 * A plan database's runbook entry: its objectives, checks and the feasibility model's estimate
 * of every tier the plan decided, with the constructs the DR app compiled it into.
 */
import { Construct } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import { DatabaseAssessment } from '../plan/feasibility';
import { describeTier } from '../plan/tiers';
import { DatabaseProtection } from '../protection/database-protection';
import { BackupRunner } from '../runner/backup-runner';
import { RunbookDatabaseProps } from './recovery-runbooks';

/** The runbook entry of one assessed database of a plan. */
export function runbookDatabaseFromPlan(
  assessment: DatabaseAssessment, protection: DatabaseProtection | undefined, runners: BackupRunner[], drScope?: Construct,
): RunbookDatabaseProps {
  const db = assessment.database;
  return {
    name: db.name,
    drScope,
    engine: db.engine,
    rpo: Duration.minutes(db.rpoMinutes),
    rto: Duration.minutes(db.rtoMinutes),
    protection,
    runners,
    // The recovery tier first: the runbooks' index shows the first estimate.
    estimates: [...assessment.tiers].sort((x, y) => Number(y === assessment.recoveryTier) - Number(x === assessment.recoveryTier)).map((t) => ({
      source: `${describeTier(t)}${t === assessment.recoveryTier ? ', the recovery tier of the model' : ''}`,
      estimatedRestoreTime: Duration.minutes(t.estimatedRtoMinutes),
      basis: t.rtoBasis,
      maxDataLoss: Duration.minutes(t.rpoMinutes),
    })),
    sqlDatabaseName: db.verification?.databaseName ?? db.host?.databaseNames[0] ?? db.name,
    host: db.host && {
      address: db.host.address, port: db.host.port, user: db.host.user,
      databaseName: db.host.databaseNames[0], dataDirectory: db.engine === 'postgres' ? db.host.pgDataPath : undefined,
    },
    checks: (db.verification?.checks ?? []).map((c) => ({ name: c.name, sql: c.sql })),
  };
}
