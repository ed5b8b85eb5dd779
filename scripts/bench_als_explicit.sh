#!/usr/bin/env bash
# Benchmark of explicit ALS (`als` with implicit: false, biases, per-count λ) against
# scikit-surprise's SVD (defaults) on MovieLens 100k u.data, 5-fold CV with the same fold files
# both sides (written by scripts/bench_cf.py's write_folds, seed 42): mean RMSE / MAE and fit time.
# Builds recpipe in release and creates .venv-bench with numpy, pandas and scikit-surprise.
#   scripts/bench_als_explicit.sh [--factors 50] [--regularization 0.12] [--iterations 15]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
DATA="${DATA:-../shared/data/ml-100k}"
WORK="${WORK:-.build-bench-als-explicit}"
[[ -f "$DATA/u.data" ]] || { echo "missing $DATA/u.data (set DATA=dir with MovieLens 100k)" >&2; exit 1; }

build_recpipe

bench_venv numpy scipy pandas
install_surprise

mkdir -p "$WORK"
"$PY" scripts/bench_als_explicit.py --recpipe "$RECPIPE" --u-data "$DATA/u.data" --work "$WORK" \
  --pipeline scripts/bench/als-explicit.yaml "$@"
