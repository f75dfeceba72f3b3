#!/usr/bin/env bash
# The whole test suite: bundles handlers and the runner, type-checks, then runs jest (construct
# tests, handler tests, and integration tests that start real PostgreSQL, MariaDB and an
# S3-compatible server on loopback). System packages: scripts/install-system-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export CDK_DISABLE_CLI_TELEMETRY=true
node scripts/bundle.mjs
npx tsc -p tsconfig.json --noEmit
# Import directions between lib/, runtime/, lambda/ and runner/ (eslint.config.mjs).
npx eslint .
results=$(mktemp)
status=0
npx jest --ci --json --outputFile="$results" "$@" || status=$?
# A plain closing line that any CI reader understands.
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));' "$results" || true
rm -f "$results"
exit $status
