/**
 * Where the pre-built bundles (assets/: Lambda handlers and the runner image's build context) are,
 * wherever this package runs from: the source tree (lib/*.ts under ts-node/jest) or the compiled
 * package (dist/lib/*.js inside node_modules). Both keep assets/ at the package root.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'cdk-database-dr';
let root: string | undefined;

function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === PACKAGE_NAME) {
      root = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`${PACKAGE_NAME}: no package.json named ${PACKAGE_NAME} above ${__dirname}`);
    }
  }
}

/** A path inside the package's assets/ folder (built by `npm run bundle`, shipped in the package). */
export function bundlePath(...parts: string[]): string {
  return path.join(packageRoot(), 'assets', ...parts);
}
