#!/usr/bin/env bash
# Compiles the library with jsii against the OLDEST versions its peer ranges allow.
#
# jsii wants each peer dependency's lowest version as the exact devDependency (warning JSII6
# otherwise), so that the assembly is proven to compile against every version users may have.
# This repository's own devDependencies stay at the newest versions (the test suite runs on those
# and the package test synthesizes the user's app at the oldest), so the compile happens in a
# staging folder: lib/ and runtime/ (what lib/ imports), tsconfig.jsii.json, README.md, LICENSE
# and a package.json whose devDependencies are the peer minimums plus jsii itself. The assembly
# (.jsii) is copied back to the repository root, where `files` in package.json ships it.
#
#   bash scripts/jsii.sh                    # jsii: prints "Errors: 0 | Warnings: 0"; writes .jsii
#   bash scripts/jsii.sh --pacmak           # also jsii-pacmak: every target's sources, the npm package
#   JSII_STAGE=/tmp/x bash scripts/jsii.sh  # stage there (kept) instead of a temporary folder
#   JSII_OUT=/tmp/y bash scripts/jsii.sh    # write the assembly there instead of the repository root
#
# Needs the npm registry or a warm npm cache (aws-cdk-lib at the peer minimum, jsii, jsii-pacmak).
set -euo pipefail

JSII_VERSION=6.0.16
JSII_PACMAK_VERSION=1.140.0

root=$(cd "$(dirname "$0")/.." && pwd)
pacmak=false
for arg in "$@"; do
  case "$arg" in
    --pacmak) pacmak=true ;;
    *) echo "scripts/jsii.sh: unknown argument '$arg' (known: --pacmak)" >&2; exit 2 ;;
  esac
done

if [[ -n "${JSII_STAGE:-}" ]]; then
  stage=$JSII_STAGE
  mkdir -p "$stage"
else
  stage=$(mktemp -d "${TMPDIR:-/tmp}/cdk-database-dr-jsii.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
fi

rm -rf "$stage/lib" "$stage/runtime" "$stage/dist" "$stage/dist-jsii" "$stage/.jsii"
cp -R "$root/lib" "$root/runtime" "$stage/"
cp "$root/tsconfig.jsii.json" "$root/README.md" "$root/LICENSE" "$stage/"

# The staged package.json: the repository's, with devDependencies = each peer's lowest version
# (the range's floor: "^2.269.0" -> "2.269.0"), the Node types, jsii and jsii-pacmak; no scripts.
node - "$root/package.json" "$stage/package.json" "$JSII_VERSION" "$JSII_PACMAK_VERSION" <<'EOF'
const fs = require('node:fs');
const [src, dest, jsii, pacmak] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(src, 'utf8'));
const devDependencies = {};
const problems = [];
for (const [name, range] of Object.entries(pkg.peerDependencies ?? {})) {
  const m = /^\^?(\d+\.\d+\.\d+)$/.exec(range);
  if (m) devDependencies[name] = m[1];
  else problems.push(`peerDependencies.${name}: "${range}" is not a caret range or an exact version, so its lowest version is unclear`);
}
if (problems.length) { console.error(problems.join('\n')); process.exit(2); }
devDependencies['@types/node'] = pkg.devDependencies['@types/node'];
devDependencies.jsii = jsii;
devDependencies['jsii-pacmak'] = pacmak;
const staged = { ...pkg, devDependencies };
delete staged.scripts;
fs.writeFileSync(dest, JSON.stringify(staged, null, 2) + '\n');
console.log(`jsii stage: devDependencies ${Object.entries(devDependencies).map(([n, v]) => `${n}@${v}`).join(' ')}`);
EOF

# The bundled dependency (ajv) is installed too: jsii checks that bundled dependencies are present.
(cd "$stage" && npm install --no-audit --no-fund --prefer-offline --ignore-scripts --loglevel=error --no-package-lock)

cd "$stage"
# On Node 20 jsii also prints a banner that Node 20 is past its end of life: true, and not a
# compiler diagnostic (those are counted on the "Errors: N | Warnings: N" line).
./node_modules/.bin/jsii --version
./node_modules/.bin/jsii .
out=${JSII_OUT:-$root}
cp .jsii "$out/.jsii"
echo "jsii: wrote $out/.jsii"

if $pacmak; then
  # Every language package embeds the npm tarball of this folder, which its jsii runtime loads: it
  # must hold what the real package holds, so the handler and runner bundles and the compiled bin
  # entry are built in the repository (npm run build) and copied in beside jsii's dist/lib, with docs/.
  (cd "$root" && npm run build --silent)
  mkdir -p "$stage/assets" "$stage/dist"
  cp -R "$root/assets/lambda" "$root/assets/runner" "$stage/assets/"
  cp -R "$root/dist/bin" "$stage/dist/"
  rm -rf "$stage/docs" && cp -R "$root/docs" "$stage/"
  # Every target's generated sources (no language toolchain needed), then the npm package (js).
  ./node_modules/.bin/jsii-pacmak --code-only --targets python,java,dotnet,go --outdir dist-jsii
  ./node_modules/.bin/jsii-pacmak --targets js --outdir dist-jsii
  find dist-jsii -maxdepth 2 | sort
fi
