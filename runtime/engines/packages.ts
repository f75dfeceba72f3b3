/** Image packages shared by several engines, named once. */
import type { ImagePackage } from './record';

export const ZSTD: ImagePackage = { name: 'zstd', source: 'debian', arch: 'any', tools: ['zstd'] };
export const COREUTILS: ImagePackage = { name: 'coreutils', source: 'debian', arch: 'any', tools: ['chown'] };
export const POSTGRESQL_CLIENT_15: ImagePackage = {
  name: 'postgresql-client-15', source: 'debian', arch: 'any', tools: ['pg_dump', 'pg_restore', 'psql'],
  why: 'PostgreSQL 15 client (pg_dump 15 reads PostgreSQL servers up to 15)',
};
export const POSTGRESQL_CLIENT_18: ImagePackage = {
  name: 'postgresql-client-18', source: 'pgdg', arch: 'any', tools: ['pg_dump', 'pg_restore', 'psql'],
  why: 'pg_dump refuses servers newer than itself and RDS/Aurora run PostgreSQL 16-18; Debian\'s pg_wrapper runs the newest installed client for connections given a host (the runner always passes --host)',
};
export const POSTGRESQL_SERVER_15: ImagePackage = {
  name: 'postgresql-15', source: 'debian', arch: 'any', tools: ['initdb', 'pg_ctl', 'postgres'],
  why: 'PostgreSQL 15 server binaries: restore drills start a throw-away server inside the task',
};
export const UTIL_LINUX: ImagePackage = { name: 'util-linux', source: 'debian', arch: 'any', tools: ['setpriv'] };
export const MARIADB_CLIENT: ImagePackage = {
  name: 'mariadb-client', source: 'debian', arch: 'any', tools: ['mysqldump', 'mysql', 'mariadb', 'mariadb-dump'],
  why: 'MariaDB 10.11 client tools',
};
export const MARIADB_BACKUP: ImagePackage = { name: 'mariadb-backup', source: 'debian', arch: 'any', tools: ['mariabackup', 'mbstream'] };
export const MARIADB_SERVER: ImagePackage = {
  name: 'mariadb-server', source: 'debian', arch: 'any', tools: ['mysqlbinlog', 'mariadb-binlog', 'mariadbd'],
  why: 'mysqlbinlog for binlog point-in-time recovery and mariadbd for restore drills',
};

/** What every image has, whatever the engines. */
export const BASE_PACKAGES: readonly ImagePackage[] = [
  { name: 'ca-certificates', source: 'debian', arch: 'any', tools: [] },
  { name: 'curl', source: 'debian', arch: 'any', tools: [] },
  { name: 'gnupg', source: 'debian', arch: 'any', tools: [] },
  COREUTILS,
  ZSTD,
];
