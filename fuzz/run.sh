#!/usr/bin/env bash
# Fuzzes one of dossier's targets for a while, starting from the seed archive.
#
#   fuzz/run.sh TARGET [SECONDS]     TARGET: dates, values, csv or load; default 600 s
#
# Needs a nightly toolchain and cargo-fuzz (cargo install cargo-fuzz). A crash is
# saved under fuzz/artifacts/TARGET/; replay it with
#   cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-…
# and keep it as a regression test beside the code it found a bug in.
set -euo pipefail
target=${1:?usage: fuzz/run.sh dates|values|csv|load [SECONDS]}
seconds=${2:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/fuzz/corpus/$target"
mkdir -p "$corpus"

# Each target starts from what real input looks like: the seed's dates, values or
# whole files. csv and load read a first byte that picks a chunk size or a file.
column() { # FILE COLUMN-NAME
    python3 - "$1" "$2" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        v = row.get(sys.argv[2]) or ""
        if v:
            print(v)
PY
}
i=0
case "$target" in
dates)
    for c in date; do column "$root/seed/events.csv" "$c"; done | sort -u | while read -r v; do
        printf '%s' "$v" >"$corpus/seed-$((i++))"
    done ;;
values)
    for c in value lower upper; do column "$root/seed/figures.csv" "$c"; done | sort -u | while read -r v; do
        printf '%s' "$v" >"$corpus/seed-$((i++))"
    done ;;
csv | load)
    n=0
    for f in sources actors events figures citations; do
        { printf "\\x$(printf %02x "$n")"; cat "$root/seed/$f.csv"; } >"$corpus/seed-$f"
        n=$((n + 1))
    done ;;
*)
    echo "unknown target $target (dates, values, csv or load)" >&2
    exit 2 ;;
esac

cd "$root/fuzz"
exec cargo +nightly fuzz run -O "$target" "$corpus" -- -max_total_time="$seconds" -max_len=65536 -print_final_stats=1
