#!/usr/bin/env bash
# Builds the npm package of rdv-wasm into bindings-wasm/pkg/ (web + nodejs targets), optimised
# with wasm-opt from npm binaryen@132. Needs: the wasm32-unknown-unknown target, wasm-bindgen
# 0.2.130 on PATH, and the npm tools in $RDV_TOOLS (scripts/test-bindings.sh installs them all).
#
# Time zones: the whole IANA database is embedded by default (any business zone works). Set
# RDV_TZ_FILTER to a regex (e.g. 'Europe/.*|America/New_York') for a smaller package that only
# knows those zones; other names then fail with UNKNOWN_TIME_ZONE.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
tools="${RDV_TOOLS:-$root/.tools}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$here/pkg"

if [ -n "${RDV_TZ_FILTER:-}" ]; then
  export CHRONO_TZ_TIMEZONE_FILTER="$RDV_TZ_FILTER"
  features=(--features tz-filter)
else
  unset CHRONO_TZ_TIMEZONE_FILTER
  features=()
fi
cargo build -p rdv-wasm --lib --release --target wasm32-unknown-unknown "${features[@]}"
wasm="$target_dir/wasm32-unknown-unknown/release/rdv_wasm.wasm"

rm -rf "$out"
mkdir -p "$out"
for t in web nodejs; do
  wasm-bindgen --target "$t" --out-dir "$out/$t" --out-name rdv_wasm "$wasm"
  "$tools/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out/$t/rdv_wasm_bg.wasm" -o "$out/$t/rdv_wasm_bg.wasm"
done
cp "$here/npm/package.json" "$here/README.md" "$out/"
# nodejs output is CommonJS; tell Node so even inside an ESM package.
printf '{"type":"commonjs"}\n' > "$out/nodejs/package.json"

raw=$(stat -c %s "$out/web/rdv_wasm_bg.wasm")
gz=$(gzip -9 -c "$out/web/rdv_wasm_bg.wasm" | wc -c)
echo "rdv-wasm package: $out (rdv_wasm_bg.wasm: $raw bytes raw, $gz bytes gzip -9)"
