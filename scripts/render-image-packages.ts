// Rewrites runner/apt-packages.txt from the engine catalog (runtime/engines/). Run with
// `npx tsx scripts/render-image-packages.ts`; test/runner/core/image.test.ts fails until it matches.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderImagePackages } from '../runtime/engines/image';

writeFileSync(join(__dirname, '..', 'runner', 'apt-packages.txt'), renderImagePackages());
console.log('runner/apt-packages.txt rewritten from the engine catalog');
