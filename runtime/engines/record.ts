/**
 * The shape of one engine of the catalog: everything the library knows about a backup tool in
 * one record, read by the runner's registry, the BackupRunner construct, the plan's tiers and
 * recovery model, the DR app builder, drills, measured RPO and the runner image's package list.
 * Pure data: no CDK, no runner code.
 */

/** Database types of the plan file (`db_type`). */
export type DatabaseType = 'postgres' | 'mysql' | 'mariadb' | 'mongodb';

/** What a backup of the engine is. */
export type EngineKind = 'logical' | 'physical';

/**
 * Where the engine runs. `runner-task`: a Fargate task of the BackupRunner construct reaches the
 * database over the network. `database-host`: the tool reads the data files, so the runner CLI
 * runs on the database host itself (the construct refuses it).
 */
export type EnginePlacement = 'runner-task' | 'database-host';

/**
 * The moment a backup restores to. `start`: the snapshot of the moment it started (one
 * transaction: pg_dump, mysqldump --single-transaction). `end`: the moment it finished
 * (physical backups with the logs copied during the copy). Measured RPO dates a backup by it.
 */
export type RecoveryPointAt = 'start' | 'end';

/** A runner command a default schedule starts. */
export type ScheduledCommand = 'backup' | 'verify' | 'expire';

/** One default job (UTC, AWS cron). */
export interface DefaultSchedule {
  readonly command: ScheduledCommand;
  /** `--type` of a backup. */
  readonly backupType?: string;
  readonly cron: string;
}

/** The recovery model's restore figures of one tool (lib/plan/model.ts explains them). */
export interface RestoreFigures {
  /** Minutes spent whatever the size: provisioning, start-up, log replay. */
  readonly fixedMinutes: number;
  /** GB restored per minute once data flows. */
  readonly gbPerMinute: number;
  /** Where the figures come from, for the table and the docs. */
  readonly source: string;
}

/** Continuous log archiving that complements the engine's backups (point-in-time recovery). */
export interface ArchiveSupport {
  /** The plan's `archive` value. */
  readonly planArchive: 'pgbackrest' | 'wal-g' | 'binlog' | 'oplog';
  /** Minutes of log replay added on top of the base restore. */
  readonly replayMinutes: number;
}

/** One package of the runner image (runner/apt-packages.txt is rendered from these). */
export interface ImagePackage {
  readonly name: string;
  /** debian (Debian 12 main) or a vendor repository the Dockerfile adds (mongodb, percona, pgdg). */
  readonly source: 'debian' | 'mongodb' | 'percona' | 'pgdg';
  /** `any`, or the only Docker TARGETARCH the vendor publishes the package for. */
  readonly arch: 'any' | 'amd64' | 'arm64';
  /** Executables the engines run from it (empty for a support package). */
  readonly tools: readonly string[];
  /** Why the image has it (a comment line in the list). */
  readonly why?: string;
}

export interface EngineRecord {
  /** The one spelling of the engine: plan tiers, constructs, `--engine`, metrics, docs. */
  readonly name: string;
  /** The tool as operators know it, for messages ("pg_dump"). */
  readonly tool: string;
  readonly description: string;
  /** Plan `db_type`s it backs up. */
  readonly databases: readonly DatabaseType[];
  readonly kind: EngineKind;
  readonly placement: EnginePlacement;
  /** Accepted `--type` values; the first is the default. */
  readonly backupTypes: readonly string[];
  /** Jobs a runner of this engine runs when none are given. */
  readonly defaultSchedules: readonly DefaultSchedule[];
  readonly recoveryPointAt: RecoveryPointAt;
  readonly restore: RestoreFigures;
  /** The log archiving that goes with it, if any. */
  readonly archive?: ArchiveSupport;
  /** Packages of the runner image the engine needs. */
  readonly packages: readonly ImagePackage[];
  /** Whether `runner drill` can restore its backups into a throw-away server and check them. */
  readonly drill: boolean;
  /** Whether the runner can run it on this project's test machines (Debian 12 packages). */
  readonly provenHere: boolean;
}
