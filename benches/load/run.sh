#!/usr/bin/env bash
# HTTP load benchmark of the reference server (release build, SQLite, 127.0.0.1), bounded in
# time: /healthz as a baseline, the public slots endpoint (30 days, 100 reservations), and
# booking. Needs wrk (Debian: apt-get install -y wrk). Results go to stdout; copy them into
# benches/RESULTS.md. Usage: bash benches/load/run.sh [seconds per scenario] [connections]
# [booking connections, default: connections]. SCENARIOS picks a subset (default: all of
# "healthz slots slots-identity booking").
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-10}
CONNS=${2:-32}
BOOK_CONNS=${3:-$CONNS}
SCENARIOS=${SCENARIOS:-healthz slots slots-identity booking}
THREADS=2
TARGET=${CARGO_TARGET_DIR:-target}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
# BIN_DIR names a folder holding `rdv-server` and `load_fixture` built elsewhere (an A/B run of
# two builds alternated in one sitting); without it this checkout's release build is used.
if [ -n "${BIN_DIR:-}" ]; then
  server_bin="$BIN_DIR/rdv-server"
  fixture_bin="$BIN_DIR/load_fixture"
else
  cargo build --release -p rdv-server --bin rdv-server --example load_fixture
  server_bin="$TARGET/release/rdv-server"
  fixture_bin="$TARGET/release/examples/load_fixture"
fi
dir=$(mktemp -d)
export DATABASE_URL="sqlite://$dir/load.db"
export RDV_JWT_SECRET="load-test-secret-load-test-secret-0001"
export RDV_ENCRYPTION_KEY="cmR2LWRldmVsb3BtZW50LWtleS1ub3QtZm9yLXByb2Q="
export RDV_ACCESS_TOKEN_SECONDS=3600
export RDV_RATE_LIMIT_PER_MINUTE=100000000
export RDV_ACCOUNT_RATE_LIMIT_PER_MINUTE=100000000
export RDV_BIND=127.0.0.1:18080
export RDV_LOG_LEVEL=${RDV_LOG_LEVEL:-info}
"$fixture_bin" "$DATABASE_URL" "$dir/fixture.lua"
"$server_bin" serve > "$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  curl -sf http://127.0.0.1:18080/healthz >/dev/null && break
  sleep 0.1
done
export FIXTURE="$dir/fixture.lua" THREADS
base=http://127.0.0.1:18080
run() { [[ " $SCENARIOS " == *" $1 "* ]]; }
if run healthz; then
  echo "== healthz (baseline)"
  wrk -t$THREADS -c$CONNS -d${SECS}s --latency "$base/healthz"
fi
if run slots; then
  echo "== slots: 30 days, 100 reservations (Accept-Encoding: gzip, as browsers send)"
  wrk -t$THREADS -c$CONNS -d${SECS}s --latency -s benches/load/slots.lua "$base/"
fi
if run slots-identity; then
  echo "== slots: the same, uncompressed (Accept-Encoding: identity)"
  SLOTS_ENCODING=identity wrk -t$THREADS -c$CONNS -d${SECS}s --latency -s benches/load/slots.lua "$base/"
fi
if run booking; then
  # The scenarios above wrote over a million log lines: let the kernel write them out first,
  # so their writeback does not compete with the database's own writes during this one.
  sync
  sleep 2
  echo "== booking ($BOOK_CONNS connections)"
  wrk -t$THREADS -c$BOOK_CONNS -d${SECS}s --latency -s benches/load/book.lua "$base/"
fi
echo "== server log lines by status (booking included)"
grep -o '"status":[0-9]*' "$dir/server.log" | sort | uniq -c
