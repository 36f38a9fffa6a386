#!/usr/bin/env bash
# Load benchmark with SIPp against the release binary, loopback only, bounded in time.
#   scripts/bench-calls.sh cps [RATE] [CALLS] [HOLD_MS]     short answered calls (default 500 CPS, 15000 calls, 1000 ms)
#   scripts/bench-calls.sh rtp [CONCURRENT] [SECONDS]        long calls with RTP both ways (default 1000, 60 s)
#   scripts/bench-calls.sh bridged [CONCURRENT] [SECONDS]    long calls bridged to agents (default 200, 60 s)
#   scripts/bench-calls.sh monitored [CONCURRENT] [SECONDS]  the same with a supervisor listening in on each call
#   scripts/bench-calls.sh leak [CALLS_PER_ROUND] [ROUNDS]   rounds of 500 CPS short calls; RSS, fds, threads after each
# rtp: callers (tests/sipp/load_rtp.xml, 100 new calls/s) stream a tone to the IVR for SECONDS.
# bridged: CONCURRENT unknown callers (tests/sipp/load_bridged.xml, 100 new calls/s) stream a tone,
# type 1 (English) and 1 (an agent) during the greeting and hang up SECONDS later; CONCURRENT agents
# (`agents add`, English), all played by one SIPp UAS with -rtp_echo (tests/sipp/load_answer.xml),
# answer after 300 ms and stay until our BYE. Every call is recorded.
# monitored: as bridged; once every call is bridged, CONCURRENT supervisors (`users add`, `users
# phone`), one per call, ask `POST /api/v1/calls/{id}/monitor` {"mode":"listen"} with curl,
# MONITOR_PARALLEL at a time (default 4: the service checks 4 new tokens at a time). Their phones are
# a second SIPp UAS on its own port, also -rtp_echo: a phone sends its microphone even while only
# listening, and a leg silent for [calls] leg_rtp_timeout_seconds is hung up.
# rtp, bridged and monitored sample the service's CPU over 10 s with every call up (bridged: every
# call bridged; monitored: every supervisor on), and each SIPp process's CPU over the same window (on
# this machine SIPp shares the cores with the service); in bridged and monitored the window is
# shortened when the callers would hang up within it.
# Ends with one table: the scenario, calls answered and failed, INVITE->200 percentiles, CPU and RSS
# per call, packets lost or late, rows written; bridged and monitored add the calls bridged, the
# agents' and supervisors' phones and the monitoring sessions started.
# FRONTDESK_BIN names another binary (CI runs a smoke of `rtp 10 5` on the debug build: the script
# works, the figures mean nothing there).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-cps}"
case "$mode" in
  cps | rtp | bridged | monitored | leak) ;;
  *) echo "usage: $0 cps|rtp|bridged|monitored|leak [ARGS] (see the header)" >&2; exit 2 ;;
esac
if [ -n "${FRONTDESK_BIN:-}" ]; then
  bin="$(realpath "$FRONTDESK_BIN")"
else
  cargo build --release --quiet
  bin="$PWD/target/release/frontdesk"
fi
work="$(mktemp -d)"
phones=""
cleanup() {
  [ -z "${svc:-}" ] || kill "$svc" 2>/dev/null || true
  for p in $phones; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# KEEP=1 keeps the work directory (logs, SIPp's files, the store); the processes end either way.
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
rtp_timeout_seconds = 120
TOML

python3 - "$work/callers.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("SEQUENTIAL\n")
    for i in range(200000):
        f.write(f"+3706{1000000 + i:07d};\n")
PY

fd() { "$bin" --config "$work/frontdesk.toml" "$@"; }
# A free UDP port whose next three are free too (SIPp's RTP echo also takes the port two up).
. scripts/lib/ports.sh  # the scripts run from the repository root (cd above)
free_port() { free_port_block; }
# Phones (agents' or supervisors'): one SIPp UAS on PORT answering every call until our BYE and
# echoing its RTP; -aa answers the OPTIONS with which the service checks agents' phones
# ([workspace] phone_check_seconds). Every SIPp run is listed in $work/sipps (name:pid of its
# `timeout`) for the CPU figures.
start_phones() {
  local name="$1" port="$2"
  (cd "$work" && exec timeout 3600 sipp -sf "$OLDPWD/tests/sipp/load_answer.xml" -i 127.0.0.1 -p "$port" \
    -mp "$(free_port)" -rtp_echo -aa -nostdin -trace_stat -stf "$work/$name.csv" -fd 1 > "$work/$name.out" 2>&1) &
  phones="$phones $!"
  echo "$name:$!" >> "$work/sipps"
}
case "$mode" in
  bridged | monitored)
    conc="${2:-200}"; secs="${3:-60}"
    agents_port=$(free_port)
    start_phones agents "$agents_port"
    echo "adding $conc agents (their phones: one SIPp on $agents_port)"
    for i in $(seq -f %04g 1 "$conc"); do
      fd agents add "a$i" --uri "sip:a$i@127.0.0.1:$agents_port" --languages en > /dev/null
    done
    if [ "$mode" = monitored ]; then
      sups_port=$(free_port)
      start_phones supervisors "$sups_port"
      echo "adding $conc supervisors (their phones: one SIPp on $sups_port)"
      mkdir "$work/tokens" "$work/monitor"
      for i in $(seq -f %04g 1 "$conc"); do
        # A header file for curl's -H @file: the token stays out of every command line.
        printf 'Authorization: Bearer %s\n' "$(fd users add "s$i" --role supervisor 2>> "$work/setup.log")" > "$work/tokens/s$i"
        fd users phone "s$i" "sip:s$i@127.0.0.1:$sups_port" > /dev/null
      done
    fi
    ;;
esac

log_filter=warn
case "$mode" in rtp | bridged | monitored) log_filter="warn,frontdesk::sip::call::events=info" ;; esac
# BENCH_LOG adds directives to the service's log filter (e.g. frontdesk::store::checkpoint=trace).
[ -z "${BENCH_LOG:-}" ] || log_filter="$log_filter,$BENCH_LOG"
FRONTDESK_LOG="$log_filter" "$bin" --config "$work/frontdesk.toml" serve > "$work/ready" 2> "$work/serve.log" &
svc=$!
for _ in $(seq 1 100); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
sip=$(sed -n 's/.*sip=\([^ ]*\).*/\1/p' "$work/ready")
http=$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$work/ready")
echo "service pid $svc, sip $sip"
# The SQLite log's size, every second while the service runs: the largest is reported.
( while kill -0 "$svc" 2>/dev/null; do
    stat -c %s "$work/data/frontdesk.db-wal" 2>/dev/null || echo 0
    sleep 1
  done > "$work/wal-sizes" ) &
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$svc/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$svc/stat"; }
hz=$(getconf CLK_TCK)
# A token's first check takes argon2 working memory (about 19 MiB for each of the service's 4
# checks at a time, kept for the next ones): taken here, before the baseline, so that the RSS per
# call counts calls only.
if [ "$mode" = monitored ]; then
  ls "$work/tokens" | head -n 8 | xargs -P 8 -I{} curl -s -o /dev/null -H @"$work/tokens/{}" "http://$http/api/v1/agents"
  sleep 1
fi
rss0=$(rss_kb); t0=$(cpu_ticks); s0=$(date +%s.%N)

fds() { ls "/proc/$svc/fd" | wc -l; }
threads() { awk '/Threads/ {print $2}' "/proc/$svc/status"; }

# Long calls: CONCURRENT callers running SCENARIO (from tests/sipp) at 100 new calls/s, each
# holding SECONDS, in the background ($callers: the pid of their `timeout`).
start_callers() {
  sox -n -r 8000 -c 1 -e mu-law -t raw "$work/tone.ulaw" synth 10 sine 440 vol 0.3
  # Their hold, the ramp at 100/s and three minutes: a SIPp that does not exit after its last
  # call (seen once with 2,000 calls: it slept in a loop with 68 calls it still counted as up,
  # all of them ended at the service) is ended then rather than after a quarter of an hour.
  local limit=$((secs + conc / 100 + 180))
  (cd "$work" && exec timeout "$limit" sipp "$sip" -sf "$OLDPWD/tests/sipp/$1" -inf "$work/callers.csv" \
    -d "$((secs * 1000))" \
    -r 100 -m "$conc" -l "$conc" -i 127.0.0.1 -p 0 -mp 40000 -nostdin \
    -trace_stat -stf "$work/stat.csv" -fd 1 -trace_rtt -rtt_freq 1 \
    -timeout "${limit}s" -timeout_error > "$work/sipp.out" 2>&1) &
  callers=$!
  echo "callers:$callers" >> "$work/sipps"
  callers_at=$(date +%s.%N)
}

# The steady state: the service's CPU over WINDOW seconds with N calls up (per call), each SIPp's
# CPU over the same window, and the RSS as it starts.
sipp_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
steady_state() {
  local n="$1" window="$2" name tpid pid names=() pids=() before=() after=()
  rss_kb > "$work/rss_mid"
  echo "mid-run: RSS $(cat "$work/rss_mid") kB with $n calls up"
  while IFS=: read -r name tpid; do
    pid=$(pgrep -P "$tpid" sipp | head -n1 || true)
    names+=("$name"); pids+=("${pid:-0}")
  done < "$work/sipps"
  local t s t2 s2
  t=$(cpu_ticks); s=$(date +%s.%N)
  for pid in "${pids[@]}"; do before+=("$(sipp_ticks "$pid")"); done
  sleep "$window"
  t2=$(cpu_ticks); s2=$(date +%s.%N)
  for pid in "${pids[@]}"; do after+=("$(sipp_ticks "$pid")"); done
  python3 - "$work" "$hz" "$n" "$t" "$t2" "$s" "$s2" "${names[*]}" "${before[*]}" "${after[*]}" <<'PY'
import sys
work, hz, n, t, t2, s, s2 = sys.argv[1], *map(float, sys.argv[2:8])
names, before, after = (a.split() for a in sys.argv[8:11])
c = (t2 - t) / hz / (s2 - s)
print(f"steady state: {c*100:.1f}% of one core for {int(n)} calls = {c*100/n:.4f}% per call")
open(f"{work}/cpu_per_call", "w").write(f"{c*100/n:.4f}")
open(f"{work}/steady", "w").write(f"over {s2 - s:.0f} s with {int(n)} calls up")
sipp = [f"{k} {(float(b) - float(a)) / hz / (s2 - s) * 100:.1f}%" for k, a, b in zip(names, before, after)]
open(f"{work}/sipp_cpu", "w").write(", ".join(sipp) + " of one core")
PY
}

# The store as the service writes it (SQLite, read beside it): `db_wait WHAT TARGET DEADLINE` polls
# WHAT (bridged: open calls bridged; monitored: supervisors on a call, from the audit log) until it
# reaches TARGET or 3 s before DEADLINE (epoch seconds), and prints it; `db_wait ids` prints the ids
# of the open bridged calls.
db_wait() {
  python3 - "$work/data/frontdesk.db" "$@" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10)
what = sys.argv[2]
if what == "ids":
    for (i,) in db.execute("SELECT id FROM calls WHERE bridged_at IS NOT NULL AND ended_at IS NULL ORDER BY started_at"):
        print(i)
    sys.exit(0)
query = {
    "bridged": "SELECT COUNT(*) FROM calls WHERE bridged_at IS NOT NULL AND ended_at IS NULL",
    "monitored": "SELECT COUNT(*) FROM audit_log WHERE action = 'monitor'",
}[what]
target, deadline = int(sys.argv[3]), float(sys.argv[4])
while True:
    n = db.execute(query).fetchone()[0]
    if n >= target or time.time() > deadline - 3:
        break
    time.sleep(0.5)
print(n)
PY
}

# Each live bridged call gets its own supervisor, MONITOR_PARALLEL requests at a time; the status
# of each request goes to $work/monitor_codes, its body to $work/monitor/CALL_ID.json.
monitor_all() {
  db_wait ids > "$work/live_ids"
  ls "$work/tokens" | paste -d ' ' - "$work/live_ids" | awk 'NF == 2' \
    | W="$work" H="$http" xargs -P "${MONITOR_PARALLEL:-4}" -L 1 sh -c '
        code=$(curl -s -o "$W/monitor/$2.json" -w "%{http_code}" --max-time 30 -X POST \
          -H @"$W/tokens/$1" -H "Content-Type: application/json" --data "{\"mode\":\"listen\"}" \
          "http://$H/api/v1/calls/$2/monitor") || true
        echo "$code $1 $2"' _ > "$work/monitor_codes"
}

# The steady-state window for calls whose first callers hang up at DEADLINE: 10 s, less when they
# end sooner (0 when under 2 s are left).
window_before() {
  python3 -c 'import sys, time; w = min(10, int(float(sys.argv[1]) - time.time())); print(w if w >= 2 else 0)' "$1"
}

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
    start_callers load_rtp.xml
    sleep $(( conc / 100 + 15 ))
    steady_state "$conc" 10
    wait "$callers" || echo "sipp exit $?"
    ;;
  bridged | monitored)
    scenario="$mode, $conc concurrent recorded calls, each held ${secs} s after keying 1 1, RTP both ways, bridged to $conc agents (callers: SIPp tests/sipp/load_bridged.xml, 100 new calls/s; agents: one SIPp UAS tests/sipp/load_answer.xml -rtp_echo)"
    if [ "$mode" = monitored ]; then
      scenario="$scenario, a supervisor listening in on each call once all are bridged (API, ${MONITOR_PARALLEL:-4} requests at a time; their phones: one SIPp UAS tests/sipp/load_answer.xml -rtp_echo)"
    fi
    echo "scenario: $scenario" > "$work/scenario"
    echo "$conc" > "$work/calls"
    start_callers load_bridged.xml
    # The first callers hang up about SECONDS after they start.
    deadline=$(python3 -c 'import sys; print(float(sys.argv[1]) + int(sys.argv[2]))' "$callers_at" "$secs")
    up=$(db_wait bridged "$conc" "$deadline")
    echo "$up" > "$work/bridged_up"
    echo "bridged: $up of $conc calls, $(python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$callers_at") s after the first call"
    if [ "$mode" = monitored ]; then
      m0=$(date +%s.%N)
      monitor_all
      started=$(awk '$1 == 202' "$work/monitor_codes" | wc -l)
      echo "monitoring: $(wc -l < "$work/monitor_codes") asked in $(python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$m0") s: $(awk '{print $1}' "$work/monitor_codes" | sort | uniq -c | awk '{printf "%s x %s  ", $2, $1}')"
      on=$(db_wait monitored "$started" "$deadline")
      echo "$on" > "$work/monitors_on"
      echo "supervisors on: $on"
    fi
    window=$(window_before "$deadline")
    if [ "$window" -gt 0 ] && [ "$up" -gt 0 ]; then
      steady_state "$up" "$window"
    else
      echo "no steady state: no call bridged, or the callers hang up before every call was $mode (give more SECONDS)"
    fi
    wait "$callers" || echo "sipp exit $?"
    ;;
esac

t1=$(cpu_ticks); s1=$(date +%s.%N); rss1=$(rss_kb)
# The media workers' clock: ticks run, late (> 5 ms) and skipped.
curl -s "http://$http/metrics" > "$work/metrics.txt" 2>/dev/null || true
grep -E '^frontdesk_media_ticks(_late|_skipped)?_total[{ ]' "$work/metrics.txt" \
  | awk '{printf "%s ", $2}' > "$work/ticks" || true
sleep 5
rss2=$(rss_kb)
[ "$mode" = leak ] && { echo "RSS before ${rss0} kB, at the end ${rss1} kB, 5 s later ${rss2} kB"; exit 0; }
"$bin" --config "$work/frontdesk.toml" calls list --limit 1000000 --json > "$work/rows.json"
recordings=0
[ -d "$work/data/recordings" ] && recordings=$(find "$work/data/recordings" -name '*.wav' | wc -l)
python3 - "$work" "$t0" "$t1" "$s0" "$s1" "$hz" "$rss0" "$rss1" "$rss2" "$recordings" <<'PY'
import sys, glob, json, re, collections, sqlite3
work, t0, t1, s0, s1, hz, rss0, rss1, rss2, recordings = sys.argv[1:]
t0, t1, s0, s1, hz = map(float, (t0, t1, s0, s1, hz))
rss0, rss1, rss2, recordings = map(int, (rss0, rss1, rss2, recordings))
read = lambda name, default="": (open(f"{work}/{name}").read().strip() if glob.glob(f"{work}/{name}") else default)
calls = int(read("calls", "0") or 0)
print(read("scenario"))
def sipp_totals(name):
    stat = open(f"{work}/{name}").read().splitlines() if glob.glob(f"{work}/{name}") else []
    return dict(zip(stat[0].split(";"), stat[-1].split(";"))) if len(stat) > 1 else {}
row = sipp_totals("stat.csv")
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
levels = collections.Counter()
for line in open(f"{work}/serve.log", errors="replace"):
    m = re.match(r"\S+\s+(WARN|ERROR)\b", line)
    if m: levels[m.group(1)] += 1
    if " media" in line and "received=" in line:
        media += 1
        for k in ("sent", "received", "lost", "late"):
            m = re.search(rf"\b{k}=(\d+)", line)
            if m: tot[k] += int(m.group(1))
            m = re.search(rf"\blegs_{k}=(\d+)", line)
            if m: tot["legs_" + k] += int(m.group(1))
rows = json.load(open(f"{work}/rows.json"))
outcomes = collections.Counter(r["outcome"] for r in rows)
cpu_total = (t1 - t0) / hz
steady = read("cpu_per_call")
per_call_cpu = (steady + " % of a core, steady state " + read("steady")) if steady else f"{cpu_total / max(1, calls) * 1000:.2f} ms CPU per call"
rss_mid = int(read("rss_mid", "0") or 0)
rss_per_call = f"{(rss_mid - rss0) / max(1, calls):.0f} KiB" if rss_mid else "-"
bad = tot["lost"] + tot["late"]
share = 100.0 * bad / max(1, tot["received"] + tot["lost"]) if media else float("nan")
bridged = read("bridged_up") != ""
# The node's own histogram of how long each new call waited for its row before the answer.
opened = {}
for line in read("metrics.txt").splitlines():
    m = re.match(r'frontdesk_call_open_seconds_bucket\{(?:node="[^"]*",)?le="([^"]+)"\} (\d+)', line)
    if m: opened[m.group(1)] = int(m.group(2))
n_open = opened.get("+Inf", 0)
open_share = ", ".join(f"{float(le) * 1000:g} ms {100.0 * opened[le] / n_open:.1f}%" for le in ("0.002", "0.005", "0.01", "0.02") if le in opened) if n_open else "-"
table = [
    ("calls answered / failed (SIPp)", f"{row.get('SuccessfulCall(C)', '?')} / {row.get('FailedCall(C)', '?')}"),
    ("INVITE->200 p50 / p99 / max", f"{q(0.5):.2f} / {q(0.99):.2f} / {rtts[-1] if rtts else float('nan'):.2f} ms (n={len(rtts)})"),
    ("row written before the answer, within", open_share),
    ("SQLite log (-wal), largest seen", f"{max([int(x) for x in read('wal-sizes').split() if x.isdigit()] or [0]) / 2**20:.1f} MiB"),
    ("CPU per call", per_call_cpu),
    ("service CPU, whole run", f"{cpu_total:.1f} s over {s1 - s0:.1f} s"),
    ("RSS start / all up / end / 5 s later", f"{rss0} / {rss_mid or '-'} / {rss1} / {rss2} kB"),
    ("RSS per call (all up)", rss_per_call),
    ("packets sent / received", f"{tot['sent']} / {tot['received']} over {media} calls" + (" (callers' legs)" if bridged else "")),
    ("packets lost or late", f"{bad} ({share:.4f}%)"),
    *([("other legs' packets sent / received / lost or late", f"{tot['legs_sent']} / {tot['legs_received']} / {tot['legs_lost'] + tot['legs_late']} ({100.0 * (tot['legs_lost'] + tot['legs_late']) / max(1, tot['legs_received'] + tot['legs_lost']):.4f}%)")] if bridged else []),
    ("SIPp CPU (steady state)", read("sipp_cpu", "-")),
    ("media ticks run / late / skipped", " / ".join(read("ticks", "- - -").split()) or "-"),
    ("rows / closed", f"{len(rows)} / {sum(1 for r in rows if r['ended_at'])} {dict(outcomes)}"),
    ("recordings", str(recordings)),
]
if bridged:
    agents = sipp_totals("agents.csv")
    table += [
        ("bridged (answered-by-agent rows)", f"{outcomes.get('answered-by-agent', 0)} of {calls}; {read('bridged_up')} bridged at once"),
        ("agents' phones: calls ended / failed (SIPp)", f"{agents.get('SuccessfulCall(C)', '?')} / {agents.get('FailedCall(C)', '?')}"),
    ]
codes = read("monitor_codes")
if codes or read("monitors_on"):
    statuses = collections.Counter(line.split()[0] for line in codes.splitlines())
    db = sqlite3.connect(f"{work}/data/frontdesk.db", timeout=10)
    audit = dict(db.execute("SELECT action, COUNT(*) FROM audit_log WHERE action LIKE 'monitor%' GROUP BY action").fetchall())
    never = db.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'monitor-end' AND detail LIKE 'never joined%'").fetchone()[0]
    sups = sipp_totals("supervisors.csv")
    table += [
        ("monitoring asked / started (202)", f"{sum(statuses.values())} / {statuses.get('202', 0)} {dict(statuses)}"),
        ("supervisors on at once / in all (audit)", f"{read('monitors_on', '-')} / {audit.get('monitor', 0)}; sessions ended {audit.get('monitor-end', 0)}, never joined {never}"),
        ("supervisors' phones: calls ended / failed (SIPp)", f"{sups.get('SuccessfulCall(C)', '?')} / {sups.get('FailedCall(C)', '?')}"),
    ]
table.append(("service log WARN / ERROR lines", f"{levels['WARN']} / {levels['ERROR']}"))
w = max(len(k) for k, _ in table)
print(f"| {'measure'.ljust(w)} | value |")
print(f"|{'-' * (w + 2)}|-------|")
for k, v in table:
    print(f"| {k.ljust(w)} | {v} |")
PY
