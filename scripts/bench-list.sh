#!/usr/bin/env bash
# The calls list under load: seeds CALLS calls (default 1,000,000) into a fresh SQLite file (and,
# with --postgres, into a fresh schema on 127.0.0.1:5432/test), starts `frontdesk serve` (release)
# on it, and drives filtered list pages with wrk for SECONDS (default 30) over CONNECTIONS (default
# 8): a random phone, agent, outcome, agent + outcome, a one-day window with an outcome or an agent,
# a deep page (keyset cursor at a random instant). Prints wrk's latency distribution; p99 is the
# figure in docs/benchmarks.md.
#   scripts/bench-list.sh [CALLS] [SECONDS] [CONNECTIONS] [--postgres]
# Needs wrk and sqlite3 (Debian packages; installed when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${1:-1000000}"
secs="${2:-30}"
conns="${3:-8}"
postgres=no
[ "${4:-}" = "--postgres" ] && postgres=yes
pg_base="${FRONTDESK_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}"

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v sqlite3 >/dev/null || need+=(sqlite3)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "install: ${need[*]}" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/frontdesk"
work="$(mktemp -d)"
schema=""
cleanup() {
  [ -n "${svc:-}" ] && kill "$svc" 2>/dev/null
  wait 2>/dev/null || true
  [ -n "$schema" ] && psql -q "$pg_base" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
export FRONTDESK_DATA_DIR="$work/data"
unset FRONTDESK_DATABASE_URL

# Calls spread over the last 90 days: 200,000 numbers, 20 agents (none on 20% of calls), outcomes
# in realistic proportions, hashed so agent and outcome are not correlated.
step=$(( 90 * 86400 * 1000 / calls ))
t0=$(( ($(date +%s) - 90 * 86400) * 1000 ))
select_calls="
  SELECT printf('%08x-%04x-4%03x-8%03x-%012x', n, (n * 40503) % 65536, n % 4096, (n * 7) % 4096,
                (n * 2654435761) % 281474976710656) AS id,
         'inbound' AS direction,
         printf('+3706%07d', (n * 7919) % 200000) AS phone,
         $t0 + n * $step + (n * 37) % 1000 AS started_at,
         CASE WHEN h % 10 < 8 THEN $t0 + n * $step + 3000 END AS answered_at,
         $t0 + n * $step + 20000 + (n * 13) % 300000 AS ended_at,
         CASE n % 3 WHEN 0 THEN 'frontdesk' ELSE 'caller' END AS hangup_by,
         CASE WHEN h % 100 < 45 THEN 'answered-by-agent' WHEN h % 100 < 60 THEN 'hangup-in-menu'
              WHEN h % 100 < 72 THEN 'callback-requested' WHEN h % 100 < 80 THEN 'abandoned'
              WHEN h % 100 < 88 THEN 'agent-requested' WHEN h % 100 < 94 THEN 'dnc-opt-out'
              WHEN h % 100 < 98 THEN 'complaint' WHEN h % 100 < 99 THEN 'after-hours-message'
              ELSE 'failed' END AS outcome,
         CASE WHEN (h / 100) % 10 < 8 THEN printf('agent%02d', (h / 1000) % 20 + 1) END AS agent_id,
         'lt' AS language, '21' AS digits, 'bench' AS node
  FROM (SELECT n, (n * 2654435761) % 1000000007 AS h FROM seq) AS s"

"$bin" migrate >/dev/null
token=$("$bin" users add bench --role supervisor)
start=$(date +%s%N)
sqlite3 "$FRONTDESK_DATA_DIR/frontdesk.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < $calls - 1)
INSERT INTO calls (id, direction, phone, started_at, answered_at, ended_at, hangup_by, outcome,
                   agent_id, language, digits, node) $select_calls;
COMMIT;
ANALYZE;
SQL
echo "seeded $calls calls into SQLite in $(( ($(date +%s%N) - start) / 1000000 )) ms"

lua="$work/list.lua"
cat > "$lua" <<'LUA'
local token = os.getenv("FD_TOKEN")
local t0, step, count = tonumber(os.getenv("FD_T0")), tonumber(os.getenv("FD_STEP")), tonumber(os.getenv("FD_COUNT"))
local outcomes = { "answered-by-agent", "hangup-in-menu", "callback-requested", "abandoned",
  "agent-requested", "dnc-opt-out", "complaint", "after-hours-message", "failed" }
local n = 0
function init(args) math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000) end
local function agent() return string.format("agent%02d", math.random(1, 20)) end
local function outcome() return outcomes[math.random(#outcomes)] end
local function phone() return string.format("%%2B3706%07d", math.random(0, 199999)) end
local function instant() return t0 + math.random(0, count - 1) * step end
local function iso(ms) return os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(ms / 1000)) end
request = function()
  n = n + 1
  local k, q = n % 8, nil
  if k == 0 then q = "phone=" .. phone()
  elseif k == 1 then q = "agent=" .. agent()
  elseif k == 2 then q = "outcome=" .. outcome()
  elseif k == 3 then q = "agent=" .. agent() .. "&outcome=" .. outcome()
  elseif k == 4 then local s = instant(); q = "since=" .. iso(s) .. "&until=" .. iso(s + 86400000) .. "&outcome=" .. outcome()
  elseif k == 5 then local s = instant(); q = "since=" .. iso(s) .. "&until=" .. iso(s + 86400000) .. "&agent=" .. agent()
  elseif k == 6 then q = "outcome=" .. outcome() .. "&cursor=" .. instant() .. "%3A~"
  else q = "phone=" .. phone() .. "&since=" .. iso(t0) end
  return wrk.format("GET", "/api/v1/calls?" .. q, { Authorization = "Bearer " .. token })
end
LUA

run() {
  local label="$1"
  "$bin" serve --prompts-dir "$PWD/prompts" --http-listen 127.0.0.1:0 --sip-listen 127.0.0.1:0 \
    > "$work/ready" 2> "$work/serve.log" &
  svc=$!
  for _ in $(seq 1 300); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
  http=$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$work/ready")
  [ -n "$http" ] || { cat "$work/serve.log"; exit 1; }
  export FD_TOKEN="$token" FD_T0="$t0" FD_STEP="$step" FD_COUNT="$calls"
  wrk -t2 -c"$conns" -d5s -s "$lua" "http://$http" >/dev/null # warm-up: caches, token
  echo "== $label: $calls calls, filtered list pages, $conns connections, ${secs}s"
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$lua" "http://$http"
  kill "$svc"; wait "$svc" 2>/dev/null || true; svc=""
}
run "SQLite"

if [ "$postgres" = yes ]; then
  schema="fdbench_$$"
  psql -q "$pg_base" -c "CREATE SCHEMA $schema"
  export FRONTDESK_DATABASE_URL="$pg_base?options[search_path]=$schema"
  "$bin" migrate >/dev/null
  token=$("$bin" users add bench --role supervisor)
  start=$(date +%s%N)
  # The same rows as on SQLite, with PostgreSQL's functions (no printf: lpad and to_hex).
  psql -q "$pg_base" <<SQL
SET search_path = $schema;
INSERT INTO calls (id, direction, phone, started_at, answered_at, ended_at, hangup_by, outcome,
                   agent_id, language, digits, node)
SELECT lpad(to_hex(n), 8, '0') || '-' || lpad(to_hex((n * 40503) % 65536), 4, '0') || '-4'
         || lpad(to_hex(n % 4096), 3, '0') || '-8' || lpad(to_hex((n * 7) % 4096), 3, '0') || '-'
         || lpad(to_hex((n * 2654435761) % 281474976710656), 12, '0'),
       'inbound', '+3706' || lpad(((n * 7919) % 200000)::text, 7, '0'),
       $t0 + n * $step + (n * 37) % 1000,
       CASE WHEN h % 10 < 8 THEN $t0 + n * $step + 3000 END,
       $t0 + n * $step + 20000 + (n * 13) % 300000,
       CASE n % 3 WHEN 0 THEN 'frontdesk' ELSE 'caller' END,
       CASE WHEN h % 100 < 45 THEN 'answered-by-agent' WHEN h % 100 < 60 THEN 'hangup-in-menu'
            WHEN h % 100 < 72 THEN 'callback-requested' WHEN h % 100 < 80 THEN 'abandoned'
            WHEN h % 100 < 88 THEN 'agent-requested' WHEN h % 100 < 94 THEN 'dnc-opt-out'
            WHEN h % 100 < 98 THEN 'complaint' WHEN h % 100 < 99 THEN 'after-hours-message'
            ELSE 'failed' END,
       CASE WHEN (h / 100) % 10 < 8 THEN 'agent' || lpad(((h / 1000) % 20 + 1)::text, 2, '0') END,
       'lt', '21', 'bench'
FROM (SELECT n, (n * 2654435761) % 1000000007 AS h FROM generate_series(0::bigint, $calls - 1) AS n) AS s;
ANALYZE calls;
SQL
  echo "seeded $calls calls into PostgreSQL in $(( ($(date +%s%N) - start) / 1000000 )) ms"
  run "PostgreSQL"
fi
