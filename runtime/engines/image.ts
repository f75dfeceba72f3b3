/**
 * The runner image's package list, rendered from the catalog: runner/Dockerfile installs from
 * runner/apt-packages.txt, which must equal `renderImagePackages()` (test/runner/core/image.test.ts
 * checks it; `npx tsx scripts/render-image-packages.ts` rewrites it).
 */
import { ENGINES } from './index';
import { BASE_PACKAGES } from './packages';
import type { ImagePackage } from './record';

/** Every package, each once: the base packages, then each engine's in catalog order. */
export function imagePackages(): ImagePackage[] {
  const seen = new Map<string, ImagePackage>();
  for (const p of [...BASE_PACKAGES, ...ENGINES.flatMap((e) => e.packages)]) {
    const earlier = seen.get(p.name);
    if (earlier && earlier !== p) throw new Error(`engine catalog: package ${p.name} is described twice differently`);
    seen.set(p.name, p);
  }
  return [...seen.values()];
}

const HEADER = `# The runner image's package list, generated from the engine catalog (runtime/engines/):
# do not edit by hand; run \`npx tsx scripts/render-image-packages.ts\`. runner/Dockerfile installs
# from it; test/runner/core/image.test.ts checks it equals the catalog's rendering.
#
# Columns: package  source  arch  tools-it-provides...
#   source  debian  = Debian 12 (bookworm) main
#           mongodb = repo.mongodb.org (MongoDB 8.0 for Debian 12; amd64 only)
#           percona = repo.percona.com (percona-release, pxb-80)
#           pgdg    = apt.postgresql.org (PostgreSQL Global Development Group, bookworm-pgdg);
#                     pgbackrest is pinned away from it (stays Debian's 2.45)
#   arch    any, or the only Docker TARGETARCH the vendor publishes the package for.
#           On other architectures the line is skipped and the engine fails with
#           "<tool> is not installed" (exit 2) instead of running.
#   tools   executables the engines run ("-" for a support package).
`;

/** runner/apt-packages.txt as it must be. */
export function renderImagePackages(): string {
  const lines = [HEADER];
  for (const p of imagePackages()) {
    if (p.why) lines.push(...wrap(p.why, 98).map((l) => `# ${l}`));
    lines.push(`${p.name.padEnd(26)} ${p.source.padEnd(8)} ${p.arch.padEnd(7)} ${p.tools.length ? p.tools.join(' ') : '-'}`);
  }
  return lines.join('\n') + '\n';
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out;
}
