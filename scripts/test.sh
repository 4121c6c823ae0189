#!/usr/bin/env bash
# Runs every check and test of the workspace, installing what a fresh machine lacks.
# This is the README's test command; CI (.ci/run) calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain: wasm32 target, rustfmt, clippy"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
if ! command -v cargo-nextest >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi

step "PostgreSQL for the storage tests"
# Tests that need PostgreSQL read TEST_DATABASE_URL; each uses its own schema in rdv_test.
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  pg_user="${PGUSER:-$(id -un)}"
  if command -v psql >/dev/null 2>&1; then
    if ! psql -h 127.0.0.1 -U "$pg_user" -d postgres -tAc 'select 1' >/dev/null 2>&1 \
       && [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
      for _ in $(seq 1 30); do
        psql -h 127.0.0.1 -U "$pg_user" -d postgres -tAc 'select 1' >/dev/null 2>&1 && break
        sleep 1
      done
    fi
    if psql -h 127.0.0.1 -U "$pg_user" -d postgres -tAc 'select 1' >/dev/null 2>&1; then
      psql -h 127.0.0.1 -U "$pg_user" -d postgres -qc 'DROP DATABASE IF EXISTS rdv_test WITH (FORCE)'
      psql -h 127.0.0.1 -U "$pg_user" -d postgres -qc 'CREATE DATABASE rdv_test'
      export TEST_DATABASE_URL="postgres://$pg_user@127.0.0.1:5432/rdv_test"
      echo "PostgreSQL tests run against $TEST_DATABASE_URL"
    else
      echo "PostgreSQL is not reachable on 127.0.0.1:5432: its tests will say they were skipped"
    fi
  else
    echo "psql is not installed: PostgreSQL tests will say they were skipped"
  fi
fi

step "SMTP receiver for the notification tests (aiosmtpd, from PyPI)"
# The server's notification tests send real SMTP to aiosmtpd on 127.0.0.1.
mkdir -p .tools
if ! PYTHONPATH=.tools/python python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check --target .tools/python 'aiosmtpd==1.4.6'
fi
export RDV_TEST_PYTHONPATH="$PWD/.tools/python"

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets -- -D warnings

step "tests"
cargo nextest run --workspace --no-fail-fast
cargo test --workspace --doc

step "benches compile and their assertions hold (cargo bench -- --test)"
cargo bench --workspace --benches -- --test

step "core builds for wasm32-unknown-unknown"
cargo build -p rdv-core --target wasm32-unknown-unknown

step "bindings: WASM package, Kotlin, Swift, Python (scripts/test-bindings.sh)"
bash scripts/test-bindings.sh

step "all checks passed"
