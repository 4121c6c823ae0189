#!/usr/bin/env bash
# Runs every check and test of the workspace, installing what a fresh machine lacks.
# This is the README's test command; CI (.ci/run) calls exactly this script with no argument.
#
#   bash scripts/test.sh                 every step, in order (what CI runs)
#   bash scripts/test.sh lint tests      only the named steps (their setup runs as needed)
#   bash scripts/test.sh --list          the step names
set -euo pipefail
cd "$(dirname "$0")/.."

STEPS=(format lint tests contract benches wasm32 bindings)

step() { printf '\n==> %s\n' "$*"; }

setup_toolchain() {
  step "toolchain: wasm32 target, rustfmt, clippy, cargo-nextest"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
  fi
  rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed | grep -q '^clippy' || rustup component add clippy
  if ! command -v cargo-nextest >/dev/null 2>&1; then
    cargo install cargo-nextest --locked
  fi
}

setup_postgres() {
  step "PostgreSQL for the storage tests"
  # Tests that need PostgreSQL read TEST_DATABASE_URL; each uses its own schema in rdv_test.
  if [ -n "${TEST_DATABASE_URL:-}" ]; then
    return
  fi
  local pg_user="${PGUSER:-$(id -un)}"
  if ! command -v psql >/dev/null 2>&1; then
    echo "psql is not installed: PostgreSQL tests will say they were skipped"
    return
  fi
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
}

setup_smtp() {
  step "SMTP receiver for the notification tests (aiosmtpd, from PyPI)"
  # The server's notification tests send real SMTP to aiosmtpd on 127.0.0.1.
  mkdir -p .tools
  if ! PYTHONPATH=.tools/python python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check --target .tools/python 'aiosmtpd==1.4.6'
  fi
  export RDV_TEST_PYTHONPATH="$PWD/.tools/python"
}

setup_chromium() {
  step "Chromium and chromedriver for the server's link tests (apt, only the missing ones)"
  # server/tests/links.rs follows the links of received emails in headless Chromium; with CI
  # set, a missing browser fails it.
  local missing=()
  for p in chromium chromium-driver; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  fi
}

run_format() {
  step "format"
  cargo fmt --all -- --check
}

run_lint() {
  step "lint"
  cargo clippy --workspace --all-targets -- -D warnings
  bash scripts/check-requirement-ids.sh
}

run_tests() {
  setup_postgres
  setup_smtp
  setup_chromium
  step "tests"
  cargo nextest run --workspace --no-fail-fast
  cargo test --workspace --doc
}

run_contract() {
  step "API contract: schemathesis against the server on SQLite (scripts/api-contract.sh)"
  # Installs its pinned schemathesis into .tools/schemathesis; reuses the tests' server binary.
  bash scripts/api-contract.sh
}

run_benches() {
  setup_postgres
  step "benches compile and their assertions hold (cargo bench -- --test)"
  cargo bench --workspace --benches -- --test
}

run_wasm32() {
  step "core builds for wasm32-unknown-unknown"
  cargo build -p rdv-core --target wasm32-unknown-unknown
}

run_bindings() {
  step "bindings: WASM package, Kotlin, Swift, Python (scripts/test-bindings.sh)"
  bash scripts/test-bindings.sh
}

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${STEPS[@]}"
  exit 0
fi

selected=("$@")
if [ ${#selected[@]} -eq 0 ]; then
  selected=("${STEPS[@]}")
fi
for name in "${selected[@]}"; do
  if ! printf '%s\n' "${STEPS[@]}" | grep -qx -- "$name"; then
    echo "unknown step '$name'; steps: ${STEPS[*]}" >&2
    exit 2
  fi
done

setup_toolchain
for name in "${selected[@]}"; do
  "run_$name"
done

step "all checks passed: ${selected[*]}"
