/**
 * @internal What BackupMonitoring was told, per database, and what it derives from the
 * constructs: recovery-point sources, silence windows, and the problems of the whole picture
 * (checked at synth, all at once).
 */
import { Duration, Token } from 'aws-cdk-lib';
import { AlarmSeverity } from './alarms/alarm-kind';
import { BackupResourceType } from './backup-metrics';
import { DatabaseProtection } from '../protection/database-protection';
import { DatabaseResourceKind } from '../protection/protected-database';
import { IBackupRunner, RunnerCommand } from '../runner/backup-runner';

/** A database's objectives, given once. */
export interface DatabaseObjectives {
  /** The database name, as the runner and the verification publish it (`Database` dimension). */
  readonly name: string;
  /** Recovery point objective: the most data, in time, the database may lose. */
  readonly rpo: Duration;
  /** Recovery time objective: the longest a restore may take. Drawn on the dashboard. */
  readonly rto: Duration;
}

/** How a protection's database is watched beyond its AWS Backup jobs. */
export interface ProtectionMonitoringOptions {
  /** The monitored database (its `name` in `addDatabase`) the protection covers. */
  readonly database: string;
  /**
   * RDS read replicas of the instance whose `ReplicaLag` is alarmed.
   * @default - none
   */
  readonly rdsReadReplicaIdentifiers?: string[];
  /**
   * Whether the Aurora cluster has reader instances (alarm on `AuroraReplicaLag`).
   * @default false
   */
  readonly auroraHasReaders?: boolean;
  /**
   * The Aurora Global Database secondary cluster in **this stack's Region**.
   * @default - none
   */
  readonly globalSecondaryClusterIdentifier?: string;
  /**
   * The primary cluster's Region, the `SourceRegion` dimension of the global lag metrics.
   * @default - no SourceRegion dimension
   */
  readonly globalSourceRegion?: string;
}

/** Which jobs of a runner are watched. */
export interface RunnerMonitoringOptions {
  /**
   * The scheduled runner commands to watch for failures and silence; each must be one of the
   * runner's `scheduledCommands`.
   * @default [RunnerCommand.BACKUP]
   */
  readonly jobs?: RunnerCommand[];
  /**
   * The longest expected time between two successful runs of each job.
   * @default - the runner's backupInterval plus one hour (start and run time); the RPO when the runner has no cron schedule
   */
  readonly interval?: Duration;
}

/** @internal */
export interface ProtectionEntry { readonly protection: DatabaseProtection; readonly options: ProtectionMonitoringOptions }
/** @internal */
export interface RunnerEntry { readonly runner: IBackupRunner; readonly options: RunnerMonitoringOptions }
/** @internal */
export interface VerificationEntry { readonly database: string; readonly maxAge: Duration; readonly source: string; readonly drill?: boolean; readonly rtoObjective?: Duration }

/** @internal Everything known of one database. */
export interface DatabaseModel {
  readonly objectives: DatabaseObjectives;
  readonly protections: ProtectionEntry[];
  readonly runners: RunnerEntry[];
  readonly verifications: VerificationEntry[];
}

/** @internal Everything added, per database, and what refers to an unknown database. */
export interface MonitoringModel { readonly databases: Map<string, DatabaseModel>; readonly problems: string[] }

/** @internal A recovery-point source and how old its newest point can get. */
export interface RecoveryPointSource { readonly what: string; readonly worstAge: Duration }

/** PITR (AWS Backup continuous backup, a WAL archive) restores to within minutes of now. */
const CONTINUOUS_WORST_AGE = Duration.minutes(5);

/** @internal The AWS Backup resource type of a protection. */
export function resourceTypeOf(protection: DatabaseProtection): BackupResourceType {
  return protection.resourceKind === DatabaseResourceKind.AURORA_CLUSTER ? BackupResourceType.AURORA : BackupResourceType.RDS;
}

/** @internal Every recovery-point source of a database, with the worst age of its newest point. */
export function recoveryPointSources(db: DatabaseModel): RecoveryPointSource[] {
  const out: RecoveryPointSource[] = [];
  for (const { protection } of db.protections) {
    if (protection.continuousBackupEnabled) out.push({ what: `AWS Backup continuous backup (${protection.node.path})`, worstAge: CONTINUOUS_WORST_AGE });
    else out.push({ what: `AWS Backup snapshots every ${protection.snapshotInterval.toHumanString()} at worst (${protection.node.path})`, worstAge: protection.snapshotInterval });
  }
  for (const { runner } of db.runners) {
    if (runner.walArchivePrefix) out.push({ what: `the ${runner.engine} WAL archive (${runner.node.path})`, worstAge: CONTINUOUS_WORST_AGE });
    else if (runner.backupInterval) out.push({ what: `${runner.engine} backups every ${runner.backupInterval.toHumanString()} at worst (${runner.node.path})`, worstAge: runner.backupInterval });
  }
  return out;
}

/** @internal The silence window of a runner job. */
export function runnerWindow(db: DatabaseModel, entry: RunnerEntry): Duration {
  if (entry.options.interval) return entry.options.interval;
  const interval = entry.runner.backupInterval;
  return interval ? Duration.minutes(interval.toMinutes({ integral: false }) + 60) : db.objectives.rpo;
}

/** @internal The no-successful-backup window of a protection: its worst snapshot gap plus its start window. */
export function protectionWindow(protection: DatabaseProtection): Duration {
  return Duration.minutes(protection.snapshotInterval.toMinutes({ integral: false }) + protection.startWindow.toMinutes({ integral: false }));
}

/** @internal Whether the database has a source the measured-RPO Lambda can read. */
export function hasMeasuredSource(db: DatabaseModel): boolean {
  return db.protections.some(({ protection }) => protection.database.identifier !== undefined) || db.runners.length > 0;
}

/** @internal Levels of an objective-derived alarm. */
export interface LevelOptions {
  readonly warning?: { readonly percentOfObjective: number; readonly enabled?: boolean };
  readonly critical?: { readonly percentOfObjective: number; readonly enabled?: boolean };
}

/** @internal Default measured-RPO levels: Warning at 80 %, Critical at 100 % of the RPO. */
export const DEFAULT_MEASURED_RPO_LEVELS = { warning: 80, critical: 100 };

/** @internal The enabled levels with their percentages. */
export function levelEntries(options: LevelOptions | undefined, defaults: { warning: number; critical: number }): Array<[AlarmSeverity, number]> {
  const out: Array<[AlarmSeverity, number]> = [];
  if (options?.warning?.enabled !== false) out.push([AlarmSeverity.WARNING, options?.warning?.percentOfObjective ?? defaults.warning]);
  if (options?.critical?.enabled !== false) out.push([AlarmSeverity.CRITICAL, options?.critical?.percentOfObjective ?? defaults.critical]);
  return out;
}

/** @internal Seconds of a concrete duration, undefined for a token. */
export function secondsOf(d: Duration | undefined): number | undefined {
  return d === undefined || d.isUnresolved() ? undefined : d.toSeconds();
}

/** @internal A vault name fit for alarm names: generated names are tokens and would change between synths. */
export function vaultLabeler(): (vaultName: string) => string {
  const labels = new Map<string, string>();
  return (vaultName) => {
    if (!labels.has(vaultName)) labels.set(vaultName, Token.isUnresolved(vaultName) ? `vault${labels.size + 1}` : vaultName);
    return labels.get(vaultName)!;
  };
}
