/** Default jobs shared by several engines (UTC). */
import type { DefaultSchedule } from './record';

const EXPIRE: DefaultSchedule = { command: 'expire', cron: 'cron(0 6 * * ? *)' };

/** A full backup daily at 02:00, expire at 06:00. */
export const DAILY_LOGICAL: readonly DefaultSchedule[] = [
  { command: 'backup', backupType: 'full', cron: 'cron(0 2 * * ? *)' },
  EXPIRE,
];

/**
 * A full backup on Sunday at 01:00, `daily` (diff or incr) the other days at 01:00, then `extra`
 * jobs, expire at 06:00.
 */
export function weeklyFullDaily(daily: string, extra: readonly DefaultSchedule[] = []): DefaultSchedule[] {
  return [
    { command: 'backup', backupType: 'full', cron: 'cron(0 1 ? * SUN *)' },
    { command: 'backup', backupType: daily, cron: 'cron(0 1 ? * MON-SAT *)' },
    ...extra,
    EXPIRE,
  ];
}
