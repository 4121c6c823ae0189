#!/usr/bin/env bash
# The API contract (issue 16, item 15): schemathesis, a property-based API tester, drives the
# server from its own OpenAPI document and checks every answer against it (`--checks all`:
# no 5xx, documented statuses, content types, headers and schemas, invalid input refused,
# valid input accepted, authentication not ignored, ...). Any failure fails this script.
#
#   bash scripts/api-contract.sh
#
# Installs schemathesis (pinned, from PyPI) into a venv in the git-ignored .tools/; uses the
# server binary as `cargo test --workspace --no-run` builds it (as scripts/test-bindings.sh
# does: after the tests step this builds nothing). The server runs on a fresh SQLite file with
# the demo data (`serve --demo`, server/src/demo.rs), and schemathesis runs four times:
#
#   1. anonymous, every operation: the public reads, the auth forms, and the 401 of each
#      operation that needs a token;
#   2. as the demo client jeanne@demo.rdv, the operations of /api/client/ and /api/auth/ that
#      use the session (the forms that need none, register, login, refresh, verification and
#      password reset, answer the same with a token and are run 1's);
#   3. as the demo owner salon@demo.rdv, the operations of /api/entreprise/;
#   4. as the demo client marc@demo.rdv, logout and password change alone: they end the
#      session of the token they are sent with, so runs 2 and 3 leave them out and this one
#      comes last, with a token used nowhere else.
#
# One token per run, each run on the operations that token's role may call (the other role's
# operations would only answer 403, which run 1 already shows for a missing token). The admin
# operations are covered anonymously only (401). Ids of the demo data are offered to the tester
# (half of the ids it sends), so that it reaches existing businesses, services and resources.
#
# scripts/api-contract-hooks.py drops the failures that only break a rule JSON Schema cannot
# state (an end after its start, a password not in a list, a token sent by email...), each rule
# with its reason, and those still waiting for a document fix in a file this step does not own
# (marked pending); the script prints how many each rule dropped.
#
# Bounded: each run generates at most ST_MAX_EXAMPLES cases per operation and phase (a fixed
# seed makes a run reproducible) and is stopped and failed past ST_TIME_LIMIT seconds.
# schemathesis' own --max-time is not used: it turns the run into "fuzz until the time is
# spent", whose length is then fixed but whose content depends on the machine's speed. One
# worker: with several, the threads of schemathesis meet a CPython 3.11 bug (ast.parse from
# two threads: "AST constructor recursion depth mismatch"), and the runs are short anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

ST_VERSION=4.32.5
ST_MAX_EXAMPLES="${ST_MAX_EXAMPLES:-25}"
ST_SEED="${ST_SEED:-16}"
ST_TIME_LIMIT="${ST_TIME_LIMIT:-240}"
venv="$root/.tools/schemathesis"
st="$venv/bin/st"
start_time=$(date +%s)

step() { printf '\n==> %s\n' "$*"; }

step "install: schemathesis $ST_VERSION into .tools/schemathesis (a venv, PyPI)"
# schemathesis and every package it needs, at the versions this script was checked with.
requirements="schemathesis==$ST_VERSION anyio==4.16.0 certifi==2026.10.19.post1
  charset-normalizer==3.5.3 click==8.5.1 graphql-core==3.3.2 harfile==0.6.0 hypothesis==6.170.17
  hypothesis-graphql==0.13.5 idna==3.20 iniconfig==2.3.1 jsonschema_rs==0.60.3
  markdown-it-py==4.3.0 MarkupSafe==3.0.4 mdurl==0.1.2 packaging==26.4 pluggy==1.7.0
  Pygments==2.21.0 pyrate-limiter==4.5.1 pytest==9.2.0 PyYAML==6.0.4 requests==2.34.2
  rich==15.0.0 sortedcontainers==2.4.0 typing_extensions==4.16.0 urllib3==2.8.0 Werkzeug==3.1.9"
if [ "$("$st" --version 2>/dev/null || true)" != "st, version $ST_VERSION" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086 # one argument per requirement
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps $requirements
fi
"$st" --version

# RDV_SERVER_BIN: another server binary, not built here (to iterate on a copy).
server="${RDV_SERVER_BIN:-$CARGO_TARGET_DIR/debug/rdv-server}"
if [ -z "${RDV_SERVER_BIN:-}" ]; then
  step "server: the binary the tests build (cargo test --workspace --no-run)"
  cargo test --workspace --no-run
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/rdv-contract-XXXXXX")"
srv_pid=""
cleanup() {
  if [ -n "$srv_pid" ]; then
    kill "$srv_pid" 2>/dev/null || true
    wait "$srv_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The tester sends thousands of requests from one address and one account: the rate limits
# (tested in server/tests) are raised so that it meets the API rather than 429. No delivery
# worker: the webhooks the tester registers would be called on addresses it made up.
RDV_BIND=127.0.0.1:0 DATABASE_URL="sqlite://$work/contract.db" RDV_LOG_LEVEL=warn \
  RDV_RATE_LIMIT_PER_MINUTE=1000000 RDV_AUTH_RATE_LIMIT_PER_MINUTE=1000000 \
  RDV_ACCOUNT_RATE_LIMIT_PER_MINUTE=1000000 RDV_NOTIFY_WORKER=false \
  "$server" serve --demo > "$work/server.log" 2>&1 &
srv_pid=$!
for _ in $(seq 1 300); do
  grep -q '^rdv-server listening on ' "$work/server.log" && break
  kill -0 "$srv_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done
base="$(sed -n 's/^rdv-server listening on //p' "$work/server.log")"
[ -n "$base" ] || { cat "$work/server.log"; echo "the server did not start" >&2; exit 1; }
schema="$base/api-docs/openapi.json"
echo "server with demo data at $base, document at $schema"

# An access token of a demo account (password in server/src/demo.rs).
token() {
  curl -fsS -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"demo-password-2026\"}" "$base/api/auth/login/" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
client_token="$(token jeanne@demo.rdv)"
owner_token="$(token salon@demo.rdv)"

# The demo data's ids as schemathesis dictionaries (TOML): the tester draws ids from them half
# of the time (the rest are generated), so that the operations on a business, a service or a
# resource meet one that exists instead of answering 404 to every generated id.
demo_dictionaries() {
  BASE="$base" OWNER_TOKEN="$owner_token" python3 - <<'PY'
import json, os, urllib.request

base = os.environ["BASE"]


def get(path, token=None):
    request = urllib.request.Request(base + path)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)["items"]


businesses = [b["id"] for b in get("/api/entreprises/?limit=200")]
services = [s["id"] for b in businesses for s in get(f"/api/entreprises/{b}/services/?limit=200")]
resources = [r["id"] for r in get("/api/entreprise/ressources/?limit=200", os.environ["OWNER_TOKEN"])]
for name, values in (("ids", businesses + services), ("services", services), ("resources", resources)):
    print(f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n")
PY
}

# The runs' settings that the command line has no option for.
cat > "$work/schemathesis.toml" <<EOF
[auth]
# The anonymous run stays anonymous: schemathesis would otherwise register an account through
# /api/auth/register/ and sign in with it (and 4.32.5 fails doing so on this document).
auto-signup = false

$(demo_dictionaries)
[parameters]
"path.id" = { dictionary = "ids", probability = 0.5 }
"query.service_id" = { dictionary = "services", probability = 0.5 }
"body.service_id" = { dictionary = "services", probability = 0.5 }
"query.resource_id" = { dictionary = "resources", probability = 0.5 }
"body.resource_id" = { dictionary = "resources", probability = 0.5 }
"body.resource_ids[*]" = { dictionary = "resources", probability = 0.5 }
"body.items[*].resource_id" = { dictionary = "resources", probability = 0.5 }

[cache]
# Each run starts from nothing: no failures replayed from an earlier run (a .schemathesis/
# folder in the working directory), so that a run depends on the seed and the server only.
enabled = false
EOF

# Failures that are not the API's, each dropped by a rule with its reason.
export SCHEMATHESIS_HOOKS="$root/scripts/api-contract-hooks.py"
export RDV_CONTRACT_DROPPED="$work/dropped.txt"
: > "$RDV_CONTRACT_DROPPED"

failed=()
contract() {
  local name="$1"
  shift
  step "contract: $name"
  local t0 status=0
  t0=$(date +%s)
  timeout --signal=INT --kill-after=10 "$ST_TIME_LIMIT" \
    "$st" --config-file "$work/schemathesis.toml" run "$schema" --checks all \
    --max-examples "$ST_MAX_EXAMPLES" --seed "$ST_SEED" --workers 1 \
    --generation-database none --request-timeout 10 --no-color \
    "$@" || status=$?
  if [ "$status" = 124 ] || [ "$status" = 130 ]; then
    echo "contract: $name took longer than $ST_TIME_LIMIT s" >&2
  fi
  echo "contract: $name: exit $status in $(($(date +%s) - t0)) s"
  [ "$status" = 0 ] || failed+=("$name")
  kill -0 "$srv_pid" 2>/dev/null || { cat "$work/server.log"; echo "the server stopped" >&2; exit 1; }
}

contract "anonymous"
contract "client jeanne@demo.rdv" -H "Authorization: Bearer $client_token" \
  --include-path-regex '^/api/(client|auth)/' \
  --exclude-path-regex '^/api/auth/(register|login|token/refresh|verify-email|password-reset)' \
  --exclude-path /api/auth/logout/ --exclude-path /api/auth/password-change/
contract "owner salon@demo.rdv" -H "Authorization: Bearer $owner_token" \
  --include-path-regex '^/api/entreprise/'
# Last, as they end the session of the token they use (another client's).
contract "client marc@demo.rdv: logout and password change" \
  -H "Authorization: Bearer $(token marc@demo.rdv)" \
  --include-path /api/auth/logout/ --include-path /api/auth/password-change/

if [ -s "$RDV_CONTRACT_DROPPED" ]; then
  echo "failures dropped by the rules of scripts/api-contract-hooks.py (count, rule):"
  sort "$RDV_CONTRACT_DROPPED" | uniq -c | sort -rn
fi
if [ "${#failed[@]}" -gt 0 ]; then
  echo "contract: failures in: ${failed[*]}" >&2
  tail -n 50 "$work/server.log" >&2
  exit 1
fi
step "contract: no failure in $(($(date +%s) - start_time)) s"
