// The README's compose example is the code CI installs and synthesizes from the packed library:
// the block between its compose markers equals test/package/user-app/app.ts between README:start
// and README:end (dedented). Edit app.ts, then copy the region into the README.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

test('the README compose example is the tested user app', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = readme.split('<!-- compose:start -->\n```ts\n')[1]?.split('\n```\n<!-- compose:end -->')[0];
  const app = readFileSync(join(__dirname, 'user-app', 'app.ts'), 'utf8');
  const region = app.split('  // README:start\n')[1]?.split('  // README:end\n')[0];
  expect(block).toBeDefined();
  expect(region).toBeDefined();
  const dedented = region!.trimEnd().split('\n').map((l) => (l.startsWith('  ') ? l.slice(2) : l)).join('\n');
  expect(block).toBe(dedented);
});
