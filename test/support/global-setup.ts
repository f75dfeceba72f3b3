import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// Constructs reference pre-built bundles under assets/; build them once per test run.
export default function globalSetup(): void {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
}
