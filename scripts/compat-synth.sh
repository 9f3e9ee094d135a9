#!/usr/bin/env bash
# Synthesizes the example app (examples/app.ts) against the newest aws-cdk-lib and constructs the npm registry serves
# within the peer ranges in package.json (they promise every newer 2.x), and prints the versions it checked. They are
# installed in a cache outside the project (the lockfile and node_modules stay untouched) and reused while they are
# the newest; older ones are removed. Run by `npm test` (task test:compat).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

# The newest version the registry serves in each peer range.
newest() {
  local range
  range=$(node -p "require('./package.json').peerDependencies['$1']")
  npm view "$1@$range" version --json 2>/dev/null | node -e '
    const v = JSON.parse(require("fs").readFileSync(0, "utf8") || "null");
    const all = [].concat(v ?? []);
    if (!all.length) process.exit(1);
    console.log(all.at(-1));' || {
    echo "compat: the npm registry did not answer for $1@$range; this check needs it (npm view $1 version)" >&2
    exit 1
  }
}
cdk=$(newest aws-cdk-lib)
constructs=$(newest constructs)

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/cdk-protected-secrets/compat"
dir="$cache_root/aws-cdk-lib@$cdk+constructs@$constructs"
installed() { node -p "require('$dir/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(installed aws-cdk-lib)" != "$cdk" ] || [ "$(installed constructs)" != "$constructs" ]; then
  echo "compat: installing aws-cdk-lib $cdk and constructs $constructs into $dir"
  rm -rf "$dir" && mkdir -p "$dir"
  printf '{ "private": true, "dependencies": { "aws-cdk-lib": "%s", "constructs": "%s" } }\n' "$cdk" "$constructs" >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --no-package-lock --ignore-scripts --loglevel=error) || {
    echo "compat: could not install aws-cdk-lib $cdk and constructs $constructs from the npm registry" >&2
    exit 1
  }
  # Only the newest is kept: each aws-cdk-lib is a few hundred MB.
  find "$cache_root" -mindepth 1 -maxdepth 1 -type d ! -path "$dir" -exec rm -rf {} +
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
COMPAT_DIR="$dir" CDK_OUTDIR="$out" TS_NODE_TRANSPILE_ONLY=1 \
  node -r ./scripts/compat-resolve.cjs -r ts-node/register examples/app.ts
templates=$(find "$out" -maxdepth 1 -name '*.template.json' | wc -l)
[ "$templates" -gt 0 ] || { echo "compat: the example app synthesized no template against aws-cdk-lib $cdk" >&2; exit 1; }
echo "compat: the example app synthesizes $templates template(s) against aws-cdk-lib $cdk (newest in $(node -p "require('./package.json').peerDependencies['aws-cdk-lib']")) and constructs $constructs; the lockfile's are $(node -p "require('aws-cdk-lib/package.json').version") and $(node -p "require('constructs/package.json').version") ($(( $(date +%s) - started ))s)"
