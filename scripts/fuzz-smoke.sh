#!/usr/bin/env bash
# Runs every fuzz target for a few seconds (default 10): a smoke, not a campaign.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); uses RUSTC_BOOTSTRAP because the machine has only
# a stable toolchain, and no sanitizer (`-s none`) for the same reason.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-10}"
export RUSTC_BOOTSTRAP=1
for target in $(cargo fuzz list); do
  echo "== $target ($secs s)"
  cargo fuzz run -s none "$target" -- -max_total_time="$secs" -rss_limit_mb=1024 2>&1 | tail -n 1
done
