#!/usr/bin/env bash
# Install everything the test suite needs into .venv, then run it.
#   bash tests/run.sh                 lint (ruff, mypy), then the whole suite in parallel
#   bash tests/run.sh [pytest args]   only pytest, with those arguments (e.g. -k snapshot)
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "snippetgen needs Python 3.11 or newer; $python is $("$python" --version 2>&1)" >&2
    exit 2
fi

# The browser tests drive Debian's Chromium (Playwright cannot download its own here);
# the Manual HTTP tests run curl, JavaScript, Go and Java snippets with curl, jq, node, go and
# java; the formatter tests check snippets with shfmt, gofmt, Prettier (npm, pinned in
# tests/formatters) and google-java-format (a jar from Maven, below).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v shfmt >/dev/null 2>&1 || missing+=(shfmt)
# Go snippets run with `go run` and are checked with gofmt.
{ command -v go && command -v gofmt; } >/dev/null 2>&1 || missing+=(golang-go)
# Java snippets run with the JDK's source launcher; Maven fetches Jackson and google-java-format.
{ command -v java && command -v javac; } >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo -n apt-get); fi
    echo "Installing Debian's ${missing[*]} for the test suite..." >&2
    "${apt_get[@]}" update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq "${missing[@]}" >/dev/null
fi

# Prettier, as tests/formatters/package-lock.json pins it, when missing or older than the lock.
formatters=tests/formatters
if [ ! -f "$formatters/node_modules/.package-lock.json" ] \
    || [ "$formatters/package-lock.json" -nt "$formatters/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$formatters" --no-audit --no-fund --loglevel=error >/dev/null
fi

# Jackson (the Java snippets' JSON library) and google-java-format, once, into the cache that
# tests/build_java.py reads; the tests run offline from it (and from ~/.m2, which holds them too).
java_jars=${SNIPPETGEN_JAVA_JARS:-$HOME/.cache/snippetgen/java}
while read -r folder group name version classifier; do
    if [ ! -f "$java_jars/$folder/$name-$version${classifier:+-$classifier}.jar" ]; then
        mvn -q dependency:copy -Dartifact="$group:$name:$version${classifier:+:jar:$classifier}" \
            -DoutputDirectory="$java_jars/$folder" >/dev/null
    fi
done <<'JARS'
jackson com.fasterxml.jackson.core jackson-databind 2.23.0
jackson com.fasterxml.jackson.core jackson-core 2.23.0
jackson com.fasterxml.jackson.core jackson-annotations 2.23
formatter com.google.googlejavaformat google-java-format 1.28.0 all-deps
JARS

[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip
"${pip[@]}" install -e '.[test]'

if [ $# -gt 0 ]; then
    exec .venv/bin/python -m pytest "$@"
fi

.venv/bin/ruff check src mkdocs_plugin
.venv/bin/mypy
# Two workers fit the two cores most of the suite needs; the ten slowest tests are
# listed at the end so their cost stays visible.
exec .venv/bin/python -m pytest -q -n 2 --durations=10
