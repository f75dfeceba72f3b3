/**
 * Recovery objectives as `Duration`s, for constructs. The plan module works in plain minutes;
 * this is the one place that converts at the construct boundary.
 */
import { Duration } from 'aws-cdk-lib';
import { DatabaseConfig } from './types';

export interface RecoveryObjectives {
  /** Recovery point objective: the most data the business accepts to lose. */
  readonly rpo: Duration;
  /** Recovery time objective: the longest acceptable time to a usable database. */
  readonly rto: Duration;
}

export function recoveryObjectives(db: DatabaseConfig): RecoveryObjectives {
  return { rpo: Duration.minutes(db.rpoMinutes), rto: Duration.minutes(db.rtoMinutes) };
}
