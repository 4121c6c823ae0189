#!/usr/bin/env bash
# Builds and tests the bindings of issue 5 (WASM and mobile), installing only what a fresh
# Debian machine lacks: the wasm32 target, wasm-bindgen-cli 0.2.130, chromium + chromedriver +
# JNA (apt), and the npm tools (typescript, binaryen@132, kotlin-compiler@2.4.20,
# playwright-core) in the
# git-ignored folder .tools/. Honours CARGO_TARGET_DIR. Idempotent; safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
tools="$root/.tools"
export RDV_TOOLS="$tools"
start_time=$(date +%s)

step() { printf '\n==> %s\n' "$*"; }

step "install: wasm32-unknown-unknown target"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

step "install: wasm-bindgen-cli 0.2.130"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen 0.2.130" ]; then
  # Without --locked: the registry index lacks one locked transitive version.
  cargo install wasm-bindgen-cli --version 0.2.130 --force
fi

step "install: chromium, chromium-driver, libjna-java (apt, only the missing ones)"
missing=()
for p in chromium chromium-driver libjna-java; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

step "install: npm tools into .tools/ (typescript, binaryen@132, kotlin-compiler@2.4.20, playwright-core)"
need_npm=0
[ -x "$tools/node_modules/.bin/tsc" ] || need_npm=1
[ "$("$tools/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -o 'version [0-9]*' || true)" = "version 132" ] || need_npm=1
[ -x "$tools/node_modules/kotlin-compiler/bin/kotlinc-jvm" ] || need_npm=1
[ -f "$tools/node_modules/playwright-core/package.json" ] || need_npm=1
if [ "$need_npm" = 1 ]; then
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || printf '{"private":true}\n' > "$tools/package.json"
  npm install --prefix "$tools" --no-audit --no-fund typescript@5 binaryen@132 kotlin-compiler@2.4.20 \
    playwright-core@1.65
fi
kotlinc="$tools/node_modules/kotlin-compiler/bin/kotlinc-jvm"
chmod +x "$tools/node_modules/kotlin-compiler/bin/"* 2>/dev/null || true

step "rust: shared vectors against rdv-core"
cargo test -p rdv-core --test vectors

step "wasm: wasm-bindgen tests in Node"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
cargo test -p rdv-wasm --target wasm32-unknown-unknown --tests

step "wasm: wasm-bindgen tests in headless Chromium"
(cd bindings-wasm && WASM_BINDGEN_USE_BROWSER=1 cargo test -p rdv-wasm --target wasm32-unknown-unknown --tests)

step "wasm: build the npm package (web + nodejs, wasm-opt from binaryen 132)"
bash bindings-wasm/build.sh

step "wasm: shared vectors through the package in Node (node --test)"
node --test bindings-wasm/tests/

step "wasm: TypeScript declarations (tsc --strict on a usage file)"
"$tools/node_modules/.bin/tsc" --noEmit --strict --target es2020 --module nodenext \
  --moduleResolution nodenext bindings-wasm/tests/usage.ts

step "server + wasm: parity of slots, the booking widget and the dashboard in headless Chromium"
# The server binary as the workspace's tests build it: after scripts/test.sh this reuses the
# artifacts of `cargo nextest run --workspace` (same features), where `cargo build -p
# rdv-server` would resolve other features and rebuild a large part of the dependencies.
cargo test --workspace --no-run
srv_dir="$(mktemp -d "${TMPDIR:-/tmp}/rdv-widget-server.XXXXXX")"
# A free port chosen here, so the server's public URL (in the image URLs of its answers) is the
# address the browser reaches.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
RDV_BIND="127.0.0.1:$port" RDV_PUBLIC_URL="http://127.0.0.1:$port" \
  DATABASE_URL="sqlite://$srv_dir/widget.db" RDV_LOG_LEVEL=warn \
  "$CARGO_TARGET_DIR/debug/rdv-server" serve --demo > "$srv_dir/out.log" 2>&1 &
srv_pid=$!
trap 'kill $srv_pid 2>/dev/null || true; rm -rf "$srv_dir"' EXIT
for _ in $(seq 1 300); do
  grep -q '^rdv-server listening on ' "$srv_dir/out.log" && break
  kill -0 $srv_pid 2>/dev/null || { cat "$srv_dir/out.log"; exit 1; }
  sleep 0.2
done
export RDV_TEST_SERVER="$(sed -n 's/^rdv-server listening on //p' "$srv_dir/out.log")"
echo "server with demo data at $RDV_TEST_SERVER"
export RDV_ARTIFACTS="$CARGO_TARGET_DIR/test-artifacts"
node --test examples/web-widget/tests/
# The business dashboard on the same server; its screenshots stay in $RDV_ARTIFACTS/dashboard.
node --test server/dashboard/tests/
kill $srv_pid
wait $srv_pid 2>/dev/null || true
rm -rf "$srv_dir"
trap - EXIT

step "mobile: build the library and uniffi-bindgen (one feature set)"
cargo build -p rdv-mobile --release --features cli
lib="$CARGO_TARGET_DIR/release/librdv_mobile.so"
gen="$root/bindings-mobile/generated"

step "mobile: generate Kotlin, Swift and Python bindings"
bash bindings-mobile/generate.sh "$lib" "$gen"

step "mobile: Kotlin on the JVM (kotlinc $("$kotlinc" -version 2>&1 | grep -o '[0-9][0-9.]*' | head -1), JNA)"
kdir="$CARGO_TARGET_DIR/kotlin-rdv"
mkdir -p "$kdir"
jna=/usr/share/java/jna.jar
"$kotlinc" -nowarn -cp "$jna" -d "$kdir/test.jar" \
  "$gen/kotlin/uniffi/rdv_mobile/rdv_mobile.kt" bindings-mobile/tests/VectorsTest.kt
java -Djna.library.path="$(dirname "$lib")" \
  -cp "$kdir/test.jar:$jna:$tools/node_modules/kotlin-compiler/lib/kotlin-stdlib.jar" \
  VectorsTestKt "$root/vectors"

step "mobile: Python"
cp "$lib" "$gen/python/"
python3 bindings-mobile/tests/test_vectors.py "$gen/python" "$root/vectors"

step "mobile: Swift by structure, and its C header from C (no Swift compiler here)"
bash bindings-mobile/tests/check_swift.sh "$gen/swift" "$lib"

step "bindings: all checks passed in $(( $(date +%s) - start_time )) s"
