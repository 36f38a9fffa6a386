#!/usr/bin/env bash
# Callback dispatch end to end: COUNT callbacks are due at once; AGENTS agent phones (one SIPp UAS)
# and the clients' phones (one SIPp UAS behind the outbound proxy, talking TALK_MS after the intro)
# answer. Measures how long one node takes to work through them against the bound the agents set
# (every callback holds an agent for ring + whisper + client ring + intro + talk), and checks that
# no callback was dialled twice. Loopback only, SQLite, bounded in time.
#   scripts/bench-dispatch.sh [COUNT] [AGENTS] [TALK_MS]    (default 200 20 500)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-200}"; agents="${2:-20}"; talk="${3:-500}"
cargo build --release --quiet
bin="$PWD/target/release/frontdesk"
work="$(mktemp -d)"
# The peers always stop (they hold fixed media ports); KEEP=1 keeps the work directory.
cleanup() { for p in ${svc:-} ${uas:-} ${cli:-}; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && echo "work dir $work"

ulimit -n 65536 2>/dev/null || true
port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
agent_port=$(port); client_port=$(port)
# A zone where it is about midday now, so the legal 08:00-21:00 client-local window is open.
zone=$(python3 -c 'import datetime; h=datetime.datetime.now(datetime.timezone.utc).hour; o=12-h; o=o-24 if o>12 else o; print("Etc/UTC" if o==0 else (f"Etc/GMT-{o}" if o>0 else f"Etc/GMT+{-o}"))')

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
[clients]
default_hours = "00:00-24:00"
[pbx]
outbound_proxy = "127.0.0.1:$client_port"
[routing]
ring_timeout_seconds = 10
wrap_up_seconds = 0
[callbacks]
min_delay_minutes = 0
retry_after_minutes = 0
caller_id = "+37052000000"
TOML

python3 - "$work/clients.csv" "$count" "$zone" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("phone,name,language,time_zone\n")
    for i in range(int(sys.argv[2])):
        f.write(f"+3706{1000000 + i:07d},Client {i},en,{sys.argv[3]}\n")
PY
"$bin" --config "$work/frontdesk.toml" clients import "$work/clients.csv" > /dev/null
for i in $(seq -w 1 "$agents"); do
  "$bin" --config "$work/frontdesk.toml" agents add "a$i" --uri "sip:a$i@127.0.0.1:$agent_port" --languages en > /dev/null
done
# Every request due now, planned as the service would store it (one transaction).
python3 - "$work/data/frontdesk.db" "$count" "$zone" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
now = int(time.time() * 1000)
rows = [(f"+3706{1000000 + i:07d}", now, now, now + 1800000, now + 8 * 3600000, sys.argv[3], now, now, now)
        for i in range(int(sys.argv[2]))]
db.executemany("INSERT INTO callbacks (phone, source, reason, requested_at, slot_start, slot_end, sla_deadline, "
               "client_tz, plan_reason, next_attempt_at, created_at, updated_at) "
               "VALUES (?, 'api', 'bench', ?, ?, ?, ?, ?, 'bench', ?, ?, ?)", rows)
db.commit()
PY
(cd "$work" && exec timeout 3600 sipp -sf "$OLDPWD/tests/sipp/agent_answer.xml" -i 127.0.0.1 -p "$agent_port" \
  -mp 36000 -rtp_echo -aa -nostdin > "$work/agents.out" 2>&1) &
uas=$!
(cd "$work" && exec timeout 3600 sipp -sf "$OLDPWD/tests/sipp/client_callback.xml" -i 127.0.0.1 -p "$client_port" \
  -mp 38000 -set busy 0 -d "$talk" -nostdin -trace_logs -log_file "$work/client.log" > "$work/client.out" 2>&1) &
cli=$!
sleep 0.5
s0=$(date +%s.%N)
FRONTDESK_LOG=warn "$bin" --config "$work/frontdesk.toml" serve > "$work/ready" 2> "$work/serve.log" &
svc=$!
echo "$count callbacks due, $agents agents, client talks $talk ms after the intro; zone $zone"
left=$count
while [ "$left" -gt 0 ]; do
  sleep 1
  left=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM callbacks WHERE status IN ('planned','dialing')\").fetchone()[0])" "$work/data/frontdesk.db")
  kill -0 "$svc" 2>/dev/null || { echo "service died"; tail -20 "$work/serve.log"; exit 1; }
done
s1=$(date +%s.%N)
kill "$svc"; wait "$svc" 2>/dev/null || true; svc=
kill "$cli" 2>/dev/null || true; wait "$cli" 2>/dev/null || true; cli=
python3 - "$work/data/frontdesk.db" "$work/client.log" "$s0" "$s1" "$agents" "$count" <<'PY'
import sqlite3, sys, collections
db = sqlite3.connect(sys.argv[1])
s0, s1, agents, count = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print("callbacks by status:", dict(db.execute("SELECT status, COUNT(*) FROM callbacks GROUP BY 1")))
print("attempts by result:", dict(db.execute("SELECT result, COUNT(*) FROM callback_attempts GROUP BY 1")))
ids = [l.split("X-Frontdesk-Callback: ")[1].split()[0] for l in open(sys.argv[2]) if "X-Frontdesk-Callback: " in l]
dup = [i for i, n in collections.Counter(ids).items() if n > 1]
print(f"client INVITEs {len(ids)}, callbacks dialled twice {len(dup)}")
hold = db.execute("SELECT AVG(ended_at - started_at) / 1000.0 FROM calls WHERE outcome = 'callback-answered'").fetchone()[0] or 0
wall = s1 - s0
bound = count * hold / agents
print(f"wall {wall:.1f} s for {count} callbacks: {count / wall * 60:.0f} per minute")
print(f"each holds an agent {hold:.1f} s: the agents allow {bound:.1f} s at best ({100 * bound / wall:.0f}% of that reached)")
print("agents at the end:", dict(db.execute("SELECT line, COUNT(*) FROM agents GROUP BY 1")))
PY
