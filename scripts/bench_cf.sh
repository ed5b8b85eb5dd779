#!/usr/bin/env bash
# Benchmark of the cf / split / evaluate stages against scikit-surprise (rating prediction,
# MovieLens 100k 5-fold CV on the same fold files) and implicit (item-kNN top-N on the fixed
# implicit split file). Builds recpipe in release and creates .venv-bench with the peers.
#   scripts/bench_cf.sh [--only ratings|implicit]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${DATA:-../shared/data/ml-100k}"
WORK="${WORK:-.build-bench-cf}"
for f in "$DATA/u.data" "$DATA/split-ml-100k-pos-ge4-test20-seed42.csv"; do
  [[ -f "$f" ]] || { echo "missing $f (set DATA=dir with MovieLens 100k)" >&2; exit 1; }
done

echo "== building recpipe (release)"
swift build -c release --product recpipe --scratch-path "${SCRATCH:-.build-release}" 2>&1 | tail -1
RECPIPE="$(swift build -c release --scratch-path "${SCRATCH:-.build-release}" --show-bin-path)/recpipe"

echo "== python environment (.venv-bench)"
if [[ ! -x .venv-bench/bin/python ]]; then python3 -m venv .venv-bench; fi
PY=.venv-bench/bin/python
"$PY" -m pip install -q --upgrade pip wheel >/dev/null
"$PY" -m pip install -q numpy scipy pandas Cython >/dev/null
"$PY" -m pip install -q implicit || echo "!! could not install implicit; its side will be skipped"
# scikit-surprise may have no wheel for this Python: it then builds from source (numpy + Cython).
"$PY" -m pip install -q scikit-surprise \
  || "$PY" -m pip install -q --no-build-isolation scikit-surprise \
  || echo "!! could not install scikit-surprise (no wheel, source build failed); its side will be skipped"

mkdir -p "$WORK"
"$PY" scripts/bench_cf.py --recpipe "$RECPIPE" --u-data "$DATA/u.data" \
  --split "$DATA/split-ml-100k-pos-ge4-test20-seed42.csv" --work "$WORK" \
  --ratings-pipeline scripts/bench/cf-ratings.yaml --implicit-pipeline scripts/bench/cf-implicit.yaml "$@"
