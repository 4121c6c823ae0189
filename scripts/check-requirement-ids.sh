#!/usr/bin/env bash
# Every requirement ID cited in the repository (`AV-4`, `RES-3`…) is defined in
# docs/requirements.md, so a comment's reference always leads somewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

prefixes='CORE|CLI|RES|AV|SVC|BIZ|AUTH|VAL|PERM|DATA|ERR|PERF|TEST|DOC|NOTIF|STAT|ADV|MT|INT|OPS|DB|WASM|MOB|BENCH|EX'
defined=$(grep -oE "^\| ($prefixes)-[0-9]+ \|" docs/requirements.md | grep -oE "($prefixes)-[0-9]+" | sort -u)
cited=$(git ls-files -- '*.rs' '*.md' '*.toml' '*.sh' '*.js' '*.ts' '*.kt' '*.py' '*.sql' \
  | grep -v '^docs/requirements.md$' \
  | xargs grep -ohE "\b($prefixes)-[0-9]+\b" 2>/dev/null | sort -u || true)

missing=$(comm -23 <(printf '%s\n' "$cited") <(printf '%s\n' "$defined") | sed '/^$/d')
if [ -n "$missing" ]; then
  echo "requirement IDs cited but not defined in docs/requirements.md:" >&2
  printf '  %s\n' $missing >&2
  exit 1
fi
echo "requirement IDs: $(printf '%s\n' "$cited" | sed '/^$/d' | wc -l) cited, all defined in docs/requirements.md"
