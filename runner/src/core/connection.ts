/** Database connection settings from the --db-* / --target-* options (passwords from the environment only). */
import { ConfigurationError } from '../../../runtime/errors';
import type { Options } from './options';

export interface DbConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Empty when none was configured (peer/trust authentication). */
  readonly password: string;
  readonly database?: string;
}

export interface ConnectionDefaults {
  readonly port: number;
  readonly user: string;
  readonly database?: string;
}

/** The source (`db`) or restore target (`target`) connection, with engine defaults for port/user/database. */
export function connectionFrom(options: Options, side: 'db' | 'target', defaults: ConnectionDefaults): DbConnection {
  const pre = side === 'db' ? 'db' : 'target';
  const host = options.str(`${pre}-host`);
  if (!host) throw new ConfigurationError('invalid configuration', [`--${pre}-host (or RUNNER_${pre.toUpperCase()}_HOST) is required`]);
  const dbName = side === 'db' ? options.str('db-name') : options.str('target-db');
  return {
    host,
    port: options.int(`${pre}-port`) ?? defaults.port,
    user: options.str(`${pre}-user`) ?? defaults.user,
    password: options.str(side === 'db' ? 'db-password' : 'target-password') ?? '',
    database: dbName ?? defaults.database,
  };
}
