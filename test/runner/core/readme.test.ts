import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../../runner/src/engines';
import { COMMON_OPTIONS } from '../../../runner/src/core/common-options';
import { EXIT } from '../../../runner/src/core/errors';
import { COMMANDS, envName } from '../../../runner/src/core/options';
import { allEngines } from '../../../runner/src/core/registry';
import { RUNNER_METRICS } from '../../../runtime/metrics/names';

const readme = readFileSync(join(__dirname, '..', '..', '..', 'runner', 'README.md'), 'utf8');

describe('runner README', () => {
  it('documents every command, exit code and metric', () => {
    for (const c of COMMANDS) expect(readme).toContain(`| \`${c}\` |`);
    for (const code of Object.values(EXIT)) expect(readme).toMatch(new RegExp(`^\\| (\\d+ / )?${code}( / \\d+)? \\|`, 'm'));
    for (const name of [RUNNER_METRICS.success, RUNNER_METRICS.failure, RUNNER_METRICS.durationSeconds, RUNNER_METRICS.bytesRaw, RUNNER_METRICS.bytesStored,
      RUNNER_METRICS.throughputBytesPerSecond, RUNNER_METRICS.lastSuccessEpochSeconds, RUNNER_METRICS.namespace]) {
      expect(readme).toContain(`\`${name}\``);
    }
  });

  it('documents every flag and environment variable of the core and of every engine', () => {
    const missing: string[] = [];
    for (const spec of [...COMMON_OPTIONS, ...allEngines().flatMap((e) => e.options ?? [])]) {
      if (spec.kind !== 'secret' && !readme.includes(`\`--${spec.name}\``)) missing.push(`--${spec.name}`);
      if (!readme.includes(`\`${envName(spec)}\``)) missing.push(envName(spec));
    }
    for (const e of allEngines()) if (!readme.includes(`### Engine \`${e.name}\``)) missing.push(`engine ${e.name}`);
    expect(missing).toEqual([]);
  });
});
