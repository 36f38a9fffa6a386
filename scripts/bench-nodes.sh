#!/usr/bin/env bash
# Two nodes behind Kamailio under load: Kamailio's dispatcher (the configuration of
# docs/pbx-integration.md, probing every second) in front of two `frontdesk serve` nodes on one
# PostgreSQL (a fresh schema in 127.0.0.1:5432/test). SIPp callers at RATE calls/s for SECONDS,
# each holding HOLD_MS; node B is killed with SIGKILL KILL_AT seconds in. Loopback only, bounded.
#   scripts/bench-nodes.sh [RATE] [SECONDS] [HOLD_MS] [KILL_AT]    (default 20 60 3000 20)
# PROFILE=debug uses the debug build (no release build). Prints SIPp's totals, calls per node
# before and after the kill, and the time from the kill until no call row of the dead node was
# left open (the survivor closes them as node-lost). Both nodes share this machine's two cores.
# WAITERS more callers (default 20, 0 for none; numbers +37069...) call through Kamailio at 3/s,
# the last of them about 10 s before the kill (the greeting and the recording notice take 6 s
# before the typed-ahead keys count), type 1 (English) and 1 (an agent) by SIP INFO
# (tests/sipp/proxy_queue_wait.xml) and wait in the queue: no agent is staffed and the nodes queue
# callers anyway ([routing] join_when_all_away); they hang up from 45 s after the kill. Printed: how
# many waited on B when it died and, from PostgreSQL read every 200 ms, the callbacks with source
# node-lost the survivor made of them: how many, the time from the SIGKILL until the first and
# the last existed, B's waiters left without one, any made twice (same phone or same call). The
# load's figures (calls per node) leave the waiters out. A load call left up unacknowledged (ended
# by us as timeout) goes through the menus to the queue by their no-input rule, and its end counts
# as abandoned: such calls add callbacks with source abandoned.
# NODES=1 runs the same load against node A alone behind Kamailio, nothing killed: one node
# against two (SIPp's call rate, the most calls up at once and the INVITE->200 time, printed for
# both). FRONTDESK_BIN names the binary to run instead of building one; KAMAILIO_SHM Kamailio's shared
# memory in MB (default 512).
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-20}"; secs="${2:-60}"; hold="${3:-3000}"; kill_at="${4:-20}"
calls=$((rate * secs))
nodes="${NODES:-2}"; waiters="${WAITERS:-20}"
case "$nodes" in 1 | 2) ;; *) echo "NODES must be 1 or 2" >&2; exit 2 ;; esac
profile="${PROFILE:-release}"
if [ -n "${FRONTDESK_BIN:-}" ]; then
  bin="$(realpath "$FRONTDESK_BIN")"
else
  if [ "$profile" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
  bin="$PWD/target/$profile/frontdesk"
fi
work="$(mktemp -d)"
schema="fdbench_$$"
pg="postgres://postgres@127.0.0.1:5432/test"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "${KEEP:-}" ] || return 0
  psql -q -h 127.0.0.1 -U postgres test -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# KEEP=1 keeps the work directory (logs, SIPp's error trace) and the schema; the processes end either way.
[ -z "${KEEP:-}" ] || echo "work dir $work, schema $schema"
ulimit -n 65536 2>/dev/null || true
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# A free UDP port whose next three are free too, for SIPp's media (-mp): a fixed one collides with
# other SIPp runs on the machine (exit 254).
. scripts/lib/ports.sh  # the scripts run from the repository root (cd above)
free_media_port() { free_port_block; }
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
[routing]
join_when_all_away = true
TOML
  FRONTDESK_LOG=warn "$bin" --config "$work/$1/frontdesk.toml" serve > "$work/$1/ready" 2> "$work/$1/serve.log" &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q ready "$work/$1/ready" 2>/dev/null && break; sleep 0.1; done
}
sip_of() { sed -n 's/.*sip=\([^ ]*\).*/\1/p' "$work/$1/ready"; }
start_node node-a 20000-24999
pid_a=${pids[-1]}
sip_a=$(sip_of node-a)
if [ "$nodes" = 2 ]; then
  start_node node-b 25000-29999
  pid_b=${pids[-1]}
  sip_b=$(sip_of node-b)
fi

kport=$(free_port)
printf '1 sip:%s 0 0\n' "$sip_a" > "$work/dispatcher.list"
[ "$nodes" = 1 ] || printf '1 sip:%s 0 0\n' "$sip_b" >> "$work/dispatcher.list"
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
# Shared memory (MB) for Kamailio's transactions: Debian's default of 64 ran out at 400 calls/s
# held 3 s ("could not allocate shared memory from shm pool"; those calls got 503 or 500 from it).
kamailio -f "$work/kamailio.cfg" -DD -E -Y "$work/krun" -m "${KAMAILIO_SHM:-512}" 2> "$work/kamailio.log" &
pids+=($!)
# CPU seconds used so far by a process and its threads (Kamailio: its children too, once ended).
cpu_of() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15 + $16 + $17) / t }' "/proc/$1/stat" 2>/dev/null || echo "?"; }
sleep 2

python3 - "$work/callers.csv" "$calls" "$work/waiters.csv" "$waiters" <<'PY'
import sys
for name, n, first in ((sys.argv[1], sys.argv[2], 1000000), (sys.argv[3], sys.argv[4], 9000000)):
    with open(name, "w") as f:
        f.write("SEQUENTIAL\n")
        for i in range(int(n)):
            f.write(f"+3706{first + i:07d};\n")
PY
# The load's calls, without the waiters (whose numbers are +37069...).
load="COALESCE(phone, '') NOT LIKE '+37069%'"
if [ "$nodes" = 2 ]; then
  echo "nodes $sip_a (A) and $sip_b (B) behind Kamailio 127.0.0.1:$kport; $rate CPS for $secs s, hold $hold ms; B killed at ${kill_at} s"
else
  echo "node $sip_a (A) alone behind Kamailio 127.0.0.1:$kport; $rate CPS for $secs s, hold $hold ms; nothing killed"
fi
(cd "$work" && timeout $((secs + 120)) sipp "127.0.0.1:$kport" -sf "$OLDPWD/tests/sipp/proxy_short.xml" -inf "$work/callers.csv" \
  -r "$rate" -m "$calls" -l 5000 -d "$hold" -i 127.0.0.1 -p 0 -mp "$(free_media_port)" -nostdin \
  -trace_stat -stf "$work/callers-stat.csv" -fd 5 -trace_err -error_file "$work/callers.err" \
  -timeout $((secs + 90))s -timeout_error > "$work/sipp.out" 2>&1) &
sipp_pid=$!
started=$(date +%s.%N)
# The waiters: 3 a second (not in step with RATE, which would put them all on one node), the last
# about 10 s before KILL_AT; each waits until 45 s after it.
waiters_pid=""
if [ "$waiters" -gt 0 ]; then
  wrate=3
  wstart=$((kill_at - (waiters + wrate - 1) / wrate - 10)); [ "$wstart" -ge 0 ] || wstart=0
  wait_ms=$(((kill_at - wstart + 45) * 1000))
  echo "$waiters callers waiting in the queue (no agent staffed): $wrate/s from ${wstart} s, each hanging up $((wait_ms / 1000)) s after typing 1 1"
  (sleep "$wstart"; cd "$work" && exec timeout $((kill_at + 150)) sipp "127.0.0.1:$kport" -sf "$OLDPWD/tests/sipp/proxy_queue_wait.xml" \
    -inf "$work/waiters.csv" -r "$wrate" -m "$waiters" -l "$waiters" -d "$wait_ms" -i 127.0.0.1 -p 0 -mp "$(free_media_port)" -nostdin \
    -trace_stat -stf "$work/waiters-stat.csv" -fd 5 -timeout $((kill_at + 140))s -timeout_error > "$work/waiters.out" 2>&1) &
  waiters_pid=$!
  pids+=($waiters_pid)
fi
sleep "$kill_at"
if [ "$nodes" = 2 ]; then
  cpu_b=$(cpu_of "$pid_b")
  kill -9 "$pid_b"
  killed=$(date +%s.%N)
  # B's waiting callers as it died (the line keeps them until a survivor takes them).
  sql "SELECT call_id || ' ' || COALESCE(phone, '-') FROM queue_entries WHERE node = 'node-b' ORDER BY call_id" > "$work/b-waiting" || true
  b_waiting=$(grep -c . "$work/b-waiting" || true)
  echo "--- node B killed; callers waiting in the queue per node"
  sql "SELECT node, COUNT(*) FROM queue_entries GROUP BY node ORDER BY node"
  echo "waiters up on B but not (yet) in the line: $(sql "SELECT COUNT(*) FROM calls WHERE node = 'node-b' \
    AND ended_at IS NULL AND NOT ($load) AND id NOT IN (SELECT call_id FROM queue_entries)")"
  # Every 200 ms: the callbacks with source node-lost, and when the first and the last appeared;
  # until every waiter of B is one and none is left in the line, or 90 s.
  ( set +e; n0=0
    for _ in $(seq 1 450); do
      read -r n left < <(sql "SELECT (SELECT COUNT(*) FROM callbacks WHERE source = 'node-lost') || ' ' ||
        (SELECT COUNT(*) FROM queue_entries WHERE node = 'node-b')")
      now=$(date +%s.%N)
      if [ -n "$n" ] && [ "$n" -gt "$n0" ]; then
        [ "$n0" = 0 ] && echo "$now" > "$work/cb-first"
        echo "$now" > "$work/cb-last"; n0=$n
      fi
      [ "$left" = 0 ] && [ "$n0" -ge "$b_waiting" ] && break
      sleep 0.2
    done ) &
  cb_poll=$!
  pids+=($cb_poll)
  # From now on: when does the survivor leave no row of B open?
  ( for _ in $(seq 1 300); do
      [ "$(sql "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL AND node = 'node-b'")" = 0 ] && break
      sleep 0.5
    done; date +%s.%N > "$work/b-closed" ) &
  echo "--- calls per node so far"
else
  echo "--- $kill_at s in: callers waiting in the queue per node"
  sql "SELECT node, COUNT(*) FROM queue_entries GROUP BY node ORDER BY node"
  echo "--- calls per node so far"
fi
sql "SELECT node, COUNT(*) FROM calls WHERE $load GROUP BY node ORDER BY node"
if [ "$nodes" = 2 ]; then
  wait "$sipp_pid" || echo "sipp exit $? (calls up on B when it died fail)"
else
  wait "$sipp_pid" || echo "sipp exit $?"
fi
ended=$(date +%s.%N)
echo "--- callers (SIPp)"
python3 - "$work/callers-stat.csv" "$started" "$ended" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
row = dict(zip(lines[0].split(";"), lines[-1].split(";")))
print("created", row.get("TotalCallCreated"), "successful", row.get("SuccessfulCall(C)"), "failed", row.get("FailedCall(C)"))
# One node against two: the rate kept (SIPp's rows are 5 s apart), the most calls up at once,
# the INVITE->200 time, and how long SIPp ran (it waits for its last calls).
rows = [dict(zip(lines[0].split(";"), l.split(";"))) for l in lines[1:]]
def secs(v):
    h, m, s = (v or "0:0:0").split(":")[:3]
    return (int(h) * 60 + int(m)) * 60 + float(s)
def ms(v):
    h, m, s, us = (v or "0:0:0:0").split(":")
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(us) / 1000
total = int(row.get("TotalCallCreated") or 0)
done = next((r for r in rows if int(r.get("TotalCallCreated") or 0) == total), row)
made_in = secs(done.get("ElapsedTime(C)"))
peak = max((int(r.get("CurrentCall") or 0) for r in rows), default=0)
print(f"created {total / made_in if made_in else 0:.1f}/s (all by {made_in:.0f} s); at most {peak} calls up at once; "
      f"INVITE->200 mean {ms(row.get('ResponseTime1(C)')):.0f} ms; SIPp ran {float(sys.argv[3]) - float(sys.argv[2]):.0f} s")
PY
kamailio_cpu=0
for k in $(pgrep -f "kamailio -f $work/kamailio.cfg" || true); do
  kamailio_cpu=$(awk -v a="$kamailio_cpu" -v b="$(cpu_of "$k")" 'BEGIN { print a + b }')
done
echo "service CPU when SIPp ended: A $(cpu_of "$pid_a") s${cpu_b:+, B $cpu_b s (at its kill)}; Kamailio's processes $kamailio_cpu s"
echo "--- calls per node and end"
sql "SELECT node, COALESCE(hangup_by, 'OPEN'), COUNT(*) FROM calls WHERE $load GROUP BY 1, 2 ORDER BY 1, 2"
if [ "$nodes" = 2 ]; then
  echo "--- waiting for the survivor to close B's rows"
  for _ in $(seq 1 240); do [ -s "$work/b-closed" ] && break; sleep 0.5; done
  echo "B's open rows: $(sql "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL AND node = 'node-b'")"
  closed=$(cat "$work/b-closed" 2>/dev/null || date +%s.%N)
  awk -v a="$killed" -v b="$closed" 'BEGIN { printf "from SIGKILL to no open row of B: %.1f s (a node counts as lost after 30 s of silence)\n", b - a }'
  if [ "$waiters" -gt 0 ]; then
    echo "--- B's waiting callers: callbacks with source node-lost (PostgreSQL read every 200 ms)"
    wait "$cb_poll" || true
    sql "SELECT call_id || ' ' || phone || ' ' || created_at FROM callbacks WHERE source = 'node-lost'" > "$work/cb-rows" || true
    left=$(sql "SELECT COUNT(*) FROM queue_entries WHERE node = 'node-b'")
    python3 - "$work" "$killed" "$left" <<'PY'
import collections, os, sys
work, killed, left = sys.argv[1], float(sys.argv[2]), sys.argv[3]
waiting = [l.split() for l in open(f"{work}/b-waiting").read().splitlines() if l.strip()]
cbs = [l.split() for l in open(f"{work}/cb-rows").read().splitlines() if l.strip()]
def seen(name):
    p = f"{work}/{name}"
    return f"{float(open(p).read()) - killed:.1f} s" if os.path.exists(p) else "never"
print(f"waiting on B at the kill: {len(waiting)}; callbacks with source node-lost: {len(cbs)}")
line = f"from SIGKILL to the first callback: {seen('cb-first')}, to the last: {seen('cb-last')}"
if cbs:
    at = sorted(int(c[2]) / 1000 - killed for c in cbs)
    line += f" (the rows' created_at: {at[0]:.1f} s, {at[-1]:.1f} s)"
print(line)
made = {c[0] for c in cbs}
missed = [w[0] for w in waiting if w[0] not in made]
twice_phone = sum(1 for n in collections.Counter(c[1] for c in cbs).values() if n > 1)
twice_call = sum(1 for n in collections.Counter(c[0] for c in cbs).values() if n > 1)
print(f"B's waiters without one: {len(missed)}{' (' + ' '.join(missed) + ')' if missed else ''}; "
      f"still in the line: {left}; made twice: {twice_phone} phones, {twice_call} calls")
PY
  fi
fi
echo "--- waiting for A's last calls (an answer Kamailio had already given up on ends when its ACK never comes, 32 s)"
for _ in $(seq 1 60); do
  open=$(sql "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL AND $load")
  [ "$open" = 0 ] && break
  sleep 1
done
echo "open rows: $open"
sql "SELECT node, COALESCE(hangup_by, 'OPEN'), COUNT(*) FROM calls WHERE $load GROUP BY 1, 2 ORDER BY 1, 2"
if [ -n "$waiters_pid" ]; then
  echo "--- waiters (SIPp; a hang-up sent to a dead node fails), their calls and every callback"
  wait "$waiters_pid" || true
  python3 - "$work/waiters-stat.csv" <<'PY'
import os, sys
if not os.path.exists(sys.argv[1]):
    sys.exit("no SIPp statistics for the waiters")
lines = open(sys.argv[1]).read().splitlines()
row = dict(zip(lines[0].split(";"), lines[-1].split(";")))
print("created", row.get("TotalCallCreated"), "successful", row.get("SuccessfulCall(C)"), "failed", row.get("FailedCall(C)"))
PY
  sql "SELECT node, COALESCE(hangup_by, 'OPEN'), COUNT(*) FROM calls WHERE NOT ($load) GROUP BY 1, 2 ORDER BY 1, 2"
  sql "SELECT 'callbacks ' || source, COUNT(*) FROM callbacks GROUP BY 1 ORDER BY 1"
fi
