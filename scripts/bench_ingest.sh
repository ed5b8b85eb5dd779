#!/usr/bin/env bash
# CSV ingest benchmark (issue 3): the UCI Online Retail file (48 MB) and a 10x copy (~480 MB):
# recpipe's ingest stage vs pandas.read_csv and polars.read_csv, same files, same run.
# Builds recpipe in release and creates .venv-bench with pandas and polars. Median (min–max) of
# 3 interleaved runs per file; `--before OLD_RECPIPE` adds an older build as a third side:
#   scripts/bench_ingest.sh [--runs 3] [--before OLD_RECPIPE]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
SRC="${DATA:-../shared/data/online-retail/online-retail.csv}"
WORK="${WORK:-/tmp/recpipe-bench-ingest}"
if [[ ! -f "$SRC" ]]; then echo "skipped: $SRC is absent (the shared data folder must sit beside the repository)"; exit 0; fi

build_recpipe

bench_venv pandas polars

mkdir -p "$WORK"
cp "$SRC" "$WORK/online-retail.csv"
if [[ ! -f "$WORK/online-retail-x10.csv" ]]; then
  { head -1 "$SRC"; for _ in $(seq 10); do tail -n +2 "$SRC"; done; } > "$WORK/online-retail-x10.csv"
fi
sync  # the copies' writeback would otherwise overlap the first timed read
"$PY" scripts/bench_ingest.py --recpipe "$RECPIPE" --pipeline scripts/bench/ingest.yaml \
  --python "$PY" "$@" "$WORK/online-retail.csv" "$WORK/online-retail-x10.csv"
