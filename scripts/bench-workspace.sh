#!/usr/bin/env bash
# The agent's page and the wallboard under call load, loopback only, bounded in time:
#   scripts/bench-workspace.sh [AGENTS] [SUPERVISORS] [SECONDS]   (default 50, 20, 40)
# 1. Screen-pop delay: AGENTS agents, each signed in to the console with their page's stream open
#    (GET /workspace/events), each with a SIP phone; callers (SIPp, tests/sipp/load_bridged.xml:
#    a tone, keys 1 1 during the greeting, hang up HOLD_MS later; greeting and recording notice
#    take about 5.7 s of it, so a call talks about HOLD_MS - 6.2 s) keep every agent offered calls
#    again and again.
#    For every offer: from the phone receiving the INVITE to that agent's stream delivering the
#    `screen_pop` event. Printed: count, p50, p99, max (and the offers that got no pop).
# 2. Wallboard cost: after WARMUP s (default 12) of load, SECONDS/2 with no wallboard open, then
#    SUPERVISORS supervisors open the wallboard's two streams, /wallboard/events (its figures)
#    and /console/events (the live list every supervisor page's header opens), and the same
#    load runs SECONDS/2 more: the service's CPU (% of one core) and RSS in each half, and
#    the delay from an agent's phone receiving an INVITE to the first `figures` event on each
#    supervisor's stream whose agent rows name that call (p50/p99; pairs never shown are counted
#    apart, and once more as "never" in the percentiles), and, once a second in both halves, the
#    time of one GET /wallboard/figures (a single read of the same figures, as a yardstick for
#    the stream's delay).
#
# The agents' phones are played by the Python driver (scripts/workspace_bench.py), not by SIPp:
# the INVITE's arrival and the event's arrival are then stamped by one process on one monotonic
# clock, with no alignment of SIPp's wall-clock trace files (millisecond resolution, written
# asynchronously) against the driver's stream timestamps, and without matching log lines by
# call id afterwards. One UDP socket answers for every agent URI (sip:aNNNN@127.0.0.1:PORT, the
# user part names the agent) as tests/sipp/load_answer.xml would: 180, then 200 with PCMU after
# RING_MS (default 500), ACK, and 200 to our BYE; it answers the service's OPTIONS checks too.
# It sends no RTP (calls are far shorter than [calls] leg_rtp_timeout_seconds).
#
# Accounts: `agents add` + `users add --agent --password-stdin` for each agent, `users add --role
# supervisor --password-stdin` for each supervisor, all with one random password; each signs in
# once through POST /login (2 at a time: argon2) and its cookie is reused. Only failed sign-ins
# are rate-limited ([http] failures_per_*), so no limit is changed. Each agent's and supervisor's
# streams come from their own loopback address (127.0.1.N, 127.0.2.N), like browsers on their
# own machines, so [http] max_connections_per_address (64) is not what is measured.
# The bench's own config sets [routing] wrap_up_seconds = WRAP_UP (default 1) so each agent is
# offered a call every few seconds, and the company open around the clock.
#
# Env: FRONTDESK_BIN (another binary; default: cargo build --release), HOLD_MS (default 12000),
# RING_MS (500), RATE (new calls/s, default AGENTS/5, at least 2), CALLERS (callers at once,
# default 3/2 x AGENTS: about half of a call is the greeting, so the agents are busy most of the
# time and few callers wait, so few give up in the queue and leave a callback request behind;
# the calls' outcomes are printed at the end), WARMUP (12), WRAP_UP (1),
# KEEP=1 keeps the work directory. Ends with a table; the raw delays are in WORK/delays.json.
set -euo pipefail
cd "$(dirname "$0")/.."
agents="${1:-50}"; sups="${2:-20}"; secs="${3:-40}"
for v in "$agents" "$sups" "$secs"; do
  case "$v" in '' | *[!0-9]*) echo "usage: $0 [AGENTS] [SUPERVISORS] [SECONDS]" >&2; exit 2 ;; esac
done
[ "$agents" -ge 1 ] && [ "$agents" -le 250 ] && [ "$sups" -le 250 ] && [ "$secs" -ge 4 ] && [ "$secs" -le 600 ] \
  || { echo "AGENTS 1-250, SUPERVISORS 0-250, SECONDS 4-600" >&2; exit 2; }
hold="${HOLD_MS:-12000}"; ring="${RING_MS:-500}"; warmup="${WARMUP:-12}"; wrap="${WRAP_UP:-1}"
rate="${RATE:-$(( agents / 5 > 2 ? agents / 5 : 2 ))}"; callers="${CALLERS:-$(( agents * 3 / 2 > 1 ? agents * 3 / 2 : 1 ))}"
if [ -n "${FRONTDESK_BIN:-}" ]; then
  bin="$(realpath "$FRONTDESK_BIN")"
else
  cargo build --release --quiet
  bin="$PWD/target/release/frontdesk"
fi
work="$(mktemp -d)"
cleanup() {
  [ -z "${driver:-}" ] || kill "$driver" 2>/dev/null || true
  # The callers' SIPp runs in its own process group, started by the driver.
  if [ -s "$work/callers.pgid" ]; then
    sleep 0.5
    kill -- "-$(cat "$work/callers.pgid")" 2>/dev/null || true
  fi
  if [ -n "${svc:-}" ]; then
    # Calls may still be up: the service gets 3 s to stop, not its full drain.
    kill "$svc" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$svc" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$svc" 2>/dev/null || true
  fi
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -z "${KEEP:-}" ] || echo "work dir $work"
ulimit -n 65536 2>/dev/null || true

cat > "$work/frontdesk.toml" <<TOML
data_dir = "$work/data"
prompts_dir = "$PWD/prompts"
sip_listen = "127.0.0.1:0"
http_listen = "127.0.0.1:0"
rtp_ports = "20000-25999"
[company]
name = "Example Ltd"
time_zone = "Europe/Vilnius"
default_region = "LT"
hours = "00:00-24:00"
[calls]
max_concurrent = 5000
[routing]
wrap_up_seconds = $wrap
TOML

python3 - "$work/callers.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("SEQUENTIAL\n")
    for i in range(100000):
        f.write(f"+3706{1000000 + i:07d};\n")
PY
sox -n -r 8000 -c 1 -e mu-law -t raw "$work/tone.ulaw" synth 10 sine 440 vol 0.3
# One password for every account, kept in a file (never on a command line).
(umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(18))' > "$work/password")

fd() { "$bin" --config "$work/frontdesk.toml" "$@"; }
phone_port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
t_setup=$(date +%s)
echo "adding $agents agents (phones: sip:aNNNN@127.0.0.1:$phone_port) and $sups supervisors"
for i in $(seq -f %04g 1 "$agents"); do
  fd agents add "a$i" --uri "sip:a$i@127.0.0.1:$phone_port" --languages en > /dev/null
  fd users add "a$i" --role agent --agent "a$i" --password-stdin < "$work/password" > /dev/null 2>> "$work/setup.log"
done
for i in $(seq -f %04g 1 "$sups"); do
  fd users add "s$i" --role supervisor --password-stdin < "$work/password" > /dev/null 2>> "$work/setup.log"
done
echo "accounts made in $(( $(date +%s) - t_setup )) s"

FRONTDESK_LOG=warn "$bin" --config "$work/frontdesk.toml" serve > "$work/ready" 2> "$work/serve.log" &
svc=$!
for _ in $(seq 1 200); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/ready" || { echo "the service did not start:"; tail -n 20 "$work/serve.log"; exit 1; }
sip=$(sed -n 's/.*sip=\([^ ]*\).*/\1/p' "$work/ready")
http=$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$work/ready")
echo "service pid $svc, sip $sip, http $http"

python3 - "$work/settings.json" <<PY
import json, sys
json.dump({
    "http": "$http", "sip": "$sip", "pid": $svc, "phone_port": $phone_port,
    "agents": $agents, "supervisors": $sups, "secs": $secs, "warmup": $warmup,
    "hold_ms": $hold, "ring_ms": $ring, "rate": $rate, "callers": $callers, "wrap_up": $wrap,
    "max_calls": $(( rate * (warmup + secs + 30) + agents )),
    "password_file": "$work/password", "scenario": "$PWD/tests/sipp/load_bridged.xml",
    "callers_csv": "$work/callers.csv", "work": "$work", "root": "$PWD", "bin": "$bin",
}, open(sys.argv[1], "w"))
PY
# The driver is bounded too: sign-ins, warm-up, both windows, and a margin.
timeout $(( warmup + secs + agents + sups + 120 )) python3 scripts/workspace_bench.py "$work/settings.json" &
driver=$!
status=0
wait "$driver" || status=$?
driver=
# What became of the calls, from the store (the callers were stopped mid-call at the end).
fd calls list --limit 1000000 --json > "$work/rows.json" 2>> "$work/setup.log" || true
fd callbacks list --json > "$work/callbacks.json" 2>> "$work/setup.log" || true
python3 - "$work" <<'PY' || true
import collections, json, sys
rows = json.load(open(f"{sys.argv[1]}/rows.json"))
cbs = json.load(open(f"{sys.argv[1]}/callbacks.json"))
print(f"calls in the store: {len(rows)}, by outcome {dict(collections.Counter(r['outcome'] or 'in progress' for r in rows))}; "
      f"open callback requests (callers who gave up in the queue): {len(cbs)}")
PY
levels=$(grep -cE '^\S+\s+(WARN|ERROR)\b' "$work/serve.log" || true)
echo "service log: ${levels:-0} WARN/ERROR lines$( [ "${levels:-0}" = 0 ] || echo "; first: $(grep -m1 -E '^\S+\s+(WARN|ERROR)\b' "$work/serve.log" | cut -c1-200)")"
exit "$status"
