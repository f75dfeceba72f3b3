import { COMMON_OPTIONS } from '../../../runner/src/core/common-options';
import { asRunnerError } from '../../../runner/src/core/errors';
import { ConfigurationError } from '../../../runtime/errors';
import { collectOptions, parseOptions, splitArgs } from '../../../runner/src/core/options';
import '../../../runner/src/engines';
import { allEngines } from '../../../runner/src/core/registry';

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

  it('treats an empty flag value as unset, like an empty variable (an SSM document\'s empty optional parameter)', () => {
    const { flags, problems } = splitArgs(['--database', 'shop', '--backup-id', '', '--zstd-level='], bools);
    expect(problems).toEqual([]);
    const o = parseOptions(COMMON_OPTIONS, 'restore', flags, {});
    expect(o.has('backup-id')).toBe(false);
    expect(o.int('zstd-level')).toBe(3);
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
      'RUNNER_S3_PART_SIZE_MB must be between 5 and 320, got 2',
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

  it('refuses numbers outside their real range, naming the flag, the value and the range', () => {
    const args = ['--database', 'd', '--zstd-level', '99', '--zstd-threads', '1000', '--db-port', '70000', '--target-port', '0',
      '--s3-part-size-mb', '1024', '--jobs', '0', '--spool-max-bytes', '99999999999999999999'];
    const { problems } = collectOptions(COMMON_OPTIONS, 'backup', splitArgs(args, bools).flags, {});
    expect(problems).toEqual([
      '--s3-part-size-mb must be between 5 and 320, got 1024',
      '--zstd-level must be between 1 and 19, got 99',
      '--zstd-threads must be between 0 and 256, got 1000',
      `--spool-max-bytes must be at least 0 and at most ${Number.MAX_SAFE_INTEGER}, got 99999999999999999999`,
      '--db-port must be between 1 and 65535, got 70000',
      '--target-port must be between 1 and 65535, got 0',
      '--jobs must be at least 1, got 0',
    ]);
    // The edges are accepted.
    const ok = collectOptions(COMMON_OPTIONS, 'backup', splitArgs(['--database', 'd', '--zstd-level', '19', '--zstd-threads', '256', '--db-port', '65535',
      '--s3-part-size-mb', '320', '--jobs', '1'], bools).flags, {});
    expect(ok.problems).toEqual([]);
    expect(ok.options.int('zstd-level')).toBe(19);
  });

  it('gives every numeric option of the core and of every engine a lower bound', () => {
    const unbounded = [...COMMON_OPTIONS, ...allEngines().flatMap((e) => e.options ?? [])]
      .filter((o) => o.kind === 'int' && o.min === undefined).map((o) => o.name);
    expect(unbounded).toEqual([]);
  });
});
