/**
 * How the plan identifies an rds/aurora database, and what cannot be set up without an
 * identifier. AWS Backup and restore testing can select a database by tags alone (the validator
 * then matches a restored copy by its source's tags), but per-database monitoring (measured RPO
 * and LatestRestorableTime read the instance or cluster by identifier) needs the ARN, and the
 * runner's logical dumps need an endpoint (`host`). The feasibility table lists each of these as
 * a line rather than leaving them out silently.
 */
import { CronIntervals } from './cron';
import { TierKind } from './model';
import { logicalTierWithoutHost, logicalTool } from './tiers';
import { DatabaseConfig, DeploymentKind, SelectionMode } from './types';

function isAwsManaged(db: DatabaseConfig): boolean {
  return db.deployment === DeploymentKind.RDS || db.deployment === DeploymentKind.AURORA;
}

/** `RDS DB instance` or `Aurora DB cluster`. */
function resourceNoun(db: DatabaseConfig): string {
  return db.deployment === DeploymentKind.AURORA ? 'Aurora DB cluster' : 'RDS DB instance';
}

/** `backup=gold and team=billing`. */
export function describeTags(tags: { [key: string]: string }): string {
  return Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(' and ');
}

/**
 * How the AWS Backup selection finds the database, for the table: undefined for self-managed
 * databases and for a selection by ARN.
 */
export function describeSelection(db: DatabaseConfig): string | undefined {
  if (!isAwsManaged(db) || db.selection !== SelectionMode.TAGS) return undefined;
  const why = db.existingResourceArn
    ? 'selection "tags" wins for the backup selection; existing_resource_arn still names the database for verification and monitoring'
    : 'no existing_resource_arn';
  const restores = db.verification && !db.existingResourceArn
    ? '; restore tests take the same tags and the validator matches a restored copy by its source\'s tags, so they must name one database: the one read_only_secret_arn reaches for the baseline'
    : '';
  return `AWS Backup selects every ${resourceNoun(db)} of the account and primary Region tagged ${describeTags(db.selectionTags)} (all of them must match; ${why})${restores}`;
}

/** What the plan could not set up for the database, one line each (empty when nothing is missing). */
export function notSetUp(db: DatabaseConfig, interval: CronIntervals | undefined): string[] {
  if (!isAwsManaged(db)) return [];
  const lines: string[] = [];
  if (!db.existingResourceArn) {
    const resourceType = db.deployment === DeploymentKind.AURORA ? 'Aurora' : 'RDS';
    lines.push(`per-database monitoring: not set up (measured RPO and LatestRestorableTime read the ${resourceNoun(db)} by identifier); watched instead: the primary vault's AWS/Backup job metrics for resource type ${resourceType} (failed, expired and failed-copy jobs, no completed backup within the schedule), shared with every ${resourceType} resource that vault backs up`);
  }
  if (logicalTierWithoutHost(db, interval)) {
    lines.push(`${TierKind.LOGICAL} tier (${logicalTool(db.engine)}): not set up — continuous backup is off, so the plan would add the runner's dumps, but it gives no host (endpoint, port, secret_arn) to dump from: add host, or set logical_backup false to say so`);
  }
  return lines;
}
