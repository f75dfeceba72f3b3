/**
 * What each exit code of the runner CLI means to someone recovering (runner/src/core/errors.ts
 * defines the codes; test/recovery checks both agree). A recovery document fails with this text.
 */
export const RUNNER_EXIT_MEANINGS: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'internal error: a bug in the runner (its log has the stack)',
  2: 'configuration: a bad flag, variable or parameter (a table not in the backup, a target name refused), or a tool missing from the image; nothing was restored',
  3: 'database: the restore target refused or was unreachable, or the restore tool failed (check the target host, port, credentials and privileges)',
  4: 'storage: the backup storage failed (no complete backup, a missing object, no access to the bucket or its key), or the spool directory filled up',
  5: 'verification: an object of the backup does not match its manifest\'s hash, or the archive is unreadable; do not use this backup',
  130: 'interrupted by SIGINT before it completed',
  143: 'stopped (SIGTERM) before it completed, e.g. the task was stopped',
};
