#!/usr/bin/env bash
# Benchmark of the `als` stage against implicit's AlternatingLeastSquares (factors 64 and 128,
# regularization 0.05, alpha 1, CG, 2 threads), same machine, same run:
#   (a) MovieLens 100k fixed split file (ratings >= 4), 5 seeds each side: s/iteration, precision@10,
#       NDCG@10 (per seed and mean), peak RSS;
#   (b) synthetic shops from `recpipe demo-data` (2 M, 8 M, 20 M events): s/iteration and peak RSS of
#       the als stage alone (data prepared first; 3 iterations), median and spread of 3 interleaved
#       runs per side, both peaks and the ratios.
# Builds recpipe in release and creates .venv-bench with implicit, numpy, scipy, pandas.
#   scripts/bench_als.sh [--only ml|synthetic] [--seeds 42,1,2,3,4] [--synthetic-iterations N]
#                        [--events 2000000,20000000] [--factors 64,128] [--runs 3] [--before OLD_RECPIPE]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
DATA="${DATA:-../shared/data/ml-100k}"
WORK="${WORK:-.build-bench-als}"
SPLIT="$DATA/split-ml-100k-pos-ge4-test20-seed42.csv"
[[ -f "$SPLIT" ]] || { echo "missing $SPLIT (set DATA=dir with the MovieLens 100k split file)" >&2; exit 1; }

build_recpipe

bench_venv numpy scipy pandas threadpoolctl implicit

mkdir -p "$WORK"
"$PY" scripts/bench_als.py --recpipe "$RECPIPE" --split "$SPLIT" --work "$WORK" "$@"
