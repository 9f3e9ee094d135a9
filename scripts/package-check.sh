#!/usr/bin/env bash
# Builds the Python, Java and Go packages with jsii-pacmak and proves the Python one works: a fresh virtual
# environment installs the wheel and runs test/python/app.py, which synthesizes and checks its template.
# Needs python3 (with venv), Java with Maven, and Go; stops with the exact missing tool otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "package-check: $1 is missing. $2" >&2; exit 1; }; }
need python3 "Install Python 3 with venv (apt-get install -y python3 python3-venv)."
need java "Install a JDK (apt-get install -y default-jdk-headless)."
need mvn "Install Maven (apt-get install -y maven)."
need go "Install Go 1.21+ (https://go.dev/dl/)."
python3 -c 'import venv' 2>/dev/null || { echo "package-check: python3 has no venv module. Run: apt-get install -y python3-venv" >&2; exit 1; }

# jsii-pacmak runs `go mod tidy`, which checks modules against the Go checksum database. Where only the module proxy is
# reachable (as on this project's CI), check the jsii and CDK modules by the proxy alone, and say so.
if [ "$(curl -s -o /dev/null -w '%{http_code}' https://sum.golang.org/lookup/github.com/aws/jsii-runtime-go@v1.140.0 || true)" != 200 ]; then
  export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/aws,github.com/cdklabs"
  echo "package-check: the Go checksum database is unreachable; GONOSUMDB=$GONOSUMDB"
fi

started=$(date +%s)
npx projen compile
npx projen package:js
npx projen package:java
npx projen package:python
ls dist/python/*.whl >/dev/null && ls dist/java/io/github/example/cdk-protected-secrets/*/cdk-protected-secrets-*.jar >/dev/null \
  || { echo "package-check: jsii-pacmak did not produce the Python wheel and the Maven artifact" >&2; exit 1; }

# Go: a full build resolves aws-cdk-go's dependencies through the Go module proxy. A proxy that refuses one of them
# (a filtered mirror answers 403 "This module version is not available") is the network's limit, not the package's:
# then generate the code only and check that every file parses (gofmt), and say which module was refused.
go_log=$(mktemp)
if ! npx projen package:go >"$go_log" 2>&1; then
  refused=$(grep -o 'reading https://[^ ]*: 403 Forbidden' "$go_log" | head -1 || true)
  if [ -z "$refused" ]; then cat "$go_log" >&2; echo "package-check: the Go build failed" >&2; exit 1; fi
  echo "package-check: the Go module proxy refused a dependency of aws-cdk-go ($refused); checking the generated Go code only"
  npx jsii-pacmak --target go --code-only --outdir dist >/dev/null
  gofmt -e dist/go >/dev/null || { echo "package-check: the generated Go code does not parse (gofmt errors above)" >&2; exit 1; }
  ls dist/go/cdkprotectedsecrets/go.mod >/dev/null || { echo "package-check: jsii-pacmak generated no Go module" >&2; exit 1; }
fi
echo "package-check: built $(ls dist/python/*.whl), the Maven artifact and the Go module in $(( $(date +%s) - started ))s"

venv=$(mktemp -d)/venv
python3 -m venv "$venv"
cdk_version=$(node -p "require('aws-cdk-lib/package.json').version")
constructs_version=$(node -p "require('constructs/package.json').version")
"$venv/bin/pip" install -q dist/python/*.whl "aws-cdk-lib==$cdk_version" "constructs==$constructs_version"
(cd "$(mktemp -d)" && "$venv/bin/python" "$OLDPWD/test/python/app.py")
echo "package-check: passed in $(( $(date +%s) - started ))s"
