#!/usr/bin/env bash
# Times `frontdesk clients import` and `frontdesk dnc import` of 100,000 rows on SQLite and, when it
# answers, PostgreSQL (127.0.0.1:5432/test, in a throwaway schema). Usage: scripts/bench-import.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-100000}"
cargo build --release --quiet
bin="$PWD/target/release/frontdesk"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$rows" "$work" <<'PY'
import sys, random
n, work = int(sys.argv[1]), sys.argv[2]
zones = ["Europe/Vilnius", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide", ""]
langs = ["lt", "en", "ru", "uk", ""]
with open(f"{work}/clients.csv", "w") as f:
    f.write("phone,name,language,time_zone,hours\n")
    for i in range(n):
        f.write(f"+3706{1000000 + i:07d},Client {i},{random.choice(langs)},{random.choice(zones)},Mon-Fri 09:00-18:00\n")
with open(f"{work}/dnc.csv", "w") as f:
    f.write("phone,reason\n")
    for i in range(n):
        f.write(f"+3706{3000000 + i:07d},registry\n")
PY

measure() { # label, then the command
  local label="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; print(f\"{sys.argv[1]:<38} {float(sys.argv[3]) - float(sys.argv[2]):8.2f} s\")" "$label" "$start" "$end"
}

cd "$work"
export FRONTDESK_DATABASE_URL="sqlite://$work/bench.db"
measure "sqlite: clients import $rows" "$bin" clients import clients.csv
measure "sqlite: clients re-import (update)" "$bin" clients import clients.csv
measure "sqlite: dnc import $rows" "$bin" dnc import dnc.csv

if pg_isready -q -h 127.0.0.1 -p 5432; then
  schema="fdbench_$$"
  psql -q -h 127.0.0.1 -U postgres test -c "CREATE SCHEMA $schema"
  export FRONTDESK_DATABASE_URL="postgres://postgres@127.0.0.1:5432/test?options[search_path]=$schema"
  measure "postgres: clients import $rows" "$bin" clients import clients.csv
  measure "postgres: clients re-import (update)" "$bin" clients import clients.csv
  measure "postgres: dnc import $rows" "$bin" dnc import dnc.csv
  psql -q -h 127.0.0.1 -U postgres test -c "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE"
else
  echo "PostgreSQL does not answer on 127.0.0.1:5432: skipped"
fi
