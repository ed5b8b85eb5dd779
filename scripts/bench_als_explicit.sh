#!/usr/bin/env bash
# Benchmark of explicit ALS (`als` with implicit: false, biases, per-count λ) against
# scikit-surprise's SVD (defaults) on MovieLens 100k u.data, 5-fold CV with the same fold files
# both sides (written by scripts/bench_cf.py's write_folds, seed 42): mean RMSE / MAE and fit time.
# Builds recpipe in release and creates .venv-bench with numpy, pandas and scikit-surprise.
#   scripts/bench_als_explicit.sh [--factors 50] [--regularization 0.12] [--iterations 15]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${DATA:-../shared/data/ml-100k}"
WORK="${WORK:-.build-bench-als-explicit}"
[[ -f "$DATA/u.data" ]] || { echo "missing $DATA/u.data (set DATA=dir with MovieLens 100k)" >&2; exit 1; }

echo "== building recpipe (release)"
swift build -c release --product recpipe --scratch-path "${SCRATCH:-.build-release}" 2>&1 | tail -1
RECPIPE="$(swift build -c release --scratch-path "${SCRATCH:-.build-release}" --show-bin-path)/recpipe"

echo "== python environment (.venv-bench)"
if [[ ! -x .venv-bench/bin/python ]]; then python3 -m venv .venv-bench; fi
PY=.venv-bench/bin/python
"$PY" -m pip install -q --upgrade pip wheel >/dev/null
"$PY" -m pip install -q numpy scipy pandas Cython >/dev/null
# scikit-surprise may have no wheel for this Python: it then builds from source (numpy + Cython).
"$PY" -m pip install -q scikit-surprise \
  || "$PY" -m pip install -q --no-build-isolation scikit-surprise \
  || echo "!! could not install scikit-surprise (no wheel, source build failed); its side will be skipped"

mkdir -p "$WORK"
"$PY" scripts/bench_als_explicit.py --recpipe "$RECPIPE" --u-data "$DATA/u.data" --work "$WORK" \
  --pipeline scripts/bench/als-explicit.yaml "$@"
