/**
 * The import-direction rule of eslint.config.mjs, on code written as if it lived in each folder:
 * it must refuse every forbidden direction and accept the allowed ones (npm test also lints the
 * real tree with it).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

// ESLint loads its flat config with a dynamic import, which jest's module sandbox cannot run:
// lint in a plain Node process, as `npx eslint` does.
const LINT = `
const { ESLint } = require('eslint');
const path = require('node:path');
const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const [file, code] of cases) {
    const [r] = await eslint.lintText(code, { filePath: path.join(process.cwd(), file) });
    out.push(r.messages.map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})();`;

const cache = new Map<string, string[]>();
function lintAll(cases: Array<[string, string]>): void {
  const results = JSON.parse(execFileSync(process.execPath, ['-e', LINT], { cwd: root, input: JSON.stringify(cases) }).toString()) as string[][];
  cases.forEach(([file, code], i) => cache.set(`${file}\n${code}`, results[i]));
}
function problems(file: string, code: string): string[] {
  return cache.get(`${file}\n${code}`)!;
}

const FORBIDDEN: Array<[string, string, string]> = [
  ['runtime/x.ts', "import { App } from 'aws-cdk-lib';", 'aws-cdk-lib'],
  ['runtime/metrics/x.ts', "import { BackupVault } from '../../lib/storage';", 'lib/storage'],
  ['runtime/x.ts', "import { main } from '../runner/src/main';", 'runner/src/main'],
  ['lambda/measured-rpo/x.ts', "import { handler } from '../restore-validator/index';", 'lambda/restore-validator/index'],
  ['lambda/measured-rpo/x.ts', "import { RUNNER_ENV } from '../../lib/runner';", 'lib/runner'],
  ['lambda/measured-rpo/x.ts', "import * as s3 from 'aws-cdk-lib/aws-s3';", 'aws-cdk-lib/aws-s3'],
  ['runner/src/core/x.ts', "import { DRILLED } from '../../../lib/verification';", 'lib/verification'],
  ['runner/src/core/x.ts', "import { verify } from '../../../lambda/restore-validator/index';", 'lambda/restore-validator/index'],
  ['runner/src/x.ts', "import { Construct } from 'constructs';", 'constructs'],
  ['lib/monitoring/x.ts', "import { handler } from '../../lambda/measured-rpo/index';", 'lambda/measured-rpo/index'],
  ['lib/runner/x.ts', "import { runJob } from '../../runner/src/core/job';", 'runner/src/core/job'],
  ['lib/verification/x.ts', "import { verifyRestore } from '../../runtime/integrity';", 'runtime/integrity'],
];
const ALLOWED: Array<[string, string]> = [
  ['lib/monitoring/x.ts', "import { RUNNER_METRICS } from '../../runtime/metrics/names';"],
  ['lib/app/x.ts', "import { BackupRunner } from '../runner';"],
  ['lambda/measured-rpo/x.ts', "import { RECOVERY_METRICS } from '../../runtime/metrics/names'; import { x } from './sources';"],
  ['runner/src/core/x.ts', "import { ConfigurationError } from '../../../runtime/errors'; import { Logger } from './logger';"],
  ['runtime/metrics/x.ts', "import { emfRecord } from './emf'; import { ConfigurationError } from '../errors'; import * as fs from 'node:fs';"],
];

describe('import directions', () => {
  beforeAll(() => lintAll([...FORBIDDEN.map(([f, c]) => [f, c] as [string, string]), ...ALLOWED]));

  it.each(FORBIDDEN)('%s: %s is refused', (file, code, target) => {
    expect(problems(file, code)).toEqual([expect.stringContaining(`may not import ${target}:`)]);
  });

  it.each(ALLOWED)('%s: %s is allowed', (file, code) => {
    expect(problems(file, code)).toEqual([]);
  });
});
