import { COREUTILS, MARIADB_CLIENT, MARIADB_SERVER } from './packages';
import { weeklyFullDaily } from './schedules';
import type { EngineRecord } from './record';

export const XTRABACKUP: EngineRecord = {
  name: 'xtrabackup',
  tool: 'xtrabackup',
  description: 'MySQL physical backups with Percona XtraBackup: full and incremental chains streamed to S3, binlog point-in-time recovery.',
  databases: ['mysql'],
  kind: 'physical',
  // It reads the InnoDB files: the runner CLI runs on the database host.
  placement: 'database-host',
  backupTypes: ['full', 'incr'],
  defaultSchedules: weeklyFullDaily('incr'),
  recoveryPointAt: 'end',
  restore: { fixedMinutes: 10, gbPerMinute: 2, source: 'copy-back + prepare, not measured here' },
  archive: { planArchive: 'binlog', replayMinutes: 10 },
  packages: [{ name: 'percona-xtrabackup-80', source: 'percona', arch: 'amd64', tools: ['xtrabackup', 'xbstream'], why: 'not packaged by Debian' }, MARIADB_CLIENT, MARIADB_SERVER, COREUTILS],
  drill: false,
  provenHere: false,
};
