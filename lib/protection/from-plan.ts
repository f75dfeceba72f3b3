/**
 * Maps a database of the plan file to DatabaseProtection props, so the DR app and a hand-written
 * app derive the same AWS Backup plan from the same objectives. The construct itself does not
 * depend on the plan types.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { DatabaseResourceKind, ProtectedDatabase, SelectionTag } from './protected-database';
import { ConfigurationError } from '../errors';
import { scheduleOf } from '../plan/feasibility';
import { usesContinuousBackup } from '../plan/tiers';
import { DatabaseConfig, DeploymentKind, SelectionMode, databasePath } from '../plan/types';

/** The plan-derived part of DatabaseProtectionProps (add `database`, `vault`, `drVault`...). */
export interface PlanProtectionOptions {
  readonly rpo: Duration;
  readonly snapshotSchedule: events.Schedule;
  readonly snapshotRetention: Duration;
  /** @default - no weekly tier (the plan's `retention.weekly` is 0) */
  readonly weeklyRetention?: Duration;
  /** @default - no monthly tier (the plan's `retention.monthly` is 0) */
  readonly monthlyRetention?: Duration;
  /** As decided by the plan's tier model (`continuous_backup` true/false/auto). */
  readonly continuousBackup: boolean;
  /** @default - the selection names the database by ARN (`selection` is not `tags`) */
  readonly selectionTags?: SelectionTag[];
}

/** Props for one RDS/Aurora database of the plan. Throws for self-managed databases. */
export function protectionOptionsFromPlan(db: DatabaseConfig): PlanProtectionOptions {
  if (db.deployment === DeploymentKind.SELF_MANAGED) {
    throw new ConfigurationError('protectionOptionsFromPlan', [`${databasePath(db)}.deployment: "self-managed" is protected by the runner, not by AWS Backup (DatabaseProtection covers rds and aurora)`]);
  }
  const r = db.retention;
  return {
    rpo: Duration.minutes(db.rpoMinutes),
    snapshotSchedule: events.Schedule.expression(db.scheduleCron),
    snapshotRetention: Duration.days(r.dailyDays),
    weeklyRetention: r.weeklyCount > 0 ? Duration.days(r.weeklyCount * 7) : undefined,
    monthlyRetention: r.monthlyCount > 0 ? Duration.days(r.monthlyCount * 31) : undefined,
    continuousBackup: usesContinuousBackup(db, scheduleOf(db)),
    selectionTags: db.selection === SelectionMode.TAGS ? selectionTagsOf(db) : undefined,
  };
}

function selectionTagsOf(db: DatabaseConfig): SelectionTag[] {
  return Object.entries(db.selectionTags).map(([key, value]) => ({ key, value }));
}

/**
 * The database of an rds/aurora entry: the instance or cluster named by `existing_resource_arn`,
 * or, without it, every instance or cluster carrying its selection tags (`ProtectedDatabase.fromTags`).
 * Undefined for a self-managed database (and for a plan entry without either, which the loader refuses).
 */
export function protectedDatabaseFromPlan(db: DatabaseConfig): ProtectedDatabase | undefined {
  if (db.deployment === DeploymentKind.SELF_MANAGED) {
    return undefined;
  }
  const aurora = db.deployment === DeploymentKind.AURORA;
  if (db.existingResourceArn) {
    return aurora ? ProtectedDatabase.fromClusterArn(db.existingResourceArn) : ProtectedDatabase.fromInstanceArn(db.existingResourceArn);
  }
  const tags = selectionTagsOf(db);
  if (tags.length === 0) {
    return undefined;
  }
  return ProtectedDatabase.fromTags(aurora ? DatabaseResourceKind.AURORA_CLUSTER : DatabaseResourceKind.RDS_INSTANCE, tags);
}
