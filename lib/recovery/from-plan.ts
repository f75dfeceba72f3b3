/**
 * A plan database's runbook entry: its objectives, checks and the feasibility model's estimate
 * of every tier the plan decided, with the constructs the DR app compiled it into.
 */
import { Construct } from 'constructs';
import { Duration, Stack, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
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
    // The restore task of its dump connects to the target as the runner's user (the host secret): it must be allowed to create a scratch database.
    ...(db.host && runners.length > 0 ? { restoreTargetCredentials: hostSecret(Stack.of(runners[0]), `${db.name}-RestoreTargetCredentials`, db.host.secretArn), restoreTargetUser: db.host.user } : {}),
  };
}

/** The plan's secret by ARN: complete (with Secrets Manager's 6-character suffix) or partial. */
function hostSecret(scope: Stack, id: string, arn: string): secretsmanager.ISecret {
  return /-[A-Za-z0-9]{6}$/.test(arn) ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, arn) : secretsmanager.Secret.fromSecretPartialArn(scope, id, arn);
}
