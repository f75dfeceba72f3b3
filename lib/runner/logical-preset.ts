/**
 * The logical-dump presets (pg_dump, mysqldump, mongodump): a database connection (an RDS
 * instance or cluster, or a host) turned into the runner's environment and secrets.
 */
import { Tokenization, aws_ec2 as ec2, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { RUNNER_ENV } from '../../runtime/contracts/runner-env';
import { DatabaseConnectionProps } from './preset-props';
import { RunnerEngine } from './runner-engine';
import { BackupRunnerProps, RunnerSecret } from './runner-props';

/** The RDS engine family each logical engine dumps; mongodump has none (RDS runs no MongoDB). */
const ENGINE_FAMILY: Partial<Record<RunnerEngine, { family: string; name: string }>> = {
  [RunnerEngine.PG_DUMP]: { family: 'POSTGRESQL', name: 'PostgreSQL' },
  [RunnerEngine.MYSQLDUMP]: { family: 'MYSQL', name: 'MySQL or MariaDB' },
};

/** A logical preset's runner props, the problems of its connection, and the database to open to the runner. */
export interface LogicalRunner {
  /** The props of the runner. */
  readonly props: BackupRunnerProps;
  /** Every problem of the connection (empty when it is complete). */
  readonly problems: string[];
  /**
   * The RDS database whose security groups must admit the runner on its port.
   * @default - none: a `host` was given
   */
  readonly database?: ec2.IConnectable;
}

/** The BackupRunner props of a logical preset, with the endpoint and secret of an RDS database when given. */
export function logicalRunner(engine: RunnerEngine, props: DatabaseConnectionProps): LogicalRunner {
  const problems: string[] = [];
  const instance = props.databaseInstance;
  const cluster = props.databaseCluster;
  const field = instance ? 'databaseInstance' : 'databaseCluster';
  const db = instance ?? cluster;
  if (instance && cluster) problems.push('databaseInstance, databaseCluster: give one database, got both');
  if (db && props.host !== undefined) problems.push(`host: the runner connects to the endpoint of ${field}; give host or ${field}, not both`);
  if (db && props.port !== undefined) problems.push(`port: the runner uses the endpoint port of ${field}; give port only with host`);
  if (!db && props.host === undefined) problems.push('host: give the database host, or databaseInstance or databaseCluster');

  let host = props.host;
  let port = props.port !== undefined ? String(props.port) : undefined;
  if (instance) {
    host = instance.dbInstanceEndpointAddress;
    port = instance.dbInstanceEndpointPort;
  } else if (cluster) {
    try {
      host = cluster.clusterEndpoint.hostname;
      port = Tokenization.stringifyNumber(cluster.clusterEndpoint.port);
    } catch {
      problems.push('databaseCluster: its endpoint address and port are unknown; import it with clusterEndpointAddress and port');
    }
  }
  if (db) problems.push(...engineProblems(engine, field, db.engine));

  const generated = (db as { secret?: secretsmanager.ISecret } | undefined)?.secret;
  const passwordSecret = props.passwordSecret ?? generated;
  if (!props.passwordSecret && generated && props.user !== undefined) {
    problems.push(`user: the password comes from the generated secret of ${field}, which belongs to its own user (the secret's username); `
      + 'leave user unset, or give passwordSecret with the password of user');
  }
  if (!passwordSecret) {
    problems.push(db
      ? `passwordSecret: required, because ${field} has no generated secret (imported, or created without generated credentials)`
      : 'passwordSecret: required, the secret holding the password of the database user');
  }

  const secrets: RunnerSecret[] = [...(props.secrets ?? [])];
  if (passwordSecret) {
    secrets.push({ environmentVariable: RUNNER_ENV.dbPassword, secret: passwordSecret, field: props.passwordField ?? 'password' });
    if (props.user === undefined) secrets.push({ environmentVariable: RUNNER_ENV.dbUser, secret: passwordSecret, field: 'username' });
  }
  return {
    problems,
    database: db,
    props: {
      ...props,
      engine,
      environment: {
        ...(props.environment ?? {}),
        ...(host !== undefined ? { [RUNNER_ENV.dbHost]: host } : {}),
        ...(props.user !== undefined ? { [RUNNER_ENV.dbUser]: props.user } : {}),
        ...(port !== undefined ? { [RUNNER_ENV.dbPort]: port } : {}),
        ...(props.databaseName ? { [RUNNER_ENV.dbName]: props.databaseName } : {}),
      },
      secrets,
    },
  };
}

/** A known database engine must be the one the preset dumps. */
function engineProblems(engine: RunnerEngine, field: string, dbEngine: rds.IEngine | undefined): string[] {
  const expected = ENGINE_FAMILY[engine];
  if (!expected) {
    return [`${field}: ${engine} backs up MongoDB, which RDS does not run; for DocumentDB or a self-managed MongoDB give host`];
  }
  if (dbEngine && dbEngine.engineFamily !== expected.family) {
    return [`${field}: ${engine} needs a ${expected.name} database, got engine ${dbEngine.engineType}${dbEngine.engineFamily ? ` (family ${dbEngine.engineFamily})` : ''}`];
  }
  return [];
}
