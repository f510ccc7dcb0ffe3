#!/usr/bin/env bash
# Installs the interop servers' pinned dependencies: interop/.venv (python3 -m venv + pip install -r
# python/requirements.txt), interop/node/node_modules and interop/better-auth/node_modules (npm ci from
# each package-lock.json; Better Auth is pure JavaScript, no native addon). Idempotent and
# non-interactive: an up-to-date install is left alone. Needs python3 (3.11+), node (20.19+) and npm;
# better-sqlite3 compiles its native addon with node-gyp when no prebuilt binary can be fetched, which
# needs a C++ toolchain and the Node headers (taken from the local Node installation when it has them).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Python.
venv="$here/.venv"
req="$here/python/requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet -r "$req"
  echo "$want" > "$stamp"
fi
echo "python: $("$venv/bin/python" --version) in $venv"

# Node.
node_dir="$here/node"
lock_stamp="$node_dir/node_modules/.package-lock.sha256"
want="$(cat "$node_dir/package.json" "$node_dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$lock_stamp" 2>/dev/null)" != "$want" ] \
    || ! (cd "$node_dir" && node -e "require('better-sqlite3')" 2>/dev/null); then
  prefix="$(dirname "$(dirname "$(command -v node)")")"
  nodedir_flag=()
  if [ -f "$prefix/include/node/node_version.h" ]; then
    nodedir_flag=(--nodedir="$prefix")  # node-gyp: use the local headers, download nothing
  fi
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error "${nodedir_flag[@]}")
  echo "$want" > "$lock_stamp"
fi
echo "node: $(node --version), $(cd "$node_dir" && node -p "require('express/package.json').version + ' (express)'")"

# Better Auth issuer (TEST ONLY token issuer, see better-auth/server.js).
ba_dir="$here/better-auth"
ba_stamp="$ba_dir/node_modules/.package-lock.sha256"
want="$(cat "$ba_dir/package.json" "$ba_dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$ba_stamp" 2>/dev/null)" != "$want" ] \
    || [ ! -f "$ba_dir/node_modules/better-auth/package.json" ]; then
  (cd "$ba_dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$ba_stamp"
fi
echo "better-auth: $(cd "$ba_dir" && node -p "require('./node_modules/better-auth/package.json').version") in $ba_dir/node_modules"
