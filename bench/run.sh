#!/usr/bin/env bash
# dossier's benchmark, in one command: builds dossier and the generator in release
# mode (bench.py asks cargo for them, so CARGO_TARGET_DIR is honoured), generates the
# archives, and times dossier against the sqlite3 shell.
#
#   bench/run.sh                 the full run: comparisons at 1M events, load at 100k, 1M and 10M
#   bench/run.sh --smoke         a quick check that the benchmark works (10k events, one run)
#   bench/run.sh --events 100000 --scale 100000,1000000 --runs 3
#   bench/run.sh --scale "" (comparisons only), bench/run.sh --no-compare (scaling only)
#   bench/run.sh --check-only    dossier check on the 1M-event archive (loaded once, then kept)
#   bench/run.sh --no-compare --scale "" --verify-events 200000 --runs 25 (the load with documents only)
#   bench/run.sh --incremental-only --runs 3   incremental loads beside full ones, at 1M
#
# Generated archives are kept in $DOSSIER_BENCH_DATA (default /tmp/dossier-bench) and
# reused; the comparisons go to bench/results.md, the check's figures to
# bench/results-check.md, the incremental loads to bench/results-incremental.md, the
# scaling rows to bench/results-scaling.md, and the load with documents to
# bench/results-verification.md. Needs the sqlite3 shell and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--smoke" ]; then
  shift
  data=$(mktemp -d)
  trap 'rm -rf "$data"' EXIT
  exec python3 bench/bench.py --events 10000 --scale 10000 --runs 1 --scale-runs 1 \
    --data "$data" --out "$data/results.md" "$@"
fi
exec python3 bench/bench.py "$@"
