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
source scripts/bench-common.sh
WORK="${WORK:-/tmp/recpipe-bench-kmeans}"

build_recpipe

bench_venv numpy scikit-learn

mkdir -p "$WORK"
"$PY" scripts/bench_kmeans.py --recpipe "$RECPIPE" --work "$WORK" "$@"
