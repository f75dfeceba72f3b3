import { ZSTD } from './packages';
import { DAILY_LOGICAL } from './schedules';
import type { EngineRecord } from './record';

export const MONGODUMP: EngineRecord = {
  name: 'mongodump',
  tool: 'mongodump',
  description: 'Logical MongoDB backup: mongodump --archive --oplog streamed through zstd; restore with mongorestore --oplogReplay.',
  databases: ['mongodb'],
  kind: 'logical',
  placement: 'runner-task',
  backupTypes: ['full'],
  defaultSchedules: DAILY_LOGICAL,
  // --oplog makes the dump consistent as of its end.
  recoveryPointAt: 'end',
  restore: { fixedMinutes: 5, gbPerMinute: 0.5, source: 'mongorestore, not measured here' },
  archive: { planArchive: 'oplog', replayMinutes: 5 },
  packages: [{ name: 'mongodb-database-tools', source: 'mongodb', arch: 'amd64', tools: ['mongodump', 'mongorestore'], why: 'not packaged by Debian' }, ZSTD],
  drill: false,
  provenHere: false,
};
