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

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets -- -D warnings

step "tests"
cargo nextest run --workspace --no-fail-fast
cargo test --workspace --doc

step "benches compile and their assertions hold (cargo bench -- --test)"
cargo bench --workspace -- --test

step "core builds for wasm32-unknown-unknown"
cargo build -p rdv-core --target wasm32-unknown-unknown

step "all checks passed"
