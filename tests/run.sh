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

# The Python packages install into .venv while Debian's packages and npm's install beside them.
(
    [ -x .venv/bin/python ] || "$python" -m venv .venv
    pip=(.venv/bin/python -m pip --quiet --disable-pip-version-check)
    "${pip[@]}" install --upgrade pip
    "${pip[@]}" install -e '.[test]'
) &
python_install=$!

# Rust snippets build with cargo (edition 2024) and are checked with rustfmt: Debian's Rust is
# older than that, so only rustup provides it.
if ! { command -v cargo && command -v rustfmt; } >/dev/null 2>&1; then
    echo "Rust 1.85 or newer with cargo and rustfmt is missing: install it with rustup (https://rustup.rs)" >&2
    exit 2
fi

# The crates of the Rust snippets' install line, as tests/rust/Cargo.lock pins them: fetched and
# built once into the target the suite builds every snippet against, offline; beside the rest.
(
    cargo fetch --locked --manifest-path tests/rust/Cargo.toml -q
    CARGO_TARGET_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/snippetgen/rust/target" \
        cargo build --offline --locked --manifest-path tests/rust/Cargo.toml -q
) &
rust_install=$!

# The browser tests drive Debian's Chromium (Playwright cannot download its own here);
# the Manual HTTP tests run curl, JavaScript, Go, C#, C++, Java and Rust snippets with curl, jq,
# node, go, mono, g++, java and cargo; the formatter tests check snippets with shfmt, gofmt,
# clang-format, rustfmt, Prettier (npm, pinned in tests/formatters) and google-java-format
# (a jar from Maven, below).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v shfmt >/dev/null 2>&1 || missing+=(shfmt)
# Go snippets build with go and are checked with gofmt.
{ command -v go && command -v gofmt; } >/dev/null 2>&1 || missing+=(golang-go)
# C# snippets are built with Mono's mcs, run with mono and checked with clang-format.
{ command -v mcs && command -v mono; } >/dev/null 2>&1 || missing+=(mono-devel)
# C++ snippets build with g++ on libcurl and nlohmann/json, checked with clang-format.
command -v g++ >/dev/null 2>&1 || missing+=(g++)
# curl.h sits under the multiarch folder (/usr/include/x86_64-linux-gnu/curl).
[ -n "$(find /usr/include -path '*/curl/curl.h' -print -quit 2>/dev/null)" ] || missing+=(libcurl4-openssl-dev)
[ -f /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
command -v clang-format >/dev/null 2>&1 || missing+=(clang-format)
# Java snippets run with the JDK's source launcher; Maven fetches Jackson and google-java-format.
{ command -v java && command -v javac; } >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo -n apt-get); fi
    echo "Installing Debian's ${missing[*]} for the test suite..." >&2
    "${apt_get[@]}" update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq "${missing[@]}" >/dev/null
fi

# Jackson (the Java snippets' JSON library) and google-java-format, once, into the cache that
# tests/build_java.py reads; the tests run offline from it (and from ~/.m2, which holds them too).
java_jars=${SNIPPETGEN_JAVA_JARS:-$HOME/.cache/snippetgen/java}
(
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
) &
java_install=$!

# Prettier, as tests/formatters/package-lock.json pins it, when missing or older than the lock.
formatters=tests/formatters
if [ ! -f "$formatters/node_modules/.package-lock.json" ] \
    || [ "$formatters/package-lock.json" -nt "$formatters/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$formatters" --no-audit --no-fund --loglevel=error >/dev/null
fi

wait "$python_install" || { echo "installing the Python packages into .venv failed" >&2; exit 1; }
wait "$rust_install" || { echo "fetching and building the Rust snippets' crates failed" >&2; exit 1; }
wait "$java_install" || { echo "fetching Jackson and google-java-format with Maven failed" >&2; exit 1; }

if [ $# -gt 0 ]; then
    exec .venv/bin/python -m pytest "$@"
fi

.venv/bin/ruff check src mkdocs_plugin
.venv/bin/mypy
# Two workers fit the two cores most of the suite needs; the ten slowest tests are
# listed at the end so their cost stays visible.
exec .venv/bin/python -m pytest -q -n 2 --durations=10
