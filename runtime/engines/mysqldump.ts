import { MARIADB_CLIENT, MARIADB_SERVER, ZSTD } from './packages';
import { DAILY_LOGICAL } from './schedules';
import type { EngineRecord } from './record';

export const MYSQLDUMP: EngineRecord = {
  name: 'mysqldump',
  tool: 'mysqldump',
  description: 'Logical MySQL/MariaDB backup: mysqldump --single-transaction with binlog coordinates, streamed through zstd.',
  databases: ['mysql', 'mariadb'],
  kind: 'logical',
  placement: 'runner-task',
  backupTypes: ['full'],
  defaultSchedules: DAILY_LOGICAL,
  recoveryPointAt: 'start',
  restore: { fixedMinutes: 5, gbPerMinute: 0.5, source: 'single-threaded reload, not measured here' },
  packages: [MARIADB_CLIENT, ZSTD, MARIADB_SERVER],
  drill: true,
  provenHere: true,
};
