#!/usr/bin/env bash
# Regenerates prompts/music_on_hold.wav, the default music on hold: a soft, synthesised 8 s loop
# (C - Am - F - G, plucked chords over a quiet pad), made here with sox so it is free of anyone's
# rights. Output: RIFF WAV, mono, 8000 Hz, signed 16-bit PCM, peak -6 dBFS. Needs: sox.
# Running it again gives the same file.

set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v sox >/dev/null 2>&1 || { echo "generate-music.sh: sox not found (apt-get install sox)" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

chord() { # name, three notes
    local name="$1"; shift
    sox -n -r 8000 -c 3 -b 16 "$TMP/$name-pluck.wav" synth 2 pluck "$1" pluck "$2" pluck "$3" \
        remix - fade t 0.01 2 0.3
    sox -n -r 8000 -c 2 -b 16 "$TMP/$name-pad.wav" synth 2 sine "$1" sine "$2" \
        remix - vol 0.25 fade t 0.2 2 0.2
    sox -m "$TMP/$name-pluck.wav" "$TMP/$name-pad.wav" -c 1 "$TMP/$name.wav"
}
chord c C4 E4 G4
chord am A3 C4 E4
chord f F3 A3 C4
chord g G3 B3 D4
sox "$TMP/c.wav" "$TMP/am.wav" "$TMP/f.wav" "$TMP/g.wav" -r 8000 -c 1 -b 16 -e signed-integer \
    "$DIR/music_on_hold.wav" norm -6
soxi "$DIR/music_on_hold.wav"
