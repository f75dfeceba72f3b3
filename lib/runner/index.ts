export { BackupRunner } from './backup-runner';
export { BackupRunnerBase } from './backup-runner-base';
export type { IBackupRunner } from './backup-runner-base';
export { HOST_SIDE_ENGINES, RunnerCommand, RunnerEngine } from './runner-engine';
export type { RunnerSchedule } from './runner-engine';
export type { BackupRunnerAttributes, BackupRunnerBaseProps, BackupRunnerProps, RunnerSecret } from './runner-props';
export type { DatabaseConnectionProps, PgBackRestRunnerProps } from './preset-props';
// The settings types of the pgBackRest preset; the renderers stay internal (the construct publishes their output).
export type { PgBackRestDatabaseHost, PgBackRestPosixRepository, PgBackRestS3Repository, PgBackRestSettings } from '../../runtime/pgbackrest/config';
export * from './runner-infrastructure';
export * from './runner-roles';
export * from './database-policy-pool';
export * from './database-role';
