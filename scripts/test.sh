#!/usr/bin/env bash
# The one command that runs JoinedUp's tests (see README). On a fresh machine it installs what the tests need
# from Debian's packages (PostgreSQL, Chromium), starts a throwaway PostgreSQL cluster on a loopback port, runs every test
# on SQLite and PostgreSQL, stops the cluster, and ends with one line: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PG_PORT=${JOINEDUP_TEST_PG_PORT:-55432}

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# What the tests need from Debian: PostgreSQL, and Chromium for the browser tests (Playwright drives /usr/bin/chromium).
PG_BIN=$(find_pg_bin || true)
missing=()
{ [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; } && missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== Installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  PG_BIN=$(find_pg_bin)
fi

# PostgreSQL will not run as root: use a dedicated unprivileged user.
if ! id jutest >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin jutest
fi

PG_DIR=$(mktemp -d /tmp/joinedup-pg.XXXXXX)
chown jutest "$PG_DIR"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u jutest -- "$@"; else "$@"; fi; }

stop_pg() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap stop_pg EXIT

echo "== Starting a throwaway PostgreSQL ($("$PG_BIN/postgres" --version)) on 127.0.0.1:$PG_PORT"
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
export JOINEDUP_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true"

echo "== Building"
dotnet build "$ROOT/JoinedUp.slnx" -c Release -nologo -v quiet

echo "== Running tests"
RESULTS=$(mktemp -d /tmp/joinedup-results.XXXXXX)
set +e
dotnet test "$ROOT/JoinedUp.slnx" -c Release --no-build -nologo \
  --logger "trx;LogFilePrefix=results" --logger "console;verbosity=normal" --results-directory "$RESULTS"
status=$?
set -e

# Count outcomes from the TRX files (dotnet test's own summary is not the count CI reads).
passed=0; failed=0
for f in "$RESULTS"/*.trx; do
  [ -f "$f" ] || continue
  counters=$(grep -o '<Counters [^>]*' "$f" | head -n 1)
  p=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p'); p=${p:-0}
  x=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p'); x=${x:-0}
  passed=$((passed + p)); failed=$((failed + x))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
  echo "dotnet test failed before reporting results (exit $status)"
fi
rm -rf "$RESULTS"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
