/**
 * Properties of the BackupRunner presets: a logical dump over a database connection, and pgBackRest.
 */
import { aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { PgBackRestDatabaseHost } from '../../runtime/pgbackrest/config';
import { BackupRunnerBaseProps } from './runner-props';

/** A logical-dump runner against a database server reachable from the VPC. */
export interface DatabaseConnectionProps extends BackupRunnerBaseProps {
  /** Database host name. */
  readonly host: string;
  /**
   * Database port.
   * @default - the engine's default port
   */
  readonly port?: number;
  /** User the runner connects as (read-only privileges are enough for dumps). */
  readonly user: string;
  /**
   * Database (schema) to dump.
   * @default - the engine's default
   */
  readonly databaseName?: string;
  /** Secret holding the password. */
  readonly passwordSecret: secretsmanager.ISecret;
  /**
   * JSON field of the password in the secret (RDS-generated secrets use `password`).
   * @default 'password'
   */
  readonly passwordField?: string;
}

/** A pgBackRest runner (self-managed PostgreSQL). */
export interface PgBackRestRunnerProps extends BackupRunnerBaseProps {
  /** Stanza name. */
  readonly stanza: string;
  /** The database host (address, data directory, TLS server). */
  readonly databaseHost: PgBackRestDatabaseHost;
  /** Repository cipher passphrase (AES-256-CBC), whole secret string. */
  readonly cipherPassphrase: secretsmanager.ISecret;
  /** The runner's TLS identity: a JSON secret with fields `ca`, `cert` and `key` (PEM). */
  readonly tlsIdentity: secretsmanager.ISecret;
  /**
   * Path of the repository inside the bucket.
   * @default '/pgbackrest'
   */
  readonly repositoryPath?: string;
  /**
   * zstd level.
   * @default 3
   */
  readonly compressLevel?: number;
  /**
   * Parallel processes.
   * @default 2
   */
  readonly processMax?: number;
  /**
   * Differential backups to keep.
   * @default - as many as their full backups
   */
  readonly retentionDiff?: number;
  /**
   * Prefix of the SSM parameters that publish the database host's configuration.
   * @default '/cdk-database-dr/<database>/pgbackrest'
   */
  readonly parameterPrefix?: string;
}
