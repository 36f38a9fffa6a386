#!/usr/bin/env bash
# Callback promise rendering under load: N promises (default 100) requested at once through the
# path a call uses (espeak-ng, one process per sentence, at most 8 at a time), each timed from
# the request to its audio. The p99 must stay under the confirmation prompt's length, which
# plays meanwhile, for no caller to wait. Needs espeak-ng.
#   scripts/bench-speech.sh [N]            release build
#   PROFILE=dev scripts/bench-speech.sh    without a release build
set -euo pipefail
cd "$(dirname "$0")/.."
command -v espeak-ng >/dev/null || { echo "espeak-ng not installed (apt-get install espeak-ng)" >&2; exit 1; }
echo "espeak-ng: $(espeak-ng --version | sed 's/ *Data at.*//')"
echo "one sentence, one process:"
for i in 1 2 3; do
  /usr/bin/time -f "  %e s wall, %U s user" espeak-ng -v ru -s 160 --stdout \
    "Мы перезвоним вам 30 ноября, понедельник, с 9:00 до 9:30." >/dev/null
done
cargo bench --quiet --profile "${PROFILE:-release}" --bench speech -- "${1:-100}"
