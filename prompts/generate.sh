#!/usr/bin/env bash
# Regenerates every prompts/<lang>/<name>.wav from prompts/<lang>/prompts.toml
# with espeak-ng and sox. Needs: espeak-ng, sox, python3 >= 3.11 (tomllib).
#
# COMPANY NAME: greeting.wav says the company name, but the WAVs are static files, so the
# name is fixed here, when they are generated. It comes from FRONTDESK_COMPANY_NAME if set,
# else from FRONTDESK_COMPANY__NAME (the service's own variable for [company] name), else
# "Example Ltd". Regenerate after changing [company] name in the configuration:
#
#     FRONTDESK_COMPANY_NAME="Acme UAB" prompts/generate.sh
#
# Output: RIFF WAV, mono, 8000 Hz, signed 16-bit PCM, leading silence trimmed, 0.2 s of
# trailing silence, peak normalised to -3 dBFS. language_menu.wav is one segment per
# language, each in that language's voice, joined in LANGS order; the same file is
# written into every language directory.
#
# Running it again gives the same files. It ends by checking every WAV (format, duration)
# and that all language directories hold the same set of names, and fails if not.

set -euo pipefail

# Languages, in the order their segments are spoken in language_menu.wav.
LANGS=(en ru uk lt)
SPEED=160          # espeak-ng words per minute (default 175 is a little fast on a phone line)
TRAIL=0.2          # seconds of silence after each prompt
MENU_GAP=0.4       # seconds between the language_menu segments
MIN_DURATION=0.3   # the final check fails for anything shorter

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMPANY="${FRONTDESK_COMPANY_NAME:-${FRONTDESK_COMPANY__NAME:-Example Ltd}}"

die() { echo "generate.sh: $*" >&2; exit 1; }

for tool in espeak-ng sox soxi; do
    command -v "$tool" >/dev/null 2>&1 \
        || die "$tool not found; install it with: apt-get install espeak-ng sox"
done
command -v python3 >/dev/null 2>&1 || die "python3 (3.11 or newer) not found"
python3 -c 'import tomllib' 2>/dev/null || die "python3 has no tomllib; Python 3.11 or newer is needed"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Reads the TOML files and prints one job per line, fields separated by tabs (words listed
# in a file's optional [pronounce] table are replaced by [[espeak-ng phonemes]] in its texts):
#   prompt <lang> <voice> <name> <text>
#   menu   <lang> <voice> -      <text>
PLAN="$TMP/plan.tsv"
python3 - "$DIR" "$COMPANY" "${LANGS[@]}" >"$PLAN" <<'PY'
import re, sys, tomllib
from pathlib import Path

root, company, langs = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
errors = []

def clean(where, text):
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{where}: must be a non-empty string")
        return None
    if "\t" in text or "\n" in text or "\r" in text:
        errors.append(f"{where}: tabs and line breaks are not allowed")
        return None
    return text.replace("{company}", company).strip()

def spoken(text):
    return respell(text) if respell and text else text

for lang in langs:
    path = root / lang / "prompts.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        errors.append(f"{path}: missing")
        continue
    except tomllib.TOMLDecodeError as e:
        errors.append(f"{path}: {e}")
        continue
    voice = data.pop("voice", None)
    if not isinstance(voice, str) or not voice:
        errors.append(f"{path}: top-level 'voice' (an espeak-ng voice) is required")
        continue
    pronounce = data.pop("pronounce", {})
    if not isinstance(pronounce, dict) or not all(
        isinstance(w, str) and w and isinstance(ph, str) and ph and "]]" not in ph
        for w, ph in pronounce.items()
    ):
        errors.append(f"{path}: [pronounce] must map words to espeak-ng phoneme strings")
        pronounce = {}
    # One pass, whole words only, longest first; a replacement is never scanned again.
    respell = None
    if pronounce:
        words = sorted(pronounce, key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)")
        respell = lambda text: pattern.sub(lambda m: "[[" + pronounce[m.group(1)] + "]]", text)
    # [templates] are rendered by the service itself (src/speech), not here.
    data.pop("templates", None)
    menu = data.pop("language_menu", None)
    if not isinstance(menu, dict) or set(menu) != {lang}:
        errors.append(f"{path}: needs a [language_menu] table with exactly one key, {lang} = \"...\"")
    else:
        text = spoken(clean(f"{path}: language_menu.{lang}", menu[lang]))
        if text:
            print("menu", lang, voice, "-", text, sep="\t")
    for name, value in data.items():
        if not re.fullmatch(r"[a-z0-9_]+", name):
            errors.append(f"{path}: bad prompt name {name!r} (use a-z, 0-9, _)")
            continue
        text = spoken(clean(f"{path}: {name}", value))
        if text:
            print("prompt", lang, voice, name, text, sep="\t")

if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
PY

for lang in "${LANGS[@]}"; do
    voice="$(awk -F'\t' -v l="$lang" '$2 == l { print $3; exit }' "$PLAN")"
    espeak-ng -v "$voice" -q -- "a" </dev/null >/dev/null 2>&1 \
        || die "espeak-ng has no voice '$voice' (for $lang); see: espeak-ng --voices=$lang"
done

# speak VOICE TEXT OUT: synthesise, trim silence at both ends, resample to 8 kHz mono 16-bit.
speak() {
    espeak-ng -v "$1" -s "$SPEED" -w "$TMP/raw.wav" -- "$2" </dev/null
    sox -V1 -D -R "$TMP/raw.wav" -c 1 -b 16 -e signed-integer "$3" </dev/null \
        silence 1 0.005 -55d reverse silence 1 0.005 -55d reverse \
        rate -h 8000
}

# finish IN OUT: add the trailing silence, normalise, write OUT atomically.
finish() {
    sox -V1 -D -R "$1" -r 8000 -c 1 -b 16 -e signed-integer "$TMP/final.wav" </dev/null \
        pad 0 "$TRAIL" gain -n -3
    mv -f "$TMP/final.wav" "$2"
}

count=0
menu_parts=()
while IFS=$'\t' read -r kind lang voice name text; do
    case "$kind" in
    prompt)
        speak "$voice" "$text" "$TMP/speech.wav"
        finish "$TMP/speech.wav" "$DIR/$lang/$name.wav"
        count=$((count + 1))
        ;;
    menu)
        part="$TMP/menu_${#menu_parts[@]}.wav"
        speak "$voice" "$text" "$TMP/speech.wav"
        if [ "${#menu_parts[@]}" -gt 0 ]; then
            sox -V1 -D -R "$TMP/speech.wav" "$part" pad "$MENU_GAP" 0 </dev/null
        else
            cp "$TMP/speech.wav" "$part"
        fi
        menu_parts+=("$part")
        ;;
    esac
done <"$PLAN"

[ "${#menu_parts[@]}" -eq "${#LANGS[@]}" ] || die "expected ${#LANGS[@]} language_menu segments, got ${#menu_parts[@]}"
sox -V1 -D -R "${menu_parts[@]}" "$TMP/menu.wav"
for lang in "${LANGS[@]}"; do
    finish "$TMP/menu.wav" "$DIR/$lang/language_menu.wav"
    count=$((count + 1))
done
echo "generated $count files (company name in greeting: \"$COMPANY\")"

# ---- check -------------------------------------------------------------------------------
fail=0
for lang in "${LANGS[@]}"; do
    # Expected: every prompt of this language's TOML, plus language_menu.
    { awk -F'\t' -v l="$lang" '$1 == "prompt" && $2 == l { print $4 }' "$PLAN"; echo language_menu; } \
        | sort >"$TMP/expected.$lang"
    find "$DIR/$lang" -maxdepth 1 -name '*.wav' -printf '%f\n' | sed 's/\.wav$//' | sort >"$TMP/present.$lang"
    extra="$(comm -13 "$TMP/expected.$lang" "$TMP/present.$lang")"
    if [ -n "$extra" ]; then
        echo "FAIL $lang: WAV files not in $lang/prompts.toml (delete them or add their text):" $extra >&2
        fail=1
    fi
done
sort -u "$TMP"/expected.* >"$TMP/all"
total=0
for lang in "${LANGS[@]}"; do
    missing="$(comm -23 "$TMP/all" "$TMP/expected.$lang")"
    if [ -n "$missing" ]; then
        echo "FAIL $lang: missing prompts (present in another language):" $missing >&2
        fail=1
    fi
    seconds=0
    while read -r name; do
        f="$DIR/$lang/$name.wav"
        [ -f "$f" ] || { echo "FAIL $lang/$name.wav: not written" >&2; fail=1; continue; }
        rate="$(soxi -r "$f")" chans="$(soxi -c "$f")" bits="$(soxi -b "$f")"
        enc="$(soxi -e "$f")" type="$(soxi -t "$f")" dur="$(soxi -D "$f")"
        if [ "$type" != wav ] || [ "$rate" != 8000 ] || [ "$chans" != 1 ] || [ "$bits" != 16 ] \
            || [ "$enc" != "Signed Integer PCM" ] \
            || ! awk -v d="$dur" -v m="$MIN_DURATION" 'BEGIN { exit !(d > m) }'; then
            echo "FAIL $lang/$name.wav: $type $rate Hz, $chans ch, $bits bit, $enc, ${dur}s" >&2
            fail=1
        fi
        seconds="$(awk -v a="$seconds" -v b="$dur" 'BEGIN { print a + b }')"
    done <"$TMP/expected.$lang"
    n="$(wc -l <"$TMP/expected.$lang")"
    size="$(du -sh "$DIR/$lang" | cut -f1)"
    printf '%-3s %3d prompts  %6.1f s  %5s  voice %s\n' "$lang" "$n" "$seconds" "$size" \
        "$(awk -F'\t' -v l="$lang" '$2 == l { print $3; exit }' "$PLAN")"
    total=$((total + n))
done
[ "$fail" -eq 0 ] || die "check failed"
echo "ok: $total files, the same $(wc -l <"$TMP/all") names in ${#LANGS[@]} languages, all 8000 Hz mono 16-bit PCM, longer than ${MIN_DURATION}s"
