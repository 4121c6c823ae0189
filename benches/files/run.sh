#!/usr/bin/env bash
# Files benchmark (issue 18): CSV exports of 10,000 and 100,000 reservations (time and the
# server's resident memory while they stream), the import of 10,000 availability rows, and the
# upload of a 12-megapixel JPEG logo; each beside a baseline measured in the same run:
#   - exports: `sqlite3 -csv` writing the same business's raw reservation rows;
#   - import: the same 10,000 windows through the bulk endpoint, 500 per request;
#   - upload: ImageMagick decoding, resizing to the same three sizes and re-encoding.
# Release build, SQLite, 127.0.0.1. Results go to stdout; copy them into benches/RESULTS.md.
# Usage: bash benches/files/run.sh [runs per measure, default 3]. BIN_DIR names a folder with
# `rdv-server` and `files_fixture` built elsewhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}
TARGET=${CARGO_TARGET_DIR:-target}
for tool in sqlite3 convert curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
if [ -n "${BIN_DIR:-}" ]; then
  server_bin="$BIN_DIR/rdv-server"
  fixture_bin="$BIN_DIR/files_fixture"
else
  cargo build --release -p rdv-server --bin rdv-server --example files_fixture
  server_bin="$TARGET/release/rdv-server"
  fixture_bin="$TARGET/release/examples/files_fixture"
fi
dir=$(mktemp -d)
db="$dir/files.db"
export DATABASE_URL="sqlite://$db"
export RDV_JWT_SECRET="files-bench-secret-files-bench-secret-01"
export RDV_ENCRYPTION_KEY="cmR2LWRldmVsb3BtZW50LWtleS1ub3QtZm9yLXByb2Q="
export RDV_ACCESS_TOKEN_SECONDS=3600
export RDV_RATE_LIMIT_PER_MINUTE=100000000
export RDV_ACCOUNT_RATE_LIMIT_PER_MINUTE=100000000
export RDV_NOTIFY_WORKER=false
export RDV_IMAGES_DIR="$dir/images"
export RDV_BIND=127.0.0.1:18081
export RDV_LOG_LEVEL=warn
eval "$("$fixture_bin" "$DATABASE_URL")"
"$server_bin" serve > "$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
base=http://127.0.0.1:18081
for _ in $(seq 1 100); do
  curl -sf "$base/healthz" >/dev/null && break
  sleep 0.1
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
# timed CMD...: runs CMD while sampling the server's RSS every 10 ms; prints seconds and the
# peak RSS in MiB.
timed() {
  local peak_file="$dir/peak" start end
  rss > "$peak_file"
  # The sampler replaces the file whole (write, then rename), so a read never sees it empty.
  ( peak=0; while :; do r=$(rss); if [ "$r" -gt "$peak" ]; then peak=$r; echo "$peak" > "$peak_file.new"; mv "$peak_file.new" "$peak_file"; fi; sleep 0.01; done ) &
  local sampler=$!
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  printf '%.3f s, peak RSS %.1f MiB\n' "$(echo "$end - $start" | bc)" "$(echo "$(cat "$peak_file") / 1024" | bc -l)"
}
get() { curl -sf -H "Authorization: Bearer $2" "$base$1" -o "$dir/out"; }
curl -sf -H "Authorization: Bearer $small_token" "$base/api/entreprise/exports/services/" > /dev/null
printf 'server idle RSS: %.1f MiB\n' "$(echo "$(rss) / 1024" | bc -l)"

for size in large small; do
  business_var="${size}_business"; token_var="${size}_token"
  rows=$(sqlite3 "$db" "SELECT count(*) FROM reservations WHERE business_id = '${!business_var}'")
  echo "== export of $rows reservations (GET /api/entreprise/exports/reservations/)"
  for _ in $(seq 1 "$RUNS"); do timed get /api/entreprise/exports/reservations/ "${!token_var}"; done
  echo "   file: $(wc -l < "$dir/out") lines, $(wc -c < "$dir/out") bytes"
  echo "-- baseline: sqlite3 -csv of the same raw rows"
  for _ in $(seq 1 "$RUNS"); do
    timed sqlite3 -csv "$db" "SELECT r.*, c.* FROM reservations r JOIN clients c ON c.id = r.client_id WHERE r.business_id = '${!business_var}' ORDER BY r.start_at"
  done
done

# 10,000 availability rows: 20 resources x 500 one-hour windows, days 70 to 112, every 2 hours.
python3 - "$dir/windows.csv" "$dir/bulk" <<'PY'
import datetime, json, os, sys
csv_path, bulk_dir = sys.argv[1], sys.argv[2]
os.makedirs(bulk_dir)
first = datetime.date.today() + datetime.timedelta(days=70)
rows, items = [], []
for r in range(20):
    for k in range(500):
        day = first + datetime.timedelta(days=k // 12)
        hour = (k % 12) * 2
        start = datetime.datetime.combine(day, datetime.time(hour))
        end = start + datetime.timedelta(hours=1)
        rows.append(f"Staff {r},{start:%Y-%m-%dT%H:%M},{end:%Y-%m-%dT%H:%M}")
        # The bulk endpoint takes UTC instants: the Paris offset is applied by the server for
        # the import; here the same wall times as UTC give the same number of windows.
        items.append({"resource": r, "start": f"{start:%Y-%m-%dT%H:%M:%S}Z", "end": f"{end:%Y-%m-%dT%H:%M:%S}Z"})
with open(csv_path, "w") as f:
    f.write("resource,start,end\n" + "\n".join(rows) + "\n")
with open(os.path.join(bulk_dir, "items.json"), "w") as f:
    json.dump(items, f)
PY
import() {
  curl -sf -X POST -H "Authorization: Bearer $small_token" -H "Content-Type: text/csv" \
    --data-binary @"$dir/windows.csv" "$base/api/entreprise/imports/disponibilites/$1"
}
echo "== import of 10,000 availability rows (POST /api/entreprise/imports/disponibilites/)"
for _ in $(seq 1 "$RUNS"); do timed import "?dry_run=true"; done
timed import ""
echo "   windows stored: $(sqlite3 "$db" "SELECT count(*) FROM availability_windows WHERE business_id = '$small_business'")"
echo "-- baseline: the same 10,000 windows through POST /api/entreprise/disponibilites/bulk/, 500 a request"
ids=$(curl -sf -H "Authorization: Bearer $large_token" "$base/api/entreprise/ressources/" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("items", d); print(" ".join(r["id"] for r in sorted(d, key=lambda r: int(r["name"].split()[1]))))')
python3 - "$dir/bulk" $ids <<'PY'
import json, os, sys
bulk_dir, ids = sys.argv[1], sys.argv[2:]
items = json.load(open(os.path.join(bulk_dir, "items.json")))
for n in range(0, len(items), 500):
    chunk = [{"resource_id": ids[i["resource"]], "start": i["start"], "end": i["end"]} for i in items[n:n + 500]]
    json.dump({"items": chunk}, open(os.path.join(bulk_dir, f"chunk-{n // 500:02d}.json"), "w"))
PY
bulk() {
  for f in "$dir"/bulk/chunk-*.json; do
    curl -sf -X POST -H "Authorization: Bearer $large_token" -H "Content-Type: application/json" \
      --data-binary @"$f" "$base/api/entreprise/disponibilites/bulk/" > /dev/null
  done
}
timed bulk

echo "== upload of a 12-megapixel JPEG logo (PUT /api/entreprise/mon-entreprise/logo/)"
convert -size 4000x3000 plasma:fractal -blur 0x1 -quality 85 "$dir/photo.jpg"
echo "   file: $(wc -c < "$dir/photo.jpg") bytes"
upload() {
  curl -sf -X PUT -H "Authorization: Bearer $small_token" -F "file=@$dir/photo.jpg;type=image/jpeg" \
    "$base/api/entreprise/mon-entreprise/logo/"
}
for _ in $(seq 1 "$RUNS"); do timed upload; done
echo "-- baseline: ImageMagick decoding and writing the same three sizes (2560, 1024, 256 px)"
magick_sizes() {
  convert "$dir/photo.jpg" -strip \( +clone -resize 2560x2560 -write "$dir/o.jpg" +delete \) \
    \( +clone -resize 1024x1024 -write "$dir/m.jpg" +delete \) -resize 256x256 "$dir/t.jpg"
}
for _ in $(seq 1 "$RUNS"); do timed magick_sizes; done
