import { POSTGRESQL_SERVER_15, UTIL_LINUX } from './packages';
import { weeklyFullDaily } from './schedules';
import type { EngineRecord } from './record';

export const PGBACKREST: EngineRecord = {
  name: 'pgbackrest',
  tool: 'pgbackrest',
  description: 'PostgreSQL physical backups with pgBackRest: the runner is the repository host (the database host runs `pgbackrest server` over TLS and archive-push).',
  databases: ['postgres'],
  kind: 'physical',
  placement: 'runner-task',
  backupTypes: ['full', 'diff', 'incr'],
  defaultSchedules: weeklyFullDaily('diff', [{ command: 'verify', cron: 'cron(0 4 ? * SUN *)' }]),
  recoveryPointAt: 'end',
  restore: { fixedMinutes: 10, gbPerMinute: 3, source: 'measured 1.7 GB in 6–9 s locally; cloud assumed 3 GB/min' },
  archive: { planArchive: 'pgbackrest', replayMinutes: 5 },
  packages: [{ name: 'pgbackrest', source: 'debian', arch: 'any', tools: ['pgbackrest'], why: 'pgBackRest 2.45, the version Debian 12 database hosts run too (repository host and database host must run the same pgBackRest)' },
    // Restore drills start the restored cluster in the task, as postgres, to replay its WAL.
    POSTGRESQL_SERVER_15, UTIL_LINUX],
  drill: true,
  provenHere: true,
};
