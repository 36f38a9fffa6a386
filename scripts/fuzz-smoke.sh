#!/usr/bin/env bash
# Runs every fuzz target for a few seconds (default 10): a smoke, not a campaign.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); uses RUSTC_BOOTSTRAP because the machine has only
# a stable toolchain, and no sanitizer (`-s none`) for the same reason. Built unoptimised (`--dev`):
# a smoke of seconds needs no optimiser, and the optimised build took 14 minutes of CI's run.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-10}"
export RUSTC_BOOTSTRAP=1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo fuzz build --dev -s none >"$log" 2>&1 || { tail -n 40 "$log"; exit 1; }
for target in $(cargo fuzz list); do
  if cargo fuzz run --dev -s none "$target" -- -max_total_time="$secs" -rss_limit_mb=1024 >"$log" 2>&1; then
    echo "$target: $(grep -E '^Done' "$log" | tail -n 1)"
  else
    echo "$target: FAILED"
    tail -n 60 "$log"
    exit 1
  fi
done
