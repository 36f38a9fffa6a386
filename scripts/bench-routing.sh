#!/usr/bin/env bash
# Routing load: callers at RATE calls/s for SECONDS ask for an agent; AGENTS agent phones (one SIPp
# UAS, -rtp_echo) answer, talk TALK_MS and hang up. Callers not answered within 30 s hang up
# (abandoned: a callback is planned for them). Loopback only, bounded in time.
#   scripts/bench-routing.sh [RATE] [SECONDS] [AGENTS] [TALK_MS]    (default 50 300 20 2000)
# Prints SIPp's totals, calls by outcome, callbacks, agent states at the end, the queue-wait
# histogram, CPU and RSS of the service.
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-50}"; secs="${2:-300}"; agents="${3:-20}"; talk="${4:-2000}"
calls=$((rate * secs))
cargo build --release --quiet
bin="$PWD/target/release/frontdesk"
work="$(mktemp -d)"
cleanup() { [ -n "${svc:-}" ] && kill "$svc" 2>/dev/null; [ -n "${uas:-}" ] && kill "$uas" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && echo "work dir $work"
ulimit -n 65536 2>/dev/null || true
agent_port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat > "$work/frontdesk.toml" <<TOML
data_dir = "$work/data"
prompts_dir = "$PWD/prompts"
sip_listen = "127.0.0.1:0"
http_listen = "127.0.0.1:0"
rtp_ports = "20000-29999"
[company]
name = "Example Ltd"
time_zone = "Europe/Vilnius"
default_region = "LT"
hours = "00:00-24:00"
[calls]
max_concurrent = 5000
max_new_per_second = 1000
rtp_timeout_seconds = 120
[routing]
ring_timeout_seconds = 10
wrap_up_seconds = 1
[flow]
greeting = ["recording_notice"]
TOML

python3 - "$work/callers.csv" "$calls" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("SEQUENTIAL\n")
    for i in range(int(sys.argv[2])):
        f.write(f"+3706{1000000 + i:07d};\n")
PY

for i in $(seq -w 1 "$agents"); do
  "$bin" --config "$work/frontdesk.toml" agents add "a$i" --uri "sip:a$i@127.0.0.1:$agent_port" --languages en > /dev/null
done
(cd "$work" && exec timeout $((secs + 300)) sipp -sf "$OLDPWD/tests/sipp/agent_load.xml" -i 127.0.0.1 -p "$agent_port" \
  -mp 36000 -d "$talk" -rtp_echo -aa -nostdin -trace_stat -stf "$work/agents.csv" -fd 10 > "$work/agents.out" 2>&1) &
uas=$!

FRONTDESK_LOG=warn "$bin" --config "$work/frontdesk.toml" serve > "$work/ready" 2> "$work/serve.log" &
svc=$!
for _ in $(seq 1 100); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
sip=$(sed -n 's/.*sip=\([^ ]*\).*/\1/p' "$work/ready")
http=$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$work/ready")
echo "service pid $svc, sip $sip; $agents agents on $agent_port; $rate CPS for $secs s ($calls calls), talk $talk ms"
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$svc/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$svc/stat"; }
hz=$(getconf CLK_TCK)
t0=$(cpu_ticks); s0=$(date +%s.%N)
peak=0
( while kill -0 "$svc" 2>/dev/null; do r=$(rss_kb); echo "$r"; sleep 5; done ) > "$work/rss.log" &

(cd "$work" && timeout $((secs + 200)) sipp "$sip" -sf "$OLDPWD/tests/sipp/load_queue.xml" -inf "$work/callers.csv" \
  -r "$rate" -m "$calls" -l 5000 -i 127.0.0.1 -p 0 -mp 40000 -nostdin \
  -trace_stat -stf "$work/callers-stat.csv" -fd 10 -timeout $((secs + 150))s -timeout_error > "$work/sipp.out" 2>&1) || echo "sipp exit $?"
sleep 5
t1=$(cpu_ticks); s1=$(date +%s.%N)
echo "--- callers (SIPp)"
python3 - "$work/callers-stat.csv" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
row = dict(zip(lines[0].split(";"), lines[-1].split(";")))
print("created", row.get("TotalCallCreated"), "successful", row.get("SuccessfulCall(C)"), "failed", row.get("FailedCall(C)"))
PY
curl -s "http://$http/metrics" > "$work/metrics.txt" || true
kill "$svc"; wait "$svc" 2>/dev/null || true; svc=
python3 - "$work/data/frontdesk.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print("--- calls by outcome")
for o, n in db.execute("SELECT COALESCE(outcome, 'OPEN'), COUNT(*) FROM calls GROUP BY 1 ORDER BY 2 DESC"):
    print(f"{o:>20} {n}")
open_rows = db.execute("SELECT COUNT(*) FROM calls WHERE ended_at IS NULL").fetchone()[0]
print("open rows after shutdown:", open_rows)
print("--- callbacks by source:", dict(db.execute("SELECT source, COUNT(*) FROM callbacks GROUP BY 1").fetchall()))
ab = db.execute("SELECT COUNT(*) FROM calls c WHERE outcome = 'abandoned' AND NOT EXISTS (SELECT 1 FROM callbacks b WHERE b.call_id = c.id)").fetchone()[0]
print("abandoned calls without a callback:", ab)
print("--- agents:", dict(db.execute("SELECT line, COUNT(*) FROM agents GROUP BY 1").fetchall()))
per = db.execute("SELECT agent_id, COUNT(*) FROM calls WHERE agent_id IS NOT NULL GROUP BY 1 ORDER BY 2").fetchall()
if per:
    print(f"agent calls: min {per[0][1]} max {per[-1][1]} over {len(per)} agents")
PY
echo "--- queue wait (this node)"
grep '^frontdesk_queue_wait_seconds' "$work/metrics.txt" || true
awk -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v hz="$hz" \
  'BEGIN { printf "service CPU %.1f s over %.0f s wall (%.0f%% of one core)\n", (t1-t0)/hz, s1-s0, 100*(t1-t0)/hz/(s1-s0) }'
sort -n "$work/rss.log" | tail -1 | awk '{printf "peak RSS %.0f MB\n", $1/1024}'
