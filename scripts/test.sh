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
    echo "psql is not installed: PostgreSQL tests will be skipped (with CI set: will fail)"
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
    echo "PostgreSQL is not reachable on 127.0.0.1:5432: its tests will be skipped (with CI set: will fail)"
  fi
}

setup_smtp() {
  step "SMTP receiver for the notification tests (aiosmtpd, from PyPI)"
  # The server's notification tests send real SMTP to aiosmtpd on 127.0.0.1.
  mkdir -p .tools
  if ! PYTHONPATH=.tools/python python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check --target .tools/python 'aiosmtpd==1.4.6'
  fi
  # The calendar feed tests parse the feeds with Python's icalendar.
  if ! PYTHONPATH=.tools/python python3 -c 'import icalendar' >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check --target .tools/python 'icalendar==6.1.3'
  fi
  # The image tests start moto in server mode on 127.0.0.1 as their S3-compatible storage.
  if ! PYTHONPATH=.tools/python python3 -c 'import moto.server, flask' >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check --target .tools/python 'moto[server]==5.2.5'
  fi
  export RDV_TEST_PYTHONPATH="$PWD/.tools/python"
}

setup_chromium() {
  step "Chromium, chromedriver and poppler-utils for the link and PDF tests (apt, only the missing ones)"
  # server/tests/links.rs follows the links of received emails in headless Chromium;
  # server/tests/exports_pdf.rs reads the PDFs back with pdftotext and pdffonts. With CI set,
  # a missing tool fails them.
  local missing=()
  for p in chromium chromium-driver poppler-utils; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  fi
}

# Tests, benches and bindings run with a private temporary folder (TMPDIR) and a skip log
# (RDV_SKIP_LOG): a test that misses a service records itself there, or fails when CI is set
# (storage/tests/common/environment.rs, examples/web-widget/tests/environment.mjs). Afterwards
# the step prints what was skipped, and fails if its tests left an rdv-* entry in the folder:
# they remove their temporary folders, also when they fail.
begin_test_env() {
  saved_tmpdir="${TMPDIR-}"
  local outer="${TMPDIR:-/tmp}"
  test_tmp="$(mktemp -d "$outer/rdv-step-tmp.XXXXXX")"
  RDV_SKIP_LOG="$(mktemp "$outer/rdv-step-skips.XXXXXX")"
  export TMPDIR="$test_tmp" RDV_SKIP_LOG
}

# end_test_env STEP: the summary of STEP's skips and leftovers; fails on leftovers.
end_test_env() {
  local name="$1" status=0 count left others
  count=$(wc -l < "$RDV_SKIP_LOG")
  if [ "$count" -eq 0 ]; then
    echo "$name: no test skipped"
  else
    echo "$name: $count test(s) skipped for want of a service (with CI set they fail):"
    cut -f2 "$RDV_SKIP_LOG" | sort | uniq -c | sort -rn | sed 's/^ */  /'
    if [ "$count" -le 30 ]; then
      cut -f1 "$RDV_SKIP_LOG" | sort | sed 's/^/    skipped: /'
    fi
  fi
  left="$(find "$test_tmp" -mindepth 1 -maxdepth 1 -name 'rdv-*' -printf '  %f\n' | sort)"
  others="$(find "$test_tmp" -mindepth 1 -maxdepth 1 ! -name 'rdv-*' -printf '  %f\n' | sort)"
  if [ -n "$others" ]; then
    printf '%s: left in TMPDIR by tools (not checked):\n%s\n' "$name" "$others"
  fi
  if [ -n "$left" ]; then
    printf '%s: tests left temporary folders or files behind in TMPDIR:\n%s\n' "$name" "$left" >&2
    status=1
  fi
  rm -rf "$test_tmp" "$RDV_SKIP_LOG"
  unset RDV_SKIP_LOG
  if [ -n "$saved_tmpdir" ]; then export TMPDIR="$saved_tmpdir"; else unset TMPDIR; fi
  return "$status"
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
  local status=0
  begin_test_env
  cargo nextest run --workspace --no-fail-fast || status=$?
  cargo test --workspace --doc || status=$?
  end_test_env tests || status=$?
  return "$status"
}

run_contract() {
  step "API contract: schemathesis against the server on SQLite (scripts/api-contract.sh)"
  # Installs its pinned schemathesis into .tools/schemathesis; reuses the tests' server binary.
  bash scripts/api-contract.sh
}

run_benches() {
  setup_postgres
  step "benches compile and their assertions hold (cargo bench -- --test)"
  local status=0
  begin_test_env
  cargo bench --workspace --benches -- --test || status=$?
  end_test_env benches || status=$?
  return "$status"
}

run_wasm32() {
  step "core builds for wasm32-unknown-unknown"
  cargo build -p rdv-core --target wasm32-unknown-unknown
}

run_bindings() {
  step "bindings: WASM package, Kotlin, Swift, Python (scripts/test-bindings.sh)"
  local status=0
  begin_test_env
  bash scripts/test-bindings.sh || status=$?
  end_test_env bindings || status=$?
  return "$status"
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
