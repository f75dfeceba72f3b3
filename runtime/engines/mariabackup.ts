import { COREUTILS, MARIADB_BACKUP, MARIADB_CLIENT, MARIADB_SERVER } from './packages';
import { weeklyFullDaily } from './schedules';
import type { EngineRecord } from './record';

export const MARIABACKUP: EngineRecord = {
  name: 'mariabackup',
  tool: 'mariabackup',
  description: 'MariaDB physical backups with mariabackup: full and incremental chains streamed to S3, binlog point-in-time recovery.',
  databases: ['mariadb'],
  kind: 'physical',
  // It reads the InnoDB files: the runner CLI runs on the database host.
  placement: 'database-host',
  backupTypes: ['full', 'incr'],
  defaultSchedules: weeklyFullDaily('incr'),
  recoveryPointAt: 'end',
  restore: { fixedMinutes: 10, gbPerMinute: 2, source: 'copy-back + prepare, not measured here' },
  archive: { planArchive: 'binlog', replayMinutes: 10 },
  packages: [MARIADB_CLIENT, MARIADB_BACKUP, MARIADB_SERVER, COREUTILS],
  drill: true,
  provenHere: true,
};
