#!/usr/bin/env bash
# Builds the Python, Java and Go packages with jsii-pacmak and proves them: a fresh virtual environment installs the
# wheel and runs test/python/app.py, a Java app (test/java) runs against the jar, and the Go module compiles. The apps
# synthesize and check their templates; the examples each package shows compile (Go, Java) or type-check (Python,
# mypy). Before that, scripts/check-package-assets.mjs proves the npm tarball carries every Lambda asset the constructs
# reference.
# Needs python3 (with venv), a JDK with Maven, Go and unzip; stops naming every missing tool otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every missing tool is named at once, so one run tells the whole list.
missing=0
need() { command -v "$1" >/dev/null 2>&1 || { echo "package-check: $1 is missing. $2" >&2; missing=1; }; }
need python3 "Install Python 3 with venv (apt-get install -y python3 python3-venv)."
need javac "Install a JDK, not only a JRE (apt-get install -y default-jdk-headless)."
need mvn "Install Maven (apt-get install -y maven)."
need go "Install Go $(node -p "require('jsii-pacmak/lib/targets/go/package').GO_VERSION" 2>/dev/null || echo 1.25)+ (https://go.dev/dl/): the go line jsii-pacmak writes into the module's go.mod."
need unzip "apt-get install -y unzip"
[ "$missing" = 0 ] || exit 1
python3 -c 'import venv' 2>/dev/null || { echo "package-check: python3 has no venv module. Run: apt-get install -y python3-venv" >&2; exit 1; }
# `--tools-only` (.ci/run, before the tests): only the checks above, so a missing JDK or Go shows before the suite runs.
[ "${1:-}" = --tools-only ] && exit 0

# jsii-pacmak runs `go mod tidy`, which checks modules against the Go checksum database. Where only the module proxy is
# reachable (as on this project's CI), check the jsii and CDK modules by the proxy alone, and say so.
if [ "$(curl -s -o /dev/null -w '%{http_code}' https://sum.golang.org/lookup/github.com/aws/jsii-runtime-go@v1.140.0 || true)" != 200 ]; then
  export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/aws,github.com/cdklabs"
  echo "package-check: the Go checksum database is unreachable; GONOSUMDB=$GONOSUMDB"
fi

started=$(date +%s)
# In .ci/run the test task's check:api has just compiled this tree (after eslint --fix): jsii runs again only when an
# input of the assembly (the sources, the README it carries, the dependencies) is newer than .jsii, or lib/ is missing.
# The rotation bundles are rebuilt either way (seconds; bundle:rotation is the first step of compile).
jsii_inputs_newer=$( [ -f .jsii ] && [ -f lib/index.js ] && find src README.md package.json package-lock.json -newer .jsii -print -quit 2>/dev/null || echo missing)
if [ -z "$jsii_inputs_newer" ]; then
  echo "package-check: .jsii and lib/ are newer than src/, README.md, package.json and package-lock.json: not compiling again"
  npx projen bundle:rotation
else
  npx projen compile
fi
npx projen package:js
# The npm tarball is also what the wheel and the jar carry: only the library, its asset and its docs belong in it.
unexpected=$(tar tzf dist/js/*.tgz | cut -d/ -f2 | sort -u | grep -vxE 'lib|assets|\.jsii|package\.json|README\.md|API\.md|LICENSE' || true)
[ -z "$unexpected" ] || { echo "package-check: the npm package holds files it should not: $(echo $unexpected); add them to addPackageIgnore in .projenrc.ts" >&2; exit 1; }
echo "package-check: npm package $(du -k dist/js/*.tgz | cut -f1) KB: lib, assets, .jsii and docs only"
# The constructs are useless without their Lambda code: every built asset and every Code.fromAsset path is in it.
node scripts/check-package-assets.mjs dist/js/*.tgz
# The tablet of translations once for the three languages (package:<language> alone extracts it each time).
npx projen rosetta:extract

# Go: jsii-pacmak generates the module, then runs `go mod tidy` and `go build` against the exact aws-cdk-go version
# that matches aws-cdk-lib's minimum. A Go module proxy may not serve that version (the one reachable here answers
# 403 "This module version is not available" for some); the generated code is then built against the oldest newer
# version the proxy serves, and the script says so. Either way the Go code is compiled, not only generated.
# $go_work/build is a copy of the module whose go.mod resolves here (retargeted so when the proxy refuses the pinned
# version): the module's examples are compiled in it below, against the same aws-cdk-go as the module.
# The Go module is generated (and `go mod tidy` asks the module proxy) in the background while one jsii-pacmak builds
# Java and Python side by side; its log is read after both end.
go_log=$(mktemp)
go_work=$(mktemp -d)
mkdir -p "$go_work/probe"
npx projen package:go-only >"$go_log" 2>&1 &
go_pid=$!
npx projen package:java-python || { kill "$go_pid" 2>/dev/null; wait "$go_pid" 2>/dev/null; echo "package-check: jsii-pacmak could not build the Java and Python packages (above)" >&2; exit 1; }
ls dist/python/*.whl >/dev/null && ls dist/java/io/github/example/cdk-protected-secrets/*/cdk-protected-secrets-*.jar >/dev/null \
  || { wait "$go_pid" 2>/dev/null; echo "package-check: jsii-pacmak did not produce the Python wheel and the Maven artifact" >&2; exit 1; }
if wait "$go_pid"; then
  go_pacmak_built=1
else
  go_pacmak_built=0
  go_module=$(find dist/go -mindepth 2 -maxdepth 2 -name go.mod -print -quit 2>/dev/null || true)
  if [ -z "$go_module" ] || ! grep -qE 'This module version is not available|404 Not Found|410 Gone' "$go_log"; then
    tail -n 40 "$go_log" >&2; echo "package-check: the Go build failed (log: $go_log)" >&2; exit 1
  fi
  # jsii-pacmak leaves its build-only module files behind when it fails; they are not part of the package.
  rm -f "$(dirname "$go_module")/local.go.mod" "$(dirname "$go_module")/local.go.sum"
fi
go_module=$(dirname "$(find dist/go -mindepth 2 -maxdepth 2 -name go.mod -print -quit)")
cp -r "$go_module" "$go_work/build"
(
  set -euo pipefail
  cd "$go_work/build"
  if [ "$go_pacmak_built" = 0 ]; then
    # Indirect requirements come from the pinned aws-cdk-go; `go mod tidy` picks the ones the replacement needs.
    go mod edit -json | node -e '
      const mod = JSON.parse(require("fs").readFileSync(0, "utf8"));
      for (const r of mod.Require ?? []) console.log(`${r.Indirect ? "indirect" : "direct"} ${r.Path} ${r.Version}`);
    ' >../requirements.txt
    while read -r kind path version; do
      if [ "$kind" = indirect ]; then go mod edit -droprequire="$path"; continue; fi
      if (cd ../probe && go list -m "$path@$version") >/dev/null 2>&1; then continue; fi
      served=$(cd ../probe && go list -m -versions "$path" | tr ' ' '\n' | tail -n +2)
      replacement=$(printf '%s\n' "$version" $served | sort -V -u | sed -n "/^${version//./\\.}\$/{n;p;q}")
      [ -n "$replacement" ] || { echo "the Go module proxy serves neither $path $version nor a newer version" >&2; exit 1; }
      echo "package-check: NOTE: the Go module proxy does not serve $path $version (pinned by the generated go.mod); building against $replacement, the oldest newer version it serves"
      go mod edit -require="$path@$replacement"
    done <../requirements.txt
  fi
  # The generated module ships no go.sum (jsii-pacmak's own is local.go.sum, removed after its build).
  go mod tidy
  [ "$go_pacmak_built" = 1 ] || go build ./...
) >"$go_work/build.log" 2>&1 || {
  tail -n 40 "$go_work/build.log" >&2; echo "package-check: the generated Go module does not build (logs: $go_log, $go_work/build.log)" >&2; exit 1
}
if [ "$go_pacmak_built" = 0 ]; then
  grep '^package-check: NOTE' "$go_work/build.log" || true
  echo "package-check: the generated Go module builds with go build"
fi
echo "package-check: built $(ls dist/python/*.whl), the Maven artifact and the Go module in $(( $(date +%s) - started ))s"

# The README's examples as each package shows them (the PyPI page is the wheel's METADATA; the Go module has the
# README): translated by jsii-rosetta, not TypeScript under another language's label. A line that starts as only
# TypeScript does (`import {`, `const `, `new `) inside a python or go block is such a copy.
# An arrow function (`=>`) is TypeScript too: rosetta drops the `const` of a line it cannot translate and keeps the rest.
untranslated() { awk -v lang="$1" '$0 ~ "^```" lang "$" {f=1; next} /^```/ {f=0} f' | grep -cE '^[[:space:]]*(import \{|const |new [A-Z])|=>' || true; }
python_ts=$(unzip -p dist/python/*.whl '*/METADATA' | untranslated python)
python_blocks=$(unzip -p dist/python/*.whl '*/METADATA' | grep -c '^```python$' || true)
# Each python block of the PyPI page must be Python that compiles (python3's own parser, not a pattern of ours).
python_dir=$(mktemp -d)
unzip -p dist/python/*.whl '*/METADATA' | awk -v dir="$python_dir" '/^```python$/ {n++; f=1; next} /^```/ {f=0} f {print > (dir "/example" n ".py")}'
for example in "$python_dir"/*.py; do
  python3 -m py_compile "$example" 2>"$example.err" || {
    echo "package-check: a python example of the wheel's README (the PyPI page) is not Python: $(tail -n 3 "$example.err"); rewrite that README example so jsii-rosetta can translate it" >&2
    cat "$example" >&2; exit 1
  }
done
# Go (pkg.go.dev shows the module's README.md and each file's `// Example:`) and Java (the Javadoc) are checked as what
# they claim to be, not by a pattern for TypeScript, which passed on guesses: `awscdk.*Aws_iam.NewServicePrincipal`,
# `import "github.com/aws-samples/dummy/..."`, `import cdk.protected.secrets...` (`protected` is a Java keyword).
# Every Go example must import this module and aws-cdk-go/v2 by their real paths and compile (go build, in the module
# copy built above, against the same aws-cdk-go); the Java examples are compiled with the Java app below, against the
# jar. There is one per README TypeScript block and @example.
# Seconds since a `date +%s%N`, to a tenth.
seconds_since() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); echo "$(( ms / 1000 )).$(( ms % 1000 / 100 ))"; }
ts_examples=$(( $(grep -c '^```ts$' README.md) + $(grep -rc '@example' src --include=*.ts | grep -v '^src/private/' | awk -F: '{n+=$2} END {print n}') ))
go_examples_started=$(date +%s%N)
go_examples=$(node scripts/check-package-examples.mjs go "$go_module" "$go_work/build") || {
  echo "package-check: the Go module's examples do not compile against the module and aws-cdk-go (above); they come from the tablet rosetta:extract writes (.projenrc.ts), rewritten by scripts/fix-go-translations.mjs" >&2; exit 1
}
go_examples_seconds=$(seconds_since "$go_examples_started")
java_sources=$(mktemp -d)
(cd "$java_sources" && unzip -q "$OLDPWD"/dist/java/io/github/example/cdk-protected-secrets/*/cdk-protected-secrets-*-sources.jar)
java_dir=$(mktemp -d)
cp -r test/java/. "$java_dir"
java_examples=$(node scripts/check-package-examples.mjs java "$java_sources" "$java_dir/src/main/java/readme") || {
  echo "package-check: the Javadoc's examples import packages that do not exist (above)" >&2; exit 1
}
if [ "$python_ts" != 0 ] || [ "$python_blocks" -lt 10 ] || [ "$go_examples" -lt "$ts_examples" ] || [ "$java_examples" -lt "$ts_examples" ]; then
  echo "package-check: the packages' examples are not all translated: $python_ts TypeScript lines in the wheel's $python_blocks python blocks; $go_examples Go and $java_examples Java examples for $ts_examples TypeScript ones" >&2
  exit 1
fi
echo "package-check: the wheel's $python_blocks python examples compile; the Go module's $go_examples examples compile against aws-cdk-go/v2 and $(basename "$go_module") (go build, ${go_examples_seconds}s)"

venv=$(mktemp -d)/venv
python3 -m venv "$venv"
cdk_version=$(node -p "require('aws-cdk-lib/package.json').version")
constructs_version=$(node -p "require('constructs/package.json').version")
"$venv/bin/pip" install -q dist/python/*.whl "aws-cdk-lib==$cdk_version" "constructs==$constructs_version"
(cd "$(mktemp -d)" && "$venv/bin/python" "$OLDPWD/test/python/app.py")
# The Python examples (the PyPI page's python blocks and the docstrings' `Example::`) are type-checked with mypy against
# the wheel and aws-cdk-lib installed above, as the Go and Java ones are compiled: py_compile only proved them Python,
# so a method that does not exist or a keyword a constructor does not take passed. mypy is installed after the app ran,
# so the app proves the wheel's own dependencies suffice. aws-cdk-lib's service modules are not analysed (104 s on an
# empty cache; see checkPython); the cache is kept outside the project. One example per README TypeScript block and
# @example, and the README's own python block.
python_examples_started=$(date +%s%N)
"$venv/bin/pip" install -q -r test/python/requirements.txt
python_examples=$(node scripts/check-package-examples.mjs python dist/python/*.whl "$venv/bin/python" "${XDG_CACHE_HOME:-$HOME/.cache}/cdk-protected-secrets/mypy") || {
  echo "package-check: the wheel's Python examples do not type-check against it and aws-cdk-lib (above): a README block written in Python is fixed in README.md; a translated one in its TypeScript (README.md or the @example in src/), or where rosetta is at fault in rosetta/default.ts-fixture or scripts/fix-python-translations.mjs" >&2; exit 1
}
[ "$python_examples" -gt "$ts_examples" ] || {
  echo "package-check: the wheel has $python_examples Python examples for $ts_examples TypeScript ones and the README's python block" >&2; exit 1
}
echo "package-check: the wheel's $python_examples Python examples type-check against it and aws-cdk-lib (mypy; installed and run in $(seconds_since "$python_examples_started")s)"

# Java: a small app (test/java) compiled against the jar in dist/java and run with Maven; it asserts on its template.
# The Javadoc's examples (written into $java_dir/src/main/java/readme above, each a class) are compiled with it.
# The package's version is always 0.0.0 here: drop any copy Maven cached from an earlier build.
rm -rf "$HOME/.m2/repository/io/github/example/cdk-protected-secrets"
(cd "$java_dir" && mvn --batch-mode --quiet -DdistJava="file://$OLDPWD/dist/java" compile exec:java) >"$java_dir/run.log" 2>&1 || {
  tail -n 60 "$java_dir/run.log" >&2
  if grep -q 'readme/Example[0-9]*\.java' "$java_dir/run.log"; then
    echo "package-check: a Java example of the Javadoc does not compile against the jar (the file's first line names where it is shown: $java_dir/src/main/java/readme)" >&2; exit 1
  fi
  echo "package-check: the Java app did not synthesize what it should (log: $java_dir/run.log)" >&2; exit 1
}
echo "package-check: the Javadoc's $java_examples Java examples compile against the jar"
# On Node.js 22 and later the jsii runtime's output reaches the log with colour resets (ESC[0m) at line starts: strip them first.
sed 's/\x1b\[[0-9;]*m//g' "$java_dir/run.log" | grep '^java synth check' || {
  tail -n 20 "$java_dir/run.log" >&2; echo "package-check: the Java app printed no 'java synth check' line (log: $java_dir/run.log)" >&2; exit 1
}
echo "package-check: passed in $(( $(date +%s) - started ))s"
