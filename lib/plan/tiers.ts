/**
 * Which backup tiers a database gets, and what each achieves (see model.ts for the figures).
 *
 * - RDS / Aurora: AWS Backup snapshots on schedule_cron; continuous backup (PITR) when asked, or
 *   with `auto` when the RPO is shorter than the snapshot interval; logical dumps by the runner
 *   when asked, by default only when continuous backup is off (so there are always two tiers).
 * - Self-managed PostgreSQL: pg_dump; with pgBackRest or wal-g also physical backups and WAL
 *   archiving.
 * - Self-managed MySQL / MariaDB: mysqldump and XtraBackup / mariabackup; with binlog also binlog
 *   shipping.
 * - MongoDB (self-managed only): mongodump --oplog; with oplog also oplog archiving.
 */
import { CronIntervals } from './cron';
import { archiveEngine, enginesFor, ENGINES, type DatabaseType } from '../../runtime/engines';
import {
  CONTINUOUS_RPO_MINUTES, TierKind, archiveRpoMinutes, estimateRestoreMinutes, restoreFigures,
} from './model';
import { ArchiveTool, ContinuousBackupMode, DatabaseConfig, DatabaseEngine, DeploymentKind } from './types';

/** One tier a database gets. */
export interface TierDecision {
  readonly kind: TierKind;
  /** What makes the backup: aws-backup, or an engine of the catalog (pgbackrest, pg-dump, ...). */
  readonly tool: string;
  /** Short description for tables and messages, e.g. "daily mongodump". */
  readonly label: string;
  /** Worst-case data loss of this tier, minutes. */
  readonly rpoMinutes: number;
  /** Estimated restore time from this tier, minutes. */
  readonly estimatedRtoMinutes: number;
  /** How the restore estimate was made. */
  readonly rtoBasis: string;
}

function isManagedRds(db: DatabaseConfig): boolean {
  return db.deployment === DeploymentKind.RDS || db.deployment === DeploymentKind.AURORA;
}

function cadence(intervalMinutes: number): string {
  const named: Record<number, string> = { 60: 'hourly', 1440: 'daily', 10080: 'weekly' };
  return named[intervalMinutes] ?? `every-${intervalMinutes}-min`;
}

function basis(tool: string, sizeGb: number | undefined, extra = 0): string {
  const f = restoreFigures(tool);
  const parts = [`${f.fixedMinutes}${extra ? ` + ${extra}` : ''} min`];
  if (sizeGb !== undefined) {
    parts.push(`${sizeGb} GB at ${f.gbPerMinute} GB/min`);
  }
  return `${tool}: ${parts.join(' + ')}${sizeGb === undefined ? ' (size_gb unknown: overhead only)' : ''}`;
}

function scheduledTier(kind: TierKind, tool: string, restoreTool: string, db: DatabaseConfig, interval: CronIntervals): TierDecision {
  return {
    kind,
    tool,
    label: `${cadence(interval.maxGapMinutes)} ${tool}${kind === TierKind.SNAPSHOT ? ' snapshot' : ''}`,
    rpoMinutes: interval.maxGapMinutes,
    estimatedRtoMinutes: estimateRestoreMinutes(restoreFigures(restoreTool), db.sizeGb),
    rtoBasis: basis(restoreTool, db.sizeGb),
  };
}

/** Whether AWS Backup continuous backup is used (only RDS/Aurora can have it). */
export function usesContinuousBackup(db: DatabaseConfig, interval: CronIntervals | undefined): boolean {
  if (!isManagedRds(db) || db.engine === DatabaseEngine.MONGODB) {
    return false;
  }
  switch (db.continuousBackup) {
    case ContinuousBackupMode.ENABLED: return true;
    case ContinuousBackupMode.DISABLED: return false;
    case ContinuousBackupMode.AUTO:
      // Without a valid schedule there is no snapshot tier to rely on: keep PITR on.
      return interval === undefined || db.rpoMinutes < interval.maxGapMinutes;
  }
}

/**
 * Whether the runner takes scheduled logical dumps. An rds/aurora database takes them by default
 * when continuous backup is off and the plan gives the endpoint (`host`) to dump from; without
 * it the default tier is left out and the feasibility table says so (`logical_backup: true`
 * without host is refused instead).
 */
export function usesLogicalBackup(db: DatabaseConfig, interval: CronIntervals | undefined): boolean {
  if (db.logicalBackup !== undefined) {
    return db.logicalBackup;
  }
  return isManagedRds(db) ? !usesContinuousBackup(db, interval) && db.host !== undefined : true;
}

/** The default logical tier an rds/aurora database would take, left out because the plan gives no host. */
export function logicalTierWithoutHost(db: DatabaseConfig, interval: CronIntervals | undefined): boolean {
  return isManagedRds(db) && db.engine !== DatabaseEngine.MONGODB && db.logicalBackup === undefined && db.host === undefined
    && interval !== undefined && !usesContinuousBackup(db, interval);
}

/**
 * The catalog's physical engine of a database: the only one for its type (mariabackup for
 * MariaDB, xtrabackup for MySQL), or, where several exist (pgBackRest and wal-g for PostgreSQL),
 * the one the plan's `archive` names.
 */
function physicalTool(db: DatabaseConfig): string | undefined {
  const candidates = enginesFor(db.engine as DatabaseType, 'physical');
  if (candidates.length === 1) return candidates[0].name;
  return candidates.find((e) => e.archive?.planArchive === db.archive)?.name;
}

/** The catalog's logical engine of a database type (pg-dump, mysqldump, mongodump). */
export function logicalTool(engine: DatabaseEngine): string {
  return enginesFor(engine as DatabaseType, 'logical')[0].name;
}

/** The archive tools that fit an engine on a self-managed deployment. */
export function archiveToolsFor(engine: DatabaseEngine): ArchiveTool[] {
  const tools = ENGINES.filter((e) => e.databases.includes(engine as DatabaseType) && e.archive).map((e) => e.archive!.planArchive as ArchiveTool);
  return [...new Set(tools)];
}

/**
 * Decides the tiers of one database. `interval` is the schedule's gap analysis (undefined when
 * the cron is invalid: the scheduled tiers are then left out, and the cron problem is reported
 * by the loader). Combinations that cannot run (pgBackRest on RDS, MongoDB on RDS) produce no
 * tier for that part; the checks report them.
 */
export function decideTiers(db: DatabaseConfig, interval: CronIntervals | undefined): TierDecision[] {
  const tiers: TierDecision[] = [];
  if (isManagedRds(db)) {
    if (db.engine === DatabaseEngine.MONGODB) {
      return tiers;
    }
    const prefix = db.deployment === DeploymentKind.AURORA ? 'aurora' : 'rds';
    if (usesContinuousBackup(db, interval)) {
      tiers.push({
        kind: TierKind.CONTINUOUS,
        tool: 'aws-backup',
        label: 'AWS Backup continuous (PITR)',
        rpoMinutes: CONTINUOUS_RPO_MINUTES,
        estimatedRtoMinutes: estimateRestoreMinutes(restoreFigures(`${prefix}-pitr`), db.sizeGb),
        rtoBasis: basis(`${prefix}-pitr`, db.sizeGb),
      });
    }
    if (interval) {
      tiers.push(scheduledTier(TierKind.SNAPSHOT, 'aws-backup', `${prefix}-snapshot`, db, interval));
      if (usesLogicalBackup(db, interval)) {
        tiers.push(scheduledTier(TierKind.LOGICAL, logicalTool(db.engine), logicalTool(db.engine), db, interval));
      }
    }
    return tiers;
  }

  const physical = physicalTool(db);
  const archiveFits = db.archive !== ArchiveTool.NONE && archiveToolsFor(db.engine).includes(db.archive);
  if (archiveFits) {
    // The archive is replayed on top of the base backup: physical for PostgreSQL and MySQL,
    // the logical dump for MongoDB.
    const base = physical ?? logicalTool(db.engine);
    const replay = archiveEngine(db.engine as DatabaseType, db.archive)!.archive!.replayMinutes;
    tiers.push({
      kind: TierKind.ARCHIVE,
      tool: db.archive,
      label: `${db.archive} archiving (${db.archiveTimeoutSeconds} s)`,
      rpoMinutes: archiveRpoMinutes(db.archiveTimeoutSeconds),
      estimatedRtoMinutes: estimateRestoreMinutes(restoreFigures(base), db.sizeGb, replay),
      rtoBasis: basis(base, db.sizeGb, replay),
    });
  }
  if (interval) {
    if (physical) {
      tiers.push(scheduledTier(TierKind.PHYSICAL, physical, physical, db, interval));
    }
    if (usesLogicalBackup(db, interval)) {
      tiers.push(scheduledTier(TierKind.LOGICAL, logicalTool(db.engine), logicalTool(db.engine), db, interval));
    }
  }
  return tiers;
}

/** "daily mongodump (every 1440 min)". */
export function describeTier(tier: TierDecision): string {
  if (tier.kind === TierKind.CONTINUOUS || tier.kind === TierKind.ARCHIVE) {
    return `${tier.label} (${tier.rpoMinutes} min)`;
  }
  return `${tier.label} (every ${tier.rpoMinutes} min)`;
}
