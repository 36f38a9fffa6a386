#!/usr/bin/env bash
# Load benchmark with SIPp against the release binary, loopback only, bounded in time.
#   scripts/bench-calls.sh cps [RATE] [CALLS] [HOLD_MS]     short answered calls (default 500 CPS, 15000 calls, 1000 ms)
#   scripts/bench-calls.sh rtp [CONCURRENT] [SECONDS]        long calls with RTP both ways (default 1000, 60 s)
#   scripts/bench-calls.sh leak [CALLS_PER_ROUND] [ROUNDS]   rounds of 500 CPS short calls; RSS, fds, threads after each
# Prints SIPp's totals, INVITE->200 percentiles, the rows written, CPU and RSS of the service.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-cps}"
cargo build --release --quiet
bin="$PWD/target/release/frontdesk"
work="$(mktemp -d)"
cleanup() { [ -n "${svc:-}" ] && kill "$svc" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && echo "work dir $work"
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
rtp_timeout_seconds = 120
TOML

python3 - "$work/callers.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("SEQUENTIAL\n")
    for i in range(200000):
        f.write(f"+3706{1000000 + i:07d};\n")
PY

log_filter=warn
[ "$mode" = rtp ] && log_filter="warn,frontdesk::sip::call::events=info"
FRONTDESK_LOG="$log_filter" "$bin" --config "$work/frontdesk.toml" serve > "$work/ready" 2> "$work/serve.log" &
svc=$!
for _ in $(seq 1 100); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
sip=$(sed -n 's/.*sip=\([^ ]*\).*/\1/p' "$work/ready")
echo "service pid $svc, sip $sip"
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$svc/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$svc/stat"; }
hz=$(getconf CLK_TCK)
rss0=$(rss_kb); t0=$(cpu_ticks); s0=$(date +%s.%N)

fds() { ls "/proc/$svc/fd" | wc -l; }
threads() { awk '/Threads/ {print $2}' "/proc/$svc/status"; }
case "$mode" in
  leak)
    per="${2:-50000}"; rounds="${3:-3}"
    echo "start: RSS $(rss_kb) kB, fds $(fds), threads $(threads)"
    for r in $(seq 1 "$rounds"); do
      (cd "$work" && timeout 600 sipp "$sip" -sf "$OLDPWD/tests/sipp/load_short.xml" -inf "$work/callers.csv" \
        -d 200 -r 500 -m "$per" -l 20000 -i 127.0.0.1 -p 0 -mp 40000 -nostdin \
        -trace_stat -stf "$work/stat.csv" -fd 1 -timeout 300s -timeout_error > "$work/sipp.out" 2>&1) || echo "sipp exit $?"
      sleep 3
      echo "after round $r ($((r * per)) calls): RSS $(rss_kb) kB, fds $(fds), threads $(threads)"
    done
    ;;
  cps)
    rate="${2:-500}"; calls="${3:-15000}"; hold="${4:-1000}"
    (cd "$work" && timeout 600 sipp "$sip" -sf "$OLDPWD/tests/sipp/load_short.xml" -inf "$work/callers.csv" -d "$hold" \
      -r "$rate" -m "$calls" -l 20000 -i 127.0.0.1 -p 0 -mp 40000 -nostdin \
      -trace_stat -stf "$work/stat.csv" -fd 1 -trace_rtt -rtt_freq 1 \
      -timeout 300s -timeout_error > "$work/sipp.out" 2>&1) || echo "sipp exit $?"
    ;;
  rtp)
    conc="${2:-1000}"; secs="${3:-60}"
    sox -n -r 8000 -c 1 -e mu-law -t raw "$work/tone.ulaw" synth 10 sine 440 vol 0.3
    (cd "$work" && exec timeout 900 sipp "$sip" -sf "$OLDPWD/tests/sipp/load_rtp.xml" -inf "$work/callers.csv" \
      -d "$((secs * 1000))" \
      -r 100 -m "$conc" -l "$conc" -i 127.0.0.1 -p 0 -mp 40000 -nostdin \
      -trace_stat -stf "$work/stat.csv" -fd 1 -trace_rtt -rtt_freq 1 \
      -timeout 900s -timeout_error > "$work/sipp.out" 2>&1) &
    sp=$!
    sleep $(( conc / 100 + 15 ))
    echo "mid-run: RSS $(rss_kb) kB with ~$conc calls up"
    mid_t=$(cpu_ticks); mid_s=$(date +%s.%N); sleep 10
    mid_t2=$(cpu_ticks); mid_s2=$(date +%s.%N)
    python3 -c "import sys; t,t2,s,s2,hz,n=map(float,sys.argv[1:]); c=(t2-t)/hz/(s2-s); print(f'steady state: {c*100:.1f}% of one core for {int(n)} calls = {c*100/n:.4f}% per call')" "$mid_t" "$mid_t2" "$mid_s" "$mid_s2" "$hz" "$conc"
    wait "$sp" || echo "sipp exit $?"
    ;;
esac

t1=$(cpu_ticks); s1=$(date +%s.%N); rss1=$(rss_kb)
sleep 5
rss2=$(rss_kb)
last=$(tail -n 1 "$work/stat.csv")
head=$(head -n 1 "$work/stat.csv")
python3 - "$head" "$last" "$work/rtt.csv" <<'PY' 2>/dev/null || true
import sys, glob
cols = sys.argv[1].split(";"); vals = sys.argv[2].split(";")
row = dict(zip(cols, vals))
print("SIPp: successful", row.get("SuccessfulCall(C)"), "failed", row.get("FailedCall(C)"))
PY
python3 - "$work" <<'PY'
import sys, glob
rtts = []
for f in glob.glob(sys.argv[1] + "/*_rtt.csv"):
    for line in open(f):
        parts = line.strip().split(";")
        if len(parts) >= 2:
            try: rtts.append(float(parts[1]))
            except ValueError: pass
rtts.sort()
if rtts:
    p = lambda q: rtts[min(len(rtts) - 1, int(q * len(rtts)))]
    print(f"INVITE->200 ms: n={len(rtts)} p50={p(0.5):.2f} p99={p(0.99):.2f} p99.9={p(0.999):.2f} max={rtts[-1]:.2f}")
PY
echo "service CPU $(python3 -c "import sys; print(f'{(float(sys.argv[1])-float(sys.argv[2]))/float(sys.argv[3]):.1f}')" "$t1" "$t0" "$hz") s over $(python3 -c "import sys; print(f'{float(sys.argv[1])-float(sys.argv[2]):.1f}')" "$s1" "$s0") s wall"
echo "RSS before ${rss0} kB, at the end ${rss1} kB, 5 s later ${rss2} kB"
"$bin" --config "$work/frontdesk.toml" calls list --limit 1000000 --json | python3 -c "
import sys, json, collections
rows = json.load(sys.stdin)
c = collections.Counter(r['outcome'] for r in rows)
print('rows', len(rows), 'closed', sum(1 for r in rows if r['ended_at']), dict(c))"
python3 - "$work/serve.log" <<'PY'
import re, sys
tot = {"sent": 0, "received": 0, "lost": 0, "late": 0}
n = 0
for line in open(sys.argv[1], errors="replace"):
    if " media" not in line or "received=" not in line:
        continue
    n += 1
    for k in tot:
        m = re.search(rf"\b{k}=(\d+)", line)
        if m:
            tot[k] += int(m.group(1))
if n:
    bad = tot["lost"] + tot["late"]
    share = 100.0 * bad / max(1, tot["received"] + tot["lost"])
    print(f"media over {n} calls: sent {tot['sent']}, received {tot['received']}, lost {tot['lost']}, late {tot['late']} ({share:.4f}% lost or late)")
PY
if [ "$mode" = rtp ]; then
  find "$work/data/recordings" -name '*.wav' | head -3 | while read -r f; do soxi -D "$f" | sed "s|^|recording seconds: |"; done
  echo "recordings: $(find "$work/data/recordings" -name '*.wav' | wc -l), $(du -sh "$work/data/recordings" | cut -f1)"
fi
