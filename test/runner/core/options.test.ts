import { COMMON_OPTIONS } from '../../../runner/src/core/common-options';
import { asRunnerError } from '../../../runner/src/core/errors';
import { ConfigurationError } from '../../../runtime/errors';
import { collectOptions, parseOptions, splitArgs } from '../../../runner/src/core/options';

describe('runner option parsing', () => {
  const bools = new Set(COMMON_OPTIONS.filter((o) => o.kind === 'bool').map((o) => o.name));

  it('reads --name value, --name=value, and environment variables; flags win over the environment', () => {
    const { flags, problems } = splitArgs(['--database', 'shop', '--db-port=6432', '--s3-bucket', 'b-1'], bools);
    expect(problems).toEqual([]);
    const o = parseOptions(COMMON_OPTIONS, 'backup', flags, { RUNNER_DB_PORT: '5555', RUNNER_DB_HOST: 'db.internal', RUNNER_DB_PASSWORD: 'sekret-pw' });
    expect(o.str('database')).toBe('shop');
    expect(o.int('db-port')).toBe(6432);
    expect(o.str('db-host')).toBe('db.internal');
    expect(o.str('db-password')).toBe('sekret-pw');
    expect(o.int('zstd-level')).toBe(3);
    expect(o.describe()['db-password']).toBe('***');
    expect(o.secretValues()).toEqual(['sekret-pw']);
  });

  it('reports every problem at once, each naming the flag or variable and the bad value', () => {
    const { flags, problems } = splitArgs(['--zstd-level', 'fast', '--jobs', '0', '--log-level', 'loud', '--bogus', 'x', '--db-password', 'oops', '--type'], bools);
    expect(problems).toEqual(['--type needs a value']);
    let err: unknown;
    try {
      parseOptions(COMMON_OPTIONS, 'backup', flags, { RUNNER_S3_PART_SIZE_MB: '2' }, problems);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(asRunnerError(err).exitCode).toBe(2);
    expect((err as ConfigurationError).problems).toEqual([
      '--type needs a value',
      'unknown flag --bogus',
      '--db-password is a secret and is only read from the environment variable RUNNER_DB_PASSWORD (never argv)',
      '--database (or RUNNER_DATABASE) is required for backup',
      '--log-level must be one of debug, info, warn, error, got "loud"',
      'RUNNER_S3_PART_SIZE_MB must be at least 5, got 2',
      '--zstd-level must be an integer, got "fast"',
      '--jobs must be at least 1, got 0',
    ]);
    // The secret given on argv is never echoed.
    expect((err as Error).message).not.toContain('oops');
  });

  it('parses booleans as flags, --no-flag and values, and rejects repeated flags', () => {
    const specs = [...COMMON_OPTIONS, { name: 'with-x', kind: 'bool' as const, description: 'x', default: 'true' }];
    const b = new Set(['with-x']);
    expect(collectOptions(specs, 'backup', splitArgs(['--no-with-x', '--database', 'd'], b).flags, {}).options.bool('with-x')).toBe(false);
    expect(collectOptions(specs, 'backup', splitArgs(['--with-x', '--database', 'd'], b).flags, {}).options.bool('with-x')).toBe(true);
    expect(collectOptions(specs, 'backup', splitArgs([], b).flags, { RUNNER_WITH_X: 'maybe', RUNNER_DATABASE: 'd' }).problems)
      .toEqual(['RUNNER_WITH_X must be true or false, got "maybe"']);
    expect(splitArgs(['--database', 'a', '--database', 'b'], b).problems).toEqual(['--database is given more than once']);
  });
});
