import { weeklyFullDaily } from './schedules';
import type { EngineRecord } from './record';

export const WAL_G: EngineRecord = {
  name: 'wal-g',
  tool: 'wal-g',
  description: 'PostgreSQL physical backups with wal-g (remote backup-push, WAL receive).',
  databases: ['postgres'],
  kind: 'physical',
  placement: 'runner-task',
  backupTypes: ['full', 'incr', 'wal-receive'],
  defaultSchedules: weeklyFullDaily('incr'),
  recoveryPointAt: 'end',
  restore: { fixedMinutes: 10, gbPerMinute: 3, source: 'as pgBackRest (not measured here)' },
  archive: { planArchive: 'wal-g', replayMinutes: 5 },
  // wal-g is installed from its checksummed release binary by the Dockerfile, not from a package.
  packages: [],
  drill: false,
  provenHere: false,
};
