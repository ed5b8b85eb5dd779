#!/usr/bin/env bash
# Benchmark of the `als` stage against implicit's AlternatingLeastSquares (factors 64 and 128,
# regularization 0.05, alpha 1, CG, 2 threads), same machine, same run:
#   (a) MovieLens 100k fixed split file (ratings >= 4): s/iteration, precision@10, NDCG@10, peak RSS;
#   (b) ~20M synthetic events from `recpipe demo-data`: s/iteration (3 iterations by default).
# Builds recpipe in release and creates .venv-bench with implicit, numpy, scipy, pandas.
#   scripts/bench_als.sh [--only ml|synthetic] [--synthetic-iterations N] [--events N]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${DATA:-../shared/data/ml-100k}"
WORK="${WORK:-.build-bench-als}"
SPLIT="$DATA/split-ml-100k-pos-ge4-test20-seed42.csv"
[[ -f "$SPLIT" ]] || { echo "missing $SPLIT (set DATA=dir with the MovieLens 100k split file)" >&2; exit 1; }

echo "== building recpipe (release)"
swift build -c release --product recpipe --scratch-path "${SCRATCH:-.build-release}" 2>&1 | tail -1
RECPIPE="$(swift build -c release --scratch-path "${SCRATCH:-.build-release}" --show-bin-path)/recpipe"

echo "== python environment (.venv-bench)"
if [[ ! -x .venv-bench/bin/python ]]; then python3 -m venv .venv-bench; fi
PY=.venv-bench/bin/python
"$PY" -m pip install -q --upgrade pip wheel >/dev/null
"$PY" -m pip install -q numpy scipy pandas threadpoolctl implicit >/dev/null

mkdir -p "$WORK"
"$PY" scripts/bench_als.py --recpipe "$RECPIPE" --split "$SPLIT" --work "$WORK" "$@"
