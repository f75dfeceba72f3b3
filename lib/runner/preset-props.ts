/**
 * Properties of the BackupRunner presets: a logical dump over a database connection, and pgBackRest.
 */
import { aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { PgBackRestDatabaseHost } from '../../runtime/pgbackrest/config';
import { BackupRunnerBaseProps } from './runner-props';

/**
 * A logical-dump runner against a database server reachable from the VPC: give either an RDS
 * instance or cluster of this app (or imported), or its `host`.
 */
export interface DatabaseConnectionProps extends BackupRunnerBaseProps {
  /**
   * An RDS or Aurora-compatible DB instance to dump: its endpoint address and port, its generated
   * secret, and an ingress rule on its security groups from the runner's, on its port. Its
   * engine, when known, must be the preset's (PostgreSQL for pgDump, MySQL or MariaDB for mysqlDump).
   * @default - none: `host` is required
   */
  readonly databaseInstance?: rds.IDatabaseInstance;
  /**
   * An Aurora or Multi-AZ DB cluster to dump, like `databaseInstance`; the runner connects to its
   * writer endpoint.
   * @default - none: `host` is required
   */
  readonly databaseCluster?: rds.IDatabaseCluster;
  /**
   * Database host name (not with `databaseInstance` or `databaseCluster`).
   * @default - the endpoint address of `databaseInstance` or `databaseCluster`
   */
  readonly host?: string;
  /**
   * Database port (not with `databaseInstance` or `databaseCluster`).
   * @default - the endpoint port of `databaseInstance` or `databaseCluster`, else the engine's default port
   */
  readonly port?: number;
  /**
   * User the runner connects as (read-only privileges are enough for dumps).
   * @default - the `username` field of the password secret (RDS-generated secrets have one)
   */
  readonly user?: string;
  /**
   * Database (schema) to dump.
   * @default - the engine's default
   */
  readonly databaseName?: string;
  /**
   * Secret holding the password (a JSON secret with the password in `passwordField`).
   * @default - the `secret` of `databaseInstance` or `databaseCluster` when it has one (created
   * with generated credentials); required otherwise
   */
  readonly passwordSecret?: secretsmanager.ISecret;
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
