#!/usr/bin/env bash
# Makes sure the tools the tests run for real are installed: PostgreSQL and MariaDB servers (Debian packages),
# moto (the AWS emulator), cfn-lint and checkov (from PyPI, pinned in test/requirements.txt, into .venv/), openssl, and Java
# with Maven (for AWS Event Ruler). Installs what is missing when it can; otherwise stops with the exact command
# that would install it. Starts nothing: the tests start their servers.
set -uo pipefail

missing_apt=()
# Logs in files of this run's own: a fixed path in /tmp may belong to another user.
apt_log=$(mktemp); pip_log=$(mktemp); mvn_log=$(mktemp)
have() { command -v "$1" >/dev/null 2>&1; }

ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing_apt+=(postgresql)
{ have mariadbd || [ -x /usr/sbin/mariadbd ]; } && have mariadb-install-db && have mariadb || missing_apt+=(mariadb-server mariadb-client)
have openssl || missing_apt+=(openssl)
# Java and Maven run AWS Event Ruler, the matcher behind EventBridge, on the monitoring rules' patterns.
have java || missing_apt+=(default-jre-headless)
have mvn || missing_apt+=(maven)

if ((${#missing_apt[@]})); then
  echo "test-services: installing ${missing_apt[*]} from Debian's packages"
  if [ "$(id -u)" = 0 ] && have apt-get; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing_apt[@]}"; } > "$apt_log" 2>&1 || {
      echo "test-services: could not install ${missing_apt[*]} (log: $apt_log). Run: apt-get install -y ${missing_apt[*]}" >&2
      exit 1
    }
    # The packages start system-wide servers; the tests use their own, so stop those to free memory and ports.
    service mariadb stop >/dev/null 2>&1 || true
    service postgresql stop >/dev/null 2>&1 || true
  else
    echo "test-services: missing ${missing_apt[*]}. Run as root: apt-get update && apt-get install -y ${missing_apt[*]}" >&2
    exit 1
  fi
fi

# moto, cfn-lint and checkov at the versions in test/requirements.txt, in the project's own .venv (tests look there first).
have python3 || { echo "test-services: python3 is missing. Run: apt-get install -y python3 python3-venv" >&2; exit 1; }
python3 -c 'import venv' 2>/dev/null || { echo "test-services: python3 has no venv module. Run: apt-get install -y python3-venv" >&2; exit 1; }
# A .venv made at another path (the clone moved) has scripts whose first line names that path: make it again.
if [ -x .venv/bin/pip ] && ! .venv/bin/pip --version >/dev/null 2>&1; then
  echo "test-services: .venv was made elsewhere (the clone moved?); making it again"
  rm -rf .venv
fi
if [ ! -x .venv/bin/pip ]; then
  python3 -m venv .venv || { echo "test-services: could not create .venv with python3 -m venv" >&2; exit 1; }
fi
if ! .venv/bin/pip install -q --disable-pip-version-check -r test/requirements.txt > "$pip_log" 2>&1; then
  echo "test-services: could not install test/requirements.txt from PyPI (log: $pip_log). Run: .venv/bin/pip install -r test/requirements.txt" >&2
  exit 1
fi
# Fetch Event Ruler now, so a missing Maven Central shows here rather than as a failed test.
mvn -q -B -f test/event-ruler/pom.xml dependency:build-classpath -Dmdep.outputFile="$PWD/test/event-ruler/classpath.txt" > "$mvn_log" 2>&1 || {
  echo "test-services: Maven could not fetch AWS Event Ruler from Maven Central (log: $mvn_log). Run: mvn -f test/event-ruler/pom.xml dependency:build-classpath" >&2
  exit 1
}
rm -f "$apt_log" "$pip_log" "$mvn_log"
echo "test-services: PostgreSQL, MariaDB, moto, cfn-lint, openssl, Java and AWS Event Ruler are present"
