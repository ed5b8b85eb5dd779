#!/usr/bin/env bash
# Benchmark of the cf / split / evaluate stages against scikit-surprise (rating prediction,
# MovieLens 100k 5-fold CV on the same fold files) and implicit (item-kNN top-N on the fixed
# implicit split file). Builds recpipe in release and creates .venv-bench with the peers.
#   scripts/bench_cf.sh [--only ratings|implicit] [--runs 5] [--before OLD_RECPIPE]   (--runs and --before:
#   the item-kNN part, interleaved, median and spread)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
DATA="${DATA:-../shared/data/ml-100k}"
WORK="${WORK:-.build-bench-cf}"
for f in "$DATA/u.data" "$DATA/split-ml-100k-pos-ge4-test20-seed42.csv"; do
  [[ -f "$f" ]] || { echo "missing $f (set DATA=dir with MovieLens 100k)" >&2; exit 1; }
done

build_recpipe

bench_venv numpy scipy pandas
"$PY" -m pip install -q implicit || echo "!! could not install implicit; its side will be skipped"
install_surprise

mkdir -p "$WORK"
"$PY" scripts/bench_cf.py --recpipe "$RECPIPE" --u-data "$DATA/u.data" \
  --split "$DATA/split-ml-100k-pos-ge4-test20-seed42.csv" --work "$WORK" \
  --ratings-pipeline scripts/bench/cf-ratings.yaml --implicit-pipeline scripts/bench/cf-implicit.yaml "$@"
