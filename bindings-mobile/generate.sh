#!/usr/bin/env bash
# Generates the Kotlin, Swift and Python bindings of rdv-mobile from the built library (uniffi
# library mode): bash generate.sh <path/to/librdv_mobile.so> <out dir>.
# Build first with: cargo build -p rdv-mobile --release --features cli
set -euo pipefail
lib="$1"
out="$2"
bindgen="$(dirname "$lib")/uniffi-bindgen"
rm -rf "$out"
for lang in kotlin swift python; do
  "$bindgen" generate --library "$lib" --language "$lang" --out-dir "$out/$lang"
done
echo "generated into $out: $(cd "$out" && find . -type f | sort | tr '\n' ' ')"
