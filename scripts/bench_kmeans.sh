#!/usr/bin/env bash
# Benchmarks of the profiling half (issue 5), same machine, same run:
#   (a) k-means on 200,000 × 16 Gaussian blobs (k = 20, n_init 1, k-means++): scikit-learn's
#       KMeans (lloyd, elkan) vs recpipe's `cluster` stage run by `recpipe run`
#       (scripts/bench/kmeans-blobs.yaml; the stage's seconds and inertia read from the manifest);
#   (b) user features for 1,000,000 demo events (scripts/bench/user-features.yaml; encode seconds);
#   (c) the demo shop's planted segments recovered (scripts/bench/demo-segments.yaml; ARI).
# Builds recpipe in release and creates .venv-bench with numpy and scikit-learn.
#   scripts/bench_kmeans.sh [--only kmeans|features|ari]
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${WORK:-/tmp/recpipe-bench-kmeans}"

echo "== building recpipe (release)"
swift build -c release --product recpipe --scratch-path "${SCRATCH:-.build-release}" 2>&1 | tail -1
RECPIPE="$(swift build -c release --scratch-path "${SCRATCH:-.build-release}" --show-bin-path)/recpipe"

echo "== python environment (.venv-bench)"
if [[ ! -x .venv-bench/bin/python ]]; then python3 -m venv .venv-bench; fi
PY=.venv-bench/bin/python
"$PY" -m pip install -q numpy scikit-learn >/dev/null

mkdir -p "$WORK"
"$PY" scripts/bench_kmeans.py --recpipe "$RECPIPE" --work "$WORK" "$@"
