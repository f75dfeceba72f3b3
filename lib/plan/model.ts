/**
 * The recovery model: what RPO each backup tier can achieve and how long a restore from it takes.
 *
 * Every figure is here, with where it comes from, so the feasibility table can be explained and
 * the figures changed in one place when measurements improve.
 *
 * RPO (worst-case data loss) per tier:
 * - AWS Backup continuous backup / RDS point-in-time recovery: 5 minutes. RDS ships transaction
 *   logs to S3 every 5 minutes; the latest restorable time is typically within 5 minutes of now
 *   (RDS User Guide, "Restoring a DB instance to a specified time").
 * - Log archiving (pgBackRest/wal-g WAL, binlog, oplog): the archive timeout (PostgreSQL
 *   `archive_timeout`, default here 60 s) plus one minute for the push to S3 to complete.
 * - A scheduled tier (snapshot, physical, logical): the longest gap between two runs of its cron,
 *   computed over four calendar years (lib/plan/cron.ts).
 *
 * RTO (time to a usable database) per tier = fixed overhead + size_gb / restore throughput.
 * - RDS/Aurora snapshot restore: ~15–20 min to create and start the instance/cluster whatever its
 *   size (storage is lazily loaded from S3); we use 20 min plus a conservative 1 min per 50 GB
 *   for first-touch reads of large volumes (AWS publishes no figure for this part).
 * - RDS/Aurora point-in-time restore: the snapshot restore plus replay of the logs since that
 *   snapshot: 30 min plus 1 min per 50 GB.
 * - pgBackRest / wal-g restore: measured here 1.7 GB in 6–9 s (≈ 11 GB/min, posix and local S3,
 *   bench/runner-backup). In the cloud we assume a quarter of that, 3 GB/min (≈ 50 MB/s from S3), plus
 *   10 min for the runner task to start, the data directory to be prepared and PostgreSQL to reach
 *   consistency; replaying archived WAL up to the target adds 5 min.
 * - mariabackup / XtraBackup restore (copy-back + prepare): not measured here; 2 GB/min plus
 *   10 min; binlog replay (mysqlbinlog | mysql, single-threaded) adds 10 min.
 * - pg_restore: measured here 1.7 GB in 34–44 s with -j2 (≈ 2.3 GB/min); we assume 1 GB/min plus
 *   5 min (index builds dominate on bigger data and a cloud instance's disk is slower).
 * - mysqldump reload and mongorestore: single-threaded SQL/BSON replay, not measured here;
 *   0.5 GB/min plus 5 min; oplog replay adds 5 min.
 * When size_gb is not given, only the fixed overhead is counted and the table says so.
 */
import { findEngine, type RestoreFigures } from '../../runtime/engines';

/** A kind of backup tier. */
export enum TierKind {
  /** AWS Backup continuous backup of an RDS instance / Aurora cluster (PITR). */
  CONTINUOUS = 'continuous',
  /** AWS Backup scheduled snapshots of an RDS instance / Aurora cluster. */
  SNAPSHOT = 'snapshot',
  /** Continuous log archiving of a self-managed database (WAL, binlog, oplog). */
  ARCHIVE = 'archive',
  /** Scheduled physical backup of a self-managed database (pgBackRest, wal-g, mariabackup). */
  PHYSICAL = 'physical',
  /** Scheduled logical dump by the runner task (pg_dump, mysqldump, mongodump). */
  LOGICAL = 'logical',
}

/** Restore figures of one tool (the engine catalog's shape). */
export type { RestoreFigures };

/** RPO of AWS Backup continuous backup / RDS PITR, minutes. */
export const CONTINUOUS_RPO_MINUTES = 5;

/** Minutes added to the archive timeout for the push to S3 to complete. */
export const ARCHIVE_PUSH_MINUTES = 1;

/** AWS Backup runs scheduled backups at most once an hour. */
export const AWS_BACKUP_MIN_INTERVAL_MINUTES = 60;

/** AWS Backup continuous backup retention bounds, days. */
export const CONTINUOUS_RETENTION_DAYS = { min: 1, max: 35 } as const;

/** Minimum days in cold storage before deletion (AWS Backup lifecycle). */
export const COLD_STORAGE_MIN_DAYS = 90;

/**
 * Restore figures of the AWS-side tiers. The runner engines' figures (pg-dump, pgbackrest,
 * mariabackup, ...) are in their engine catalog records (runtime/engines/), with their sources.
 */
export const AWS_RESTORE_FIGURES: { readonly [tool: string]: RestoreFigures } = {
  'rds-snapshot': { fixedMinutes: 20, gbPerMinute: 50, source: 'RDS snapshot restore ~15–20 min; +1 min/50 GB allowance for lazy loading' },
  'aurora-snapshot': { fixedMinutes: 20, gbPerMinute: 50, source: 'Aurora cluster snapshot restore ~15–20 min; +1 min/50 GB allowance' },
  'rds-pitr': { fixedMinutes: 30, gbPerMinute: 50, source: 'snapshot restore + transaction log replay' },
  'aurora-pitr': { fixedMinutes: 30, gbPerMinute: 50, source: 'cluster restore + log replay' },
};

/** Restore figures of an AWS-side tier (`rds-snapshot`, ...) or a runner engine (`pg-dump`, ...). */
export function restoreFigures(tool: string): RestoreFigures {
  const figures = AWS_RESTORE_FIGURES[tool] ?? findEngine(tool)?.restore;
  if (!figures) throw new Error(`recovery model: no restore figures for "${tool}"`);
  return figures;
}

/** Estimated restore time in minutes (rounded up); `sizeGb` undefined counts the overhead only. */
export function estimateRestoreMinutes(figures: RestoreFigures, sizeGb: number | undefined, extraMinutes = 0): number {
  const transfer = sizeGb === undefined ? 0 : sizeGb / figures.gbPerMinute;
  return Math.ceil(figures.fixedMinutes + extraMinutes + transfer);
}

/** RPO of an archive tier in minutes: the archive timeout rounded up, plus the push allowance. */
export function archiveRpoMinutes(archiveTimeoutSeconds: number): number {
  return Math.ceil(archiveTimeoutSeconds / 60) + ARCHIVE_PUSH_MINUTES;
}
