/**
 * The logical-dump presets (pg_dump, mysqldump, mongodump): a database connection turned into
 * the runner's environment and its password secret.
 */
import { RUNNER_ENV } from '../../runtime/contracts/runner-env';
import { DatabaseConnectionProps } from './preset-props';
import { RunnerEngine } from './runner-engine';
import { BackupRunnerProps } from './runner-props';

/** The BackupRunner props of a logical preset. */
export function logicalRunnerProps(engine: RunnerEngine, props: DatabaseConnectionProps): BackupRunnerProps {
  return {
    ...props,
    engine,
    environment: {
      ...(props.environment ?? {}),
      [RUNNER_ENV.dbHost]: props.host,
      [RUNNER_ENV.dbUser]: props.user,
      ...(props.port !== undefined ? { [RUNNER_ENV.dbPort]: String(props.port) } : {}),
      ...(props.databaseName ? { [RUNNER_ENV.dbName]: props.databaseName } : {}),
    },
    secrets: [
      ...(props.secrets ?? []),
      { environmentVariable: RUNNER_ENV.dbPassword, secret: props.passwordSecret, field: props.passwordField ?? 'password' },
    ],
  };
}
