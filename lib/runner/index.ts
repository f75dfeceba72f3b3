export * from './backup-runner';
// The settings types of the pgBackRest preset; the renderers stay internal (the construct publishes their output).
export type { PgBackRestDatabaseHost, PgBackRestS3Repository, PgBackRestSettings } from '../../runtime/pgbackrest/config';
