#!/usr/bin/env bash
# Sign-in under attack: starts `frontdesk serve` (release) on a fresh SQLite store with USERS users
# (default 100, each with a password) and fires PARALLEL (default 200) console sign-ins (POST /login,
# name and password) at once, one curl each, in four scenarios: wrong passwords for one account;
# wrong passwords for every account; one account hammered while the others sign in; the right
# passwords again. Prints each scenario,
# its status counts, its wall time and the service's peak resident memory so far (VmHWM from
# /proc/PID/status): argon2 takes ~19 MiB per check, so the peak must stay near
# verify_concurrency x 19 MiB above the idle figure, however many sign-ins arrive.
#   scripts/bench-login.sh [PARALLEL] [USERS]
set -euo pipefail
cd "$(dirname "$0")/.."
parallel="${1:-200}"
users="${2:-100}"

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/frontdesk"
work="$(mktemp -d)"
cleanup() {
  [ -n "${svc:-}" ] && kill "$svc" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export FRONTDESK_DATA_DIR="$work/data"
# Every client here comes from one address: lift the per-address connection cap (64), which would
# otherwise close most of them before they could ask, so the figures are about sign-in itself.
export FRONTDESK_HTTP__MAX_CONNECTIONS_PER_ADDRESS=$((parallel + 16))
unset FRONTDESK_DATABASE_URL

"$bin" migrate >/dev/null
: > "$work/right"
for i in $(seq 1 "$users"); do
  echo "pw-of-user$i-right" | "$bin" users add "user$i" --role supervisor --password-stdin \
    >/dev/null 2>&1
  echo "user$i pw-of-user$i-right" >> "$work/right"
done
# The same accounts with a wrong password.
sed 's/ .*$/ not-the-password/' "$work/right" > "$work/wrong_all"

"$bin" serve --prompts-dir "$PWD/prompts" --http-listen 127.0.0.1:0 --sip-listen 127.0.0.1:0 \
  > "$work/ready" 2> "$work/serve.log" &
svc=$!
for _ in $(seq 1 100); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
http=$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$work/ready")
[ -n "$http" ] || { cat "$work/serve.log"; exit 1; }

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$svc/status"; }
echo "frontdesk $(git describe --always --dirty 2>/dev/null || echo '?'), $(nproc) cores," \
  "$parallel parallel sign-ins, $users users; idle: VmRSS $(( $(kib VmRSS) / 1024 )) MiB"

# Fires one POST /login per line ("name password") of file $2, all at once; prints the scenario and
# results: 303 = signed in, 401 = wrong password (checked), 429 limit = refused before any check by the
# failed-sign-in limits, 429 busy = no check slot free within verify_wait_ms (not a failure).
scenario() {
  local name="$1" logins="$2" start end
  rm -rf "$work/out" && mkdir "$work/out"
  start=$(date +%s%N)
  nl -ba "$logins" | xargs -P "$parallel" -L 1 sh -c '
    curl -s -o "$0/out/$2.body" -w "%{http_code}" --max-time 60 -H "Origin: http://$1" \
      --data-urlencode "name=$3" --data-urlencode "password=$4" --data "next=/" \
      "http://$1/login" > "$0/out/$2.code"' \
    "$work" "$http" || true
  end=$(date +%s%N)
  for f in "$work"/out/*.code; do
    code=$(cat "$f")
    if [ "$code" = 429 ]; then
      if grep -q "at once" "${f%.code}.body"; then code="429 busy"; else code="429 limit"; fi
    fi
    echo "$code"
  done > "$work/codes"
  printf '%-52s %-44s %6d ms  VmHWM %4d MiB  VmRSS %4d MiB\n' "$name" \
    "$(sort "$work/codes" | uniq -c | awk '{ c = $1; $1 = ""; printf "%s%s x %s", sep, substr($0, 2), c; sep = ", " }')" \
    $(( (end - start) / 1000000 )) $(( $(kib VmHWM) / 1024 )) $(( $(kib VmRSS) / 1024 ))
}

# N lines taken cyclically from file $2.
cycle() { awk -v n="$1" '{ a[NR] = $0 } END { for (i = 0; i < n; i++) print a[i % NR + 1] }' "$2"; }

# The scenarios. 303 = signed in, 401 = wrong password (checked), 429 = refused before any check
# (or no check slot free within verify_wait_ms). Limits refill for a minute between scenarios.
head -n 1 "$work/wrong_all" > "$work/one"
cycle "$parallel" "$work/one" > "$work/s1"
scenario "1. wrong secrets, one account, one address" "$work/s1"
sleep 61
cycle "$parallel" "$work/wrong_all" > "$work/s2"
scenario "2. wrong secrets, every account, one address" "$work/s2"
sleep 61
# One account hammered while everybody else signs in for the first time, from the same address.
tail -n +2 "$work/right" > "$work/others"
{ cycle $(( parallel / 2 )) "$work/one"; cycle $(( parallel - parallel / 2 )) "$work/others"; } \
  | shuf > "$work/s3"
scenario "3. half wrong (one account), half right (first use)" "$work/s3"
# No pause. Every sign-in is an argon2 check (passwords are not remembered), so beyond the
# slots' throughput within verify_wait_ms the rest are told "busy", never let in unchecked.
cycle "$parallel" "$work/right" > "$work/s4"
scenario "4. right passwords again, at once" "$work/s4"
echo "service log: $(grep -c 'ERROR' "$work/serve.log" || true) errors"
