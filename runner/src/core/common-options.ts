/**
 * Options every engine understands. Engines declare their own extra options in Engine.options;
 * runner/README.md documents both (a test checks the README names every option).
 */
import { OptionSpec } from './options';

export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'engine', kind: 'string', description: 'Engine to run (pg-dump, mysqldump, mongodump, pgbackrest, wal-g, mariabackup, xtrabackup).' },
  { name: 'database', kind: 'string', requiredFor: ['backup', 'restore', 'verify', 'expire', 'check', 'info'],
    description: 'Logical name of the protected database: the Database metric dimension and a path segment of the storage layout.' },
  { name: 'type', kind: 'string', default: 'full', description: 'Backup type (full, diff, incr; each engine accepts a subset).' },
  { name: 'backup-id', kind: 'string', description: 'Backup to restore or verify; defaults to the newest backup that has a manifest.' },
  { name: 'log-level', kind: 'string', default: 'info', choices: ['debug', 'info', 'warn', 'error'], description: 'Lowest level of log lines written.' },
  // Storage
  { name: 's3-bucket', kind: 'string', description: 'S3 bucket of the backups (exactly one of --s3-bucket and --posix-repo).' },
  { name: 's3-prefix', kind: 'string', default: 'runner', description: 'Key prefix inside the bucket; backups live under PREFIX/DATABASE/ENGINE/BACKUP-ID/.' },
  { name: 's3-region', kind: 'string', env: 'AWS_REGION', description: 'Region of the bucket (the ECS task sets AWS_REGION).' },
  { name: 's3-endpoint', kind: 'string', description: 'Custom S3 endpoint URL (S3-compatible servers and tests); path-style addressing is used with it.' },
  { name: 's3-ca-file', kind: 'path', description: 'PEM file of a CA to trust for the S3 endpoint (self-signed test servers).' },
  { name: 's3-part-size-mb', kind: 'int', default: '16', min: 5, max: 320,
    description: 'Multipart upload part size in MiB (the runner keeps at most 3 parts in memory; it doubles every 2000 parts, so at most 320 keeps the largest part within S3\'s 5 GiB).' },
  { name: 'posix-repo', kind: 'path', description: 'A directory used as the repository instead of S3 (a mounted EFS volume, tests).' },
  // Compression and spool
  { name: 'zstd-level', kind: 'int', default: '3', min: 1, max: 19, description: 'zstd compression level of uploaded streams (19 is zstd\'s highest without --ultra, which the runner does not use).' },
  { name: 'zstd-threads', kind: 'int', default: '0', min: 0, max: 256, description: 'zstd worker threads (0 = one per core; 256 is zstd\'s maximum).' },
  { name: 'spool-dir', kind: 'path', default: '/tmp/runner-spool', description: 'Scratch directory for files a tool needs on disk (pg_restore -j needs a seekable archive).' },
  { name: 'spool-max-bytes', kind: 'int', default: '0', min: 0, description: 'Quota of the spool directory in bytes (0 = only the file system limit); exceeding it fails with exit 4.' },
  // Source database
  { name: 'db-host', kind: 'string', description: 'Host of the database to back up.' },
  { name: 'db-port', kind: 'int', min: 1, max: 65535, description: 'Port of the database to back up (engine default when unset).' },
  { name: 'db-user', kind: 'string', description: 'User for the database to back up.' },
  { name: 'db-name', kind: 'string', description: 'Database (schema) name to dump; engine default when unset.' },
  { name: 'db-password', kind: 'secret', env: 'RUNNER_DB_PASSWORD', description: 'Password of --db-user (environment only; ECS fills it from Secrets Manager).' },
  { name: 'max-replica-lag-seconds', kind: 'int', min: 0,
    description: 'Refuse to back up (exit 3) when the source is a replica lagging more than this many seconds.' },
  // Restore target
  { name: 'target-host', kind: 'string', description: 'Host of the server to restore into.' },
  { name: 'target-port', kind: 'int', min: 1, max: 65535, description: 'Port of the server to restore into.' },
  { name: 'target-user', kind: 'string', description: 'User on the restore target.' },
  { name: 'target-db', kind: 'string', description: 'Database to restore into (created when missing where the engine can).' },
  { name: 'target-password', kind: 'secret', env: 'RUNNER_TARGET_PASSWORD', description: 'Password of --target-user (environment only).' },
  { name: 'jobs', kind: 'int', default: '2', min: 1, description: 'Parallel jobs of the restore tool (pg_restore -j).' },
  // expire
  { name: 'retain-count', kind: 'int', min: 1, description: 'expire: keep this many newest complete backups of the engine (older ones get S3 delete markers).' },
];
