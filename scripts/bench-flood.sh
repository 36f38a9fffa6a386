#!/usr/bin/env bash
# SIP floods against the release binary, one after another, each SECONDS long at the highest rate
# one core of this machine sends (scripts/flood.py): INVITE and OPTIONS from a source outside the
# trunk allow-list (127.0.0.9), then INVITE and OPTIONS from the trunk itself (127.0.0.2). All the
# while a third source (127.0.0.3) asks OPTIONS every 20 ms, retransmitting after T1 as a UA does.
# Loopback only, bounded in time.
#   scripts/bench-flood.sh [SECONDS]    (default 10)
# Prints per flood: datagrams sent, the probe's answered share and latency (p50/p99/max), the
# service's CPU and RSS; at the end RSS after a quiet spell (and after 40 s, past the transaction
# timers) against the start, the door's counters,
# refused calls with rows or counted, and call rows left open.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
cargo build --release --quiet
bin="$PWD/target/release/frontdesk"
work="$(mktemp -d)"
cleanup() {
  [ -n "${svc:-}" ] && kill "$svc" 2>/dev/null; [ -n "${prober:-}" ] && kill "$prober" 2>/dev/null
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# KEEP=1 keeps the work directory (the service's log, its store); the processes end either way.
[ -z "${KEEP:-}" ] || echo "work dir $work"

cat > "$work/frontdesk.toml" <<TOML
data_dir = "$work/data"
prompts_dir = "$PWD/prompts"
sip_listen = "127.0.0.1:0"
http_listen = "127.0.0.1:0"
[company]
name = "Example Ltd"
time_zone = "Europe/Vilnius"
default_region = "LT"
hours = "00:00-24:00"
[pbx]
trunk_sources = ["127.0.0.2/32"]
TOML

"$bin" --config "$work/frontdesk.toml" serve > "$work/ready" 2> "$work/serve.log" &
svc=$!
for _ in $(seq 1 100); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
sip=$(grep -o 'sip=[^ ]*' "$work/ready" | cut -d= -f2)
http=$(grep -o 'http=[^ ]*' "$work/ready" | cut -d= -f2)
rss() { awk '/VmRSS/ {print $2}' "/proc/$svc/status"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$svc/status"; }
# RSS in its parts: the heap and stacks (RssAnon) is what a flood can leave behind; RssFile is the
# binary's and libraries' pages the kernel has read in (shared, dropped under memory pressure).
parts() { awk '/RssAnon|RssFile|RssShmem/ {printf "%s %d MiB  ", $1, $2 / 1024}' "/proc/$svc/status"; }
cpu() { awk '{print $14 + $15}' "/proc/$svc/stat"; }
tck=$(getconf CLK_TCK)
sleep 1
rss0=$(rss)
phases=("INVITE 127.0.0.9 stranger" "OPTIONS 127.0.0.9 stranger" "INVITE 127.0.0.2 trunk" "OPTIONS 127.0.0.2 trunk")
total=$(( (${#phases[@]} + 1) * (secs + 2) + 2 ))
python3 scripts/flood.py probe "$sip" 127.0.0.3 "$total" "$work/probe.json" &
prober=$!
echo "scenario: ${#phases[@]} floods of ${secs} s each against $sip (trunk 127.0.0.2/32), OPTIONS probe from 127.0.0.3 every 20 ms"
echo "start: RSS $((rss0 / 1024)) MiB ($(parts))"
marks=()
for p in "${phases[@]}"; do
  set -- $p
  c0=$(cpu); t0=$(date +%s.%N)
  out=$(python3 scripts/flood.py flood "$sip" "$2" "$1" "$secs")
  c1=$(cpu); t1=$(date +%s.%N)
  marks+=("$t0 $t1 $1 from $3")
  sent=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['sent'])" "$out")
  pct=$(python3 -c "print(round(100*($c1-$c0)/$tck/($t1-$t0)))")
  echo "flood $1 from $3 ($2): $sent datagrams in ${secs} s ($((sent / ${secs%.*})) /s); service CPU ${pct}% of a core, RSS $(( $(rss) / 1024 )) MiB"
  sleep 2
done
t_quiet=$(date +%s.%N)
sleep "$secs"
wait "$prober"; prober=
rss1=$(rss)
python3 - "$work/probe.json" "$t_quiet" "${marks[@]}" <<'PY'
import json, sys, time
rows = json.load(open(sys.argv[1]))
# flood.py's clock is monotonic; the marks are wall-clock: align on the probe's own span.
def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")
lat = [r["latency"] for r in rows if r["latency"] is not None]
lost = sum(1 for r in rows if r["latency"] is None)
retx = sum(1 for r in rows if r["sends"] > 1)
print(f"probe: {len(rows)} OPTIONS, {len(rows) - lost} answered, {lost} never answered, {retx} needed a retransmission")
print(f"probe latency: p50 {pct(lat, .5)*1000:.1f} ms, p99 {pct(lat, .99)*1000:.1f} ms, max {max(lat)*1000:.1f} ms")
PY
echo "end (after ${secs} s quiet): RSS $((rss1 / 1024)) MiB (start $((rss0 / 1024)) MiB, peak $(( $(hwm) / 1024 )) MiB; now $(parts))"
# The stack keeps an INVITE server transaction whose final response was never ACKed (the flood sends
# no ACK) for Timer H, 64*T1 = 32 s: what those transactions hold is freed only then.
if [ "$secs" -lt 40 ]; then
  sleep $((40 - secs))
  echo "end (40 s quiet, past the transactions' Timer H): RSS $(( $(rss) / 1024 )) MiB ($(parts))"
fi
curl -s "http://$http/metrics" | grep -E '^frontdesk_(sip_turned_away_total|calls_refused|calls\{|calls_active)' || true
open=$(curl -s "http://$http/metrics" | awk -F' ' '/^frontdesk_calls\{.*outcome="in_progress"\}/ {print $2}')
echo "call rows left open: ${open:-0}"
echo "log lines: $(wc -l < "$work/serve.log"), $(du -k "$work/serve.log" | cut -f1) KiB"
