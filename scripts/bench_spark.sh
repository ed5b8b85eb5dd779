#!/usr/bin/env bash
# Native vs Spark local[*] (every core; --master to change), same run: ALS f = 64 (Spark's
# settings on both sides: c = 1 + α·r, λ·n, exact solves) and k-means (k = 8) on synthetic demo
# shops of 1 M and 4 M events (add 16 M with --events 1000000,4000000,16000000). Median wall time and peak memory (recpipe plus the
# Spark JVM and its Python workers) of interleaved runs, and the ratio.
# Builds recpipe in release and installs pyspark into .venv-spark (needs Java 17+).
#   scripts/bench_spark.sh [--events 1000000,4000000] [--runs 3] [--master "local[*]"] [--iterations 5]
#                          [--engines native,spark]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
WORK="${WORK:-.build-bench-spark}"
java -version 2>&1 | head -1
build_recpipe
if [[ ! -x .venv-spark/bin/spark-submit ]]; then
  python3 -m venv .venv-spark
  .venv-spark/bin/pip install -q pyspark numpy
fi
export PATH="$PWD/.venv-spark/bin:$PATH"
mkdir -p "$WORK"
python3 scripts/bench_spark.py --recpipe "$RECPIPE" --work "$WORK" "$@"
