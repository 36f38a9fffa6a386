#!/usr/bin/env bash
# Load benchmark with SIPp against the release binary, loopback only, bounded in time.
#   scripts/bench-calls.sh cps [RATE] [CALLS] [HOLD_MS]     short answered calls (default 500 CPS, 15000 calls, 1000 ms)
#   scripts/bench-calls.sh rtp [CONCURRENT] [SECONDS]        long calls with RTP both ways (default 1000, 60 s)
#   scripts/bench-calls.sh leak [CALLS_PER_ROUND] [ROUNDS]   rounds of 500 CPS short calls; RSS, fds, threads after each
# Ends with one table: the scenario, calls answered and failed, INVITE->200 percentiles, CPU and RSS
# per call, packets lost or late, rows written.
# FRONTDESK_BIN names another binary (CI runs a smoke of `rtp 10 5` on the debug build: the script
# works, the figures mean nothing there).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-cps}"
if [ -n "${FRONTDESK_BIN:-}" ]; then
  bin="$(realpath "$FRONTDESK_BIN")"
else
  cargo build --release --quiet
  bin="$PWD/target/release/frontdesk"
fi
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
http=$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$work/ready")
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
    echo "scenario: cps, $calls calls at $rate/s, each held ${hold} ms, SIPp tests/sipp/load_short.xml" > "$work/scenario"
    echo "$calls" > "$work/calls"
    (cd "$work" && timeout 600 sipp "$sip" -sf "$OLDPWD/tests/sipp/load_short.xml" -inf "$work/callers.csv" -d "$hold" \
      -r "$rate" -m "$calls" -l 20000 -i 127.0.0.1 -p 0 -mp 40000 -nostdin \
      -trace_stat -stf "$work/stat.csv" -fd 1 -trace_rtt -rtt_freq 1 \
      -timeout 300s -timeout_error > "$work/sipp.out" 2>&1) || echo "sipp exit $?"
    ;;
  rtp)
    conc="${2:-1000}"; secs="${3:-60}"
    echo "scenario: rtp, $conc concurrent recorded calls for ${secs} s, RTP both ways (SIPp tests/sipp/load_rtp.xml, 100 new calls/s)" > "$work/scenario"
    echo "$conc" > "$work/calls"
    sox -n -r 8000 -c 1 -e mu-law -t raw "$work/tone.ulaw" synth 10 sine 440 vol 0.3
    (cd "$work" && exec timeout 900 sipp "$sip" -sf "$OLDPWD/tests/sipp/load_rtp.xml" -inf "$work/callers.csv" \
      -d "$((secs * 1000))" \
      -r 100 -m "$conc" -l "$conc" -i 127.0.0.1 -p 0 -mp 40000 -nostdin \
      -trace_stat -stf "$work/stat.csv" -fd 1 -trace_rtt -rtt_freq 1 \
      -timeout 900s -timeout_error > "$work/sipp.out" 2>&1) &
    sp=$!
    sleep $(( conc / 100 + 15 ))
    echo "mid-run: RSS $(rss_kb) kB with ~$conc calls up"
    rss_kb > "$work/rss_mid"
    # SIPp's own CPU over the same window: on this machine it shares the cores with the service.
    sipp_pid=$(pgrep -P "$sp" sipp | head -n1 || true)
    sipp_ticks() { [ -n "$sipp_pid" ] && awk '{print $14 + $15}' "/proc/$sipp_pid/stat" 2>/dev/null || echo 0; }
    mid_t=$(cpu_ticks); mid_st=$(sipp_ticks); mid_s=$(date +%s.%N); sleep 10
    mid_t2=$(cpu_ticks); mid_st2=$(sipp_ticks); mid_s2=$(date +%s.%N)
    python3 -c "import sys; a,b,s,s2,hz=map(float,sys.argv[1:6]); print(f'{(b-a)/hz/(s2-s)*100:.1f}% of one core')" "$mid_st" "$mid_st2" "$mid_s" "$mid_s2" "$hz" > "$work/sipp_cpu"
    python3 -c "import sys; t,t2,s,s2,hz,n=map(float,sys.argv[1:7]); c=(t2-t)/hz/(s2-s); print(f'steady state: {c*100:.1f}% of one core for {int(n)} calls = {c*100/n:.4f}% per call'); open(sys.argv[7], 'w').write(f'{c*100/n:.4f}')" "$mid_t" "$mid_t2" "$mid_s" "$mid_s2" "$hz" "$conc" "$work/cpu_per_call"
    wait "$sp" || echo "sipp exit $?"
    ;;
esac

t1=$(cpu_ticks); s1=$(date +%s.%N); rss1=$(rss_kb)
# The media workers' clock: ticks run, late (> 5 ms) and skipped.
curl -s "http://$http/metrics" 2>/dev/null | grep -E '^frontdesk_media_ticks(_late|_skipped)?_total[{ ]' \
  | awk '{printf "%s ", $2}' > "$work/ticks" || true
sleep 5
rss2=$(rss_kb)
[ "$mode" = leak ] && { echo "RSS before ${rss0} kB, at the end ${rss1} kB, 5 s later ${rss2} kB"; exit 0; }
"$bin" --config "$work/frontdesk.toml" calls list --limit 1000000 --json > "$work/rows.json"
recordings=0
[ -d "$work/data/recordings" ] && recordings=$(find "$work/data/recordings" -name '*.wav' | wc -l)
python3 - "$work" "$t0" "$t1" "$s0" "$s1" "$hz" "$rss0" "$rss1" "$rss2" "$recordings" <<'PY'
import sys, glob, json, re, collections
work, t0, t1, s0, s1, hz, rss0, rss1, rss2, recordings = sys.argv[1:]
t0, t1, s0, s1, hz = map(float, (t0, t1, s0, s1, hz))
rss0, rss1, rss2, recordings = map(int, (rss0, rss1, rss2, recordings))
read = lambda name, default="": (open(f"{work}/{name}").read().strip() if glob.glob(f"{work}/{name}") else default)
calls = int(read("calls", "0") or 0)
print(read("scenario"))
stat = open(f"{work}/stat.csv").read().splitlines()
row = dict(zip(stat[0].split(";"), stat[-1].split(";"))) if len(stat) > 1 else {}
rtts = []
for f in glob.glob(work + "/*_rtt.csv"):
    for line in open(f):
        parts = line.strip().split(";")
        try: rtts.append(float(parts[1]))
        except (IndexError, ValueError): pass
rtts.sort()
q = lambda x: rtts[min(len(rtts) - 1, int(x * len(rtts)))] if rtts else float("nan")
tot = collections.Counter()
media = 0
for line in open(f"{work}/serve.log", errors="replace"):
    if " media" in line and "received=" in line:
        media += 1
        for k in ("sent", "received", "lost", "late"):
            m = re.search(rf"\b{k}=(\d+)", line)
            if m: tot[k] += int(m.group(1))
rows = json.load(open(f"{work}/rows.json"))
outcomes = collections.Counter(r["outcome"] for r in rows)
cpu_total = (t1 - t0) / hz
per_call_cpu = read("cpu_per_call") or (f"{cpu_total / max(1, calls) * 1000:.2f} ms CPU per call")
rss_mid = int(read("rss_mid", "0") or 0)
rss_per_call = f"{(rss_mid - rss0) / max(1, calls):.0f} KiB" if rss_mid else "-"
bad = tot["lost"] + tot["late"]
share = 100.0 * bad / max(1, tot["received"] + tot["lost"]) if media else float("nan")
table = [
    ("calls answered / failed (SIPp)", f"{row.get('SuccessfulCall(C)', '?')} / {row.get('FailedCall(C)', '?')}"),
    ("INVITE->200 p50 / p99 / max", f"{q(0.5):.2f} / {q(0.99):.2f} / {rtts[-1] if rtts else float('nan'):.2f} ms (n={len(rtts)})"),
    ("CPU per call", per_call_cpu + (" % of a core, steady state" if read("cpu_per_call") else "")),
    ("service CPU, whole run", f"{cpu_total:.1f} s over {s1 - s0:.1f} s"),
    ("RSS start / all up / end / 5 s later", f"{rss0} / {rss_mid or '-'} / {rss1} / {rss2} kB"),
    ("RSS per call (all up)", rss_per_call),
    ("packets sent / received", f"{tot['sent']} / {tot['received']} over {media} calls"),
    ("packets lost or late", f"{bad} ({share:.4f}%)"),
    ("SIPp CPU (steady state)", read("sipp_cpu", "-")),
    ("media ticks run / late / skipped", " / ".join(read("ticks", "- - -").split()) or "-"),
    ("rows / closed", f"{len(rows)} / {sum(1 for r in rows if r['ended_at'])} {dict(outcomes)}"),
    ("recordings", str(recordings)),
]
w = max(len(k) for k, _ in table)
print(f"| {'measure'.ljust(w)} | value |")
print(f"|{'-' * (w + 2)}|-------|")
for k, v in table:
    print(f"| {k.ljust(w)} | {v} |")
PY
