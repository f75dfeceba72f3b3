/**
 * The engines a runner drives, the commands it schedules and the default schedule of each engine.
 */
import { Duration, Token, aws_scheduler as scheduler } from 'aws-cdk-lib';
import { CronSchedule, combinedCronIntervals, parseAwsCron } from '../plan/cron';
import { ENGINES, engine as catalogEngine } from '../../runtime/engines';

/** The tool a runner task drives (`--engine`). */
export enum RunnerEngine {
  /** pgBackRest: the runner is the repository host; PITR through archive-push on the database host. */
  PGBACKREST = 'pgbackrest',
  /** wal-g remote backup-push (PostgreSQL). */
  WAL_G = 'wal-g',
  /** pg_dump -Fc streamed through zstd to S3. */
  PG_DUMP = 'pg-dump',
  /** mysqldump --single-transaction streamed through zstd to S3. */
  MYSQLDUMP = 'mysqldump',
  /** mongodump --oplog --archive streamed through zstd to S3. */
  MONGODUMP = 'mongodump',
  /** MariaDB mariabackup full and incremental chains (runs on the database host). */
  MARIABACKUP = 'mariabackup',
  /** Percona XtraBackup full and incremental chains (runs on the database host). */
  XTRABACKUP = 'xtrabackup',
}

/**
 * Engines whose tool reads the database's data files directly (InnoDB), so the runner CLI must run
 * on the database host itself (systemd timer or SSM Run Command, see
 * runner/src/engines/mariabackup/README.md), never in a Fargate task: the engine catalog's
 * `database-host` placement.
 */
export const HOST_SIDE_ENGINES: RunnerEngine[] = ENGINES.filter((e) => e.placement === 'database-host').map((e) => e.name as RunnerEngine);

/** A runner command a schedule can start. */
export enum RunnerCommand {
  /** Take a backup (`--type` full, diff or incr). */
  BACKUP = 'backup',
  /** Re-check stored backups (hashes; pgBackRest verify). */
  VERIFY = 'verify',
  /** Remove backups beyond the retention (delete markers only). */
  EXPIRE = 'expire',
  /** Check the configuration and the connection to the database and the bucket. */
  CHECK = 'check',
}

/** One scheduled runner job. */
export interface RunnerSchedule {
  /** When the job runs (EventBridge Scheduler expression, with its time zone). */
  readonly schedule: scheduler.ScheduleExpression;
  /**
   * The command to run.
   * @default RunnerCommand.BACKUP
   */
  readonly command?: RunnerCommand;
  /**
   * `--type` of a backup (full, diff, incr; the engine decides which it accepts).
   * @default 'full'
   */
  readonly backupType?: string;
}

/** The `--type` values each engine's backup accepts (the engine catalog's backup types). */
export const BACKUP_TYPES: Record<RunnerEngine, string[]> = Object.fromEntries(
  Object.values(RunnerEngine).map((e) => [e, [...catalogEngine(e).backupTypes]]),
) as Record<RunnerEngine, string[]>;

const COMMANDS: Record<string, RunnerCommand> = { backup: RunnerCommand.BACKUP, verify: RunnerCommand.VERIFY, expire: RunnerCommand.EXPIRE };

/** The default jobs of an engine (UTC): the engine catalog's default schedules. */
export function defaultRunnerSchedules(engine: RunnerEngine): RunnerSchedule[] {
  return catalogEngine(engine).defaultSchedules.map((s) => ({
    schedule: scheduler.ScheduleExpression.expression(s.cron),
    ...(s.command === 'backup' ? { backupType: s.backupType ?? 'full' } : { command: COMMANDS[s.command] }),
  }));
}

/** The distinct commands of a set of jobs, in the order they first appear. */
export function scheduledCommandsOf(jobs: RunnerSchedule[]): RunnerCommand[] {
  return [...new Set(jobs.map((j) => j.command ?? RunnerCommand.BACKUP))];
}

/** The longest gap between scheduled backups, when every backup schedule is an AWS cron expression. */
export function backupIntervalOf(jobs: RunnerSchedule[]): Duration | undefined {
  const crons: CronSchedule[] = [];
  for (const job of jobs) {
    if ((job.command ?? RunnerCommand.BACKUP) !== RunnerCommand.BACKUP) continue;
    const expression = job.schedule.expressionString;
    if (Token.isUnresolved(expression) || !expression.startsWith('cron(')) return undefined;
    const parsed = parseAwsCron(expression);
    if (!parsed.schedule) return undefined;
    crons.push(parsed.schedule);
  }
  const gaps = crons.length ? combinedCronIntervals(crons) : undefined;
  return gaps ? Duration.minutes(gaps.maxGapMinutes) : undefined;
}

/** Problems of a set of jobs for an engine: backup types the engine accepts, no empty set. */
export function scheduleProblems(engine: RunnerEngine, schedules: RunnerSchedule[] | undefined, field = 'schedules'): string[] {
  const problems: string[] = [];
  const types = BACKUP_TYPES[engine];
  (schedules ?? []).forEach((s, i) => {
    const c = s.command ?? RunnerCommand.BACKUP;
    if (c === RunnerCommand.BACKUP && types && !types.includes(s.backupType ?? 'full')) {
      problems.push(`${field}[${i}].backupType must be one of ${types.join(', ')} for ${engine}, got ${JSON.stringify(s.backupType)}`);
    }
    if (c !== RunnerCommand.BACKUP && s.backupType !== undefined) {
      problems.push(`${field}[${i}].backupType is only for backup jobs, got ${JSON.stringify(s.backupType)} on ${c}`);
    }
  });
  if (schedules && schedules.length === 0) problems.push(`${field} must not be empty (leave it unset for the engine preset)`);
  return problems;
}
