#!/usr/bin/env bash
# Two nodes behind Kamailio under load: Kamailio's dispatcher (the configuration of
# docs/pbx-integration.md, probing every second) in front of two `frontdesk serve` nodes on one
# PostgreSQL (a fresh schema in 127.0.0.1:5432/test). SIPp callers at RATE calls/s for SECONDS,
# each holding HOLD_MS; node B is killed with SIGKILL KILL_AT seconds in. Loopback only, bounded.
#   scripts/bench-nodes.sh [RATE] [SECONDS] [HOLD_MS] [KILL_AT]    (default 20 60 3000 20)
# PROFILE=debug uses the debug build (no release build). Prints SIPp's totals, calls per node
# before and after the kill, and the time from the kill until no call row of the dead node was
# left open (the survivor closes them as node-lost). Both nodes share this machine's two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-20}"; secs="${2:-60}"; hold="${3:-3000}"; kill_at="${4:-20}"
calls=$((rate * secs))
profile="${PROFILE:-release}"
if [ "$profile" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
bin="$PWD/target/$profile/frontdesk"
work="$(mktemp -d)"
schema="fdbench_$$"
pg="postgres://postgres@127.0.0.1:5432/test"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres test -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && echo "work dir $work"
ulimit -n 65536 2>/dev/null || true
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
psql -q -h 127.0.0.1 -U postgres test -c "CREATE SCHEMA $schema"
db="$pg?options[search_path]=$schema"
sql() { psql -h 127.0.0.1 -U postgres test -tA -c "SET search_path = $schema; $1" | tail -n +2; }

start_node() { # name rtp-range
  mkdir -p "$work/$1"
  cat > "$work/$1/frontdesk.toml" <<TOML
database_url = "$db"
node_id = "$1"
data_dir = "$work/$1/data"
prompts_dir = "$PWD/prompts"
sip_listen = "127.0.0.1:0"
http_listen = "127.0.0.1:0"
rtp_ports = "$2"
[company]
name = "Example Ltd"
time_zone = "Europe/Vilnius"
default_region = "LT"
hours = "00:00-24:00"
[calls]
max_concurrent = 5000
max_new_per_second = 1000
rtp_timeout_seconds = 120
TOML
  FRONTDESK_LOG=warn "$bin" --config "$work/$1/frontdesk.toml" serve > "$work/$1/ready" 2> "$work/$1/serve.log" &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q ready "$work/$1/ready" 2>/dev/null && break; sleep 0.1; done
}
sip_of() { sed -n 's/.*sip=\([^ ]*\).*/\1/p' "$work/$1/ready"; }
start_node node-a 20000-24999
start_node node-b 25000-29999
pid_b=${pids[-1]}
sip_a=$(sip_of node-a); sip_b=$(sip_of node-b)

kport=$(free_port)
printf '1 sip:%s 0 0\n1 sip:%s 0 0\n' "$sip_a" "$sip_b" > "$work/dispatcher.list"
cat > "$work/kamailio.cfg" <<CFG
#!KAMAILIO
debug=1
log_stderror=yes
children=4
auto_aliases=no
listen=udp:127.0.0.1:$kport
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "dispatcher.so"
modparam("tm", "fr_timer", 5000)
modparam("tm", "fr_inv_timer", 30000)
modparam("dispatcher", "list_file", "$work/dispatcher.list")
modparam("dispatcher", "ds_ping_interval", 1)
modparam("dispatcher", "ds_probing_mode", 1)
modparam("dispatcher", "ds_probing_threshold", 1)
modparam("dispatcher", "ds_inactive_threshold", 1)
modparam("dispatcher", "ds_ping_from", "sip:kamailio@127.0.0.1:$kport")
modparam("dispatcher", "flags", 2)
request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (has_totag()) {
        if (loose_route()) { t_relay(); exit; }
        if (is_method("ACK") && t_check_trans()) { t_relay(); }
        exit;
    }
    if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
    if (is_method("INVITE")) {
        if (!ds_select_dst("1", "4")) { sl_send_reply("503", "No frontdesk node"); exit; }
        t_on_failure("FRONTDESK_FAILOVER");
        record_route();
    }
    t_relay();
}
failure_route[FRONTDESK_FAILOVER] {
    if (t_is_canceled()) exit;
    if (t_check_status("503|408") && ds_next_dst()) { t_on_failure("FRONTDESK_FAILOVER"); t_relay(); exit; }
}
CFG
mkdir -p "$work/krun"
kamailio -f "$work/kamailio.cfg" -DD -E -Y "$work/krun" 2> "$work/kamailio.log" &
pids+=($!)
sleep 2

python3 - "$work/callers.csv" "$calls" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("SEQUENTIAL\n")
    for i in range(int(sys.argv[2])):
        f.write(f"+3706{1000000 + i:07d};\n")
PY
echo "nodes $sip_a (A) and $sip_b (B) behind Kamailio 127.0.0.1:$kport; $rate CPS for $secs s, hold $hold ms; B killed at ${kill_at} s"
(cd "$work" && timeout $((secs + 120)) sipp "127.0.0.1:$kport" -sf "$OLDPWD/tests/sipp/proxy_short.xml" -inf "$work/callers.csv" \
  -r "$rate" -m "$calls" -l 5000 -d "$hold" -i 127.0.0.1 -p 0 -mp 40000 -nostdin \
  -trace_stat -stf "$work/callers-stat.csv" -fd 5 -timeout $((secs + 90))s -timeout_error > "$work/sipp.out" 2>&1) &
sipp_pid=$!
sleep "$kill_at"
kill -9 "$pid_b"
killed=$(date +%s.%N)
# From now on: when does the survivor leave no row of B open?
( for _ in $(seq 1 300); do
    [ "$(sql "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL AND node = 'node-b'")" = 0 ] && break
    sleep 0.5
  done; date +%s.%N > "$work/b-closed" ) &
echo "--- node B killed; calls per node so far"
sql "SELECT node, COUNT(*) FROM calls GROUP BY node ORDER BY node"
wait "$sipp_pid" || echo "sipp exit $? (calls up on B when it died fail)"
echo "--- callers (SIPp)"
python3 - "$work/callers-stat.csv" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
row = dict(zip(lines[0].split(";"), lines[-1].split(";")))
print("created", row.get("TotalCallCreated"), "successful", row.get("SuccessfulCall(C)"), "failed", row.get("FailedCall(C)"))
PY
echo "--- calls per node and end"
sql "SELECT node, COALESCE(hangup_by, 'OPEN'), COUNT(*) FROM calls GROUP BY 1, 2 ORDER BY 1, 2"
echo "--- waiting for the survivor to close B's rows"
for _ in $(seq 1 240); do [ -s "$work/b-closed" ] && break; sleep 0.5; done
echo "B's open rows: $(sql "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL AND node = 'node-b'")"
closed=$(cat "$work/b-closed" 2>/dev/null || date +%s.%N)
awk -v a="$killed" -v b="$closed" 'BEGIN { printf "from SIGKILL to no open row of B: %.1f s (a node counts as lost after 30 s of silence)\n", b - a }'
echo "--- waiting for A's last calls (an answer Kamailio had already given up on ends when its ACK never comes, 32 s)"
for _ in $(seq 1 60); do
  open=$(sql "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL")
  [ "$open" = 0 ] && break
  sleep 1
done
echo "open rows: $open"
sql "SELECT node, COALESCE(hangup_by, 'OPEN'), COUNT(*) FROM calls GROUP BY 1, 2 ORDER BY 1, 2"
