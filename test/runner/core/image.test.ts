import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../../runner/src/engines';
import { allEngines } from '../../../runner/src/core/registry';
import { ENGINES, findEngine } from '../../../runtime/engines';
import { BASE_PACKAGES } from '../../../runtime/engines/packages';
import { renderImagePackages } from '../../../runtime/engines/image';

// The image cannot be built here (no Docker engine). These checks keep its one package list honest:
// the Dockerfile installs from it, and every tool any engine runs comes from a line in it.
const RUNNER = join(__dirname, '..', '..', '..', 'runner');
const dockerfile = readFileSync(join(RUNNER, 'Dockerfile'), 'utf8');

interface PackageLine { pkg: string; source: string; arch: string; tools: string[] }
function packageLines(): PackageLine[] {
  return readFileSync(join(RUNNER, 'apt-packages.txt'), 'utf8').split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => {
      const [pkg, source, arch, ...tools] = l.trim().split(/\s+/);
      return { pkg, source, arch, tools: tools.filter((t) => t !== '-') };
    });
}

describe('runner image', () => {
  it('installs exactly the engine catalog\'s packages (apt-packages.txt is its rendering)', () => {
    // On a difference: npx tsx scripts/render-image-packages.ts
    expect(readFileSync(join(RUNNER, 'apt-packages.txt'), 'utf8')).toBe(renderImagePackages());
  });

  it('has a well-formed package list', () => {
    const lines = packageLines();
    expect(lines.length).toBeGreaterThan(5);
    for (const l of lines) {
      expect({ pkg: l.pkg, source: ['debian', 'mongodb', 'percona', 'pgdg'].includes(l.source), arch: ['any', 'amd64', 'arm64'].includes(l.arch) })
        .toEqual({ pkg: l.pkg, source: true, arch: true });
    }
    expect(new Set(lines.map((l) => l.pkg)).size).toBe(lines.length);
  });

  it('installs every Debian package of the list, and each exists in Debian 12', () => {
    const debian = packageLines().filter((l) => l.source === 'debian').map((l) => l.pkg);
    const r = spawnSync('apt-cache', ['show', '--no-all-versions', ...debian], { encoding: 'utf8' });
    expect(r.status === 0 ? 'all found' : r.stderr).toBe('all found');
    const found = [...r.stdout.matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]);
    expect(new Set(found)).toEqual(new Set(debian));
  });

  it('is Debian 12 slim, reads apt-packages.txt, runs the bundled CLI with Node.js as a non-root user', () => {
    expect(dockerfile).toMatch(/^FROM debian:bookworm-slim$/m);
    expect(dockerfile).toMatch(/^COPY apt-packages\.txt \/tmp\/apt-packages\.txt$/m);
    expect(dockerfile).toContain(`awk '!/^[[:space:]]*(#|$)/ && $2 == "debian" { print $1 }' /tmp/apt-packages.txt`);
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends \$debian_pkgs/);
    expect(dockerfile).toMatch(/\$2 != "debian" && \(\$3 == "any" \|\| \$3 == a\)/);
    expect(dockerfile).toMatch(/^COPY --from=node \/usr\/local\/bin\/node \/usr\/local\/bin\/node$/m);
    expect(dockerfile).toMatch(/^COPY runner\.js README\.md \/opt\/runner\/$/m);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/node", "\/opt\/runner\/runner\.js"\]$/m);
    // Nothing else installs packages behind the list's back.
    expect(dockerfile.match(/apt-get install/g)).toHaveLength(3);
  });

  it('adds each vendor repository it installs from (signed); pgBackRest never comes from PGDG', () => {
    const vendors = new Set(packageLines().filter((l) => l.source !== 'debian').map((l) => l.source));
    const repos: Record<string, RegExp> = {
      mongodb: /signed-by=\/usr\/share\/keyrings\/mongodb-server-8\.0\.gpg \] https:\/\/repo\.mongodb\.org\/apt\/debian bookworm\//,
      percona: /percona-release enable-only pxb-80 release/,
      pgdg: /signed-by=\/usr\/share\/keyrings\/postgresql-pgdg\.gpg \] https:\/\/apt\.postgresql\.org\/pub\/repos\/apt bookworm-pgdg main/,
    };
    for (const v of vendors) {
      expect({ vendor: v, handled: repos[v]?.test(dockerfile) ?? false }).toEqual({ vendor: v, handled: true });
      expect(dockerfile).toContain(`grep -q '^${v} '`);
    }
    // The repository host and the database hosts must run the same pgBackRest (Debian 12's 2.45).
    expect(dockerfile).toContain("printf 'Package: pgbackrest\\nPin: origin apt.postgresql.org\\nPin-Priority: -1\\n'");
    expect(packageLines().find((l) => l.pkg === 'pgbackrest')?.source).toBe('debian');
  });

  it('ships a pg_dump new enough for every PostgreSQL major RDS and Aurora run today (16, 17, 18)', () => {
    const clients = packageLines().filter((l) => /^postgresql-client-\d+$/.test(l.pkg) && l.tools.includes('pg_dump'))
      .map((l) => Number(l.pkg.split('-').pop()));
    expect(Math.max(...clients)).toBeGreaterThanOrEqual(18);
  });

  it('provides every tool an engine requires from that engine\'s own catalog packages (wal-g from its checksummed release binary)', () => {
    const engines = allEngines();
    expect(engines.map((e) => e.name).sort()).toEqual(ENGINES.map((e) => e.name).sort());
    const unmapped: string[] = [];
    for (const e of engines) {
      const own = new Set([...BASE_PACKAGES, ...findEngine(e.name)!.packages].flatMap((p) => p.tools));
      for (const tool of e.requiredTools) {
        if (tool === 'wal-g') continue;
        if (!own.has(tool)) unmapped.push(`${e.name}: ${tool}`);
      }
    }
    expect(unmapped).toEqual([]);
    if (engines.some((e) => e.requiredTools.includes('wal-g'))) {
      expect(dockerfile).toMatch(/sha256sum -c -/);
      expect(dockerfile).toMatch(/install -m 0755 .* \/usr\/local\/bin\/wal-g/);
    }
  });
});
