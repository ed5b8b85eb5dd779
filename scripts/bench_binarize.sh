#!/usr/bin/env bash
# Summed vs binarized interactions, item-kNN and ALS, on Online Retail (invoice lines: summed =
# Σ quantity per customer × product) and MovieLens 100k (summed = the rating): precision@10 and
# NDCG@10 of each, beside the popularity baseline evaluate measures. Decides encode's default.
#   scripts/bench_binarize.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(scripts/build.sh | tail -1)
metrics() { grep -E "^(itemcf(_eval)?|als(_eval)?|popularity baseline): " | sed -E 's/, (recall|map|hit_rate|coverage|popularity|popularity_percentile|users_evaluated)[^,]*//g'; }
for b in false true; do
  echo "== Online Retail, binarize: $b"
  "$bin" run pipelines/online-retail.yaml --set matrix.binarize=$b --to quality | metrics
done
for v in rating none; do
  echo "== MovieLens 100k, value_column: $v ($([ $v = none ] && echo binarized || echo summed ratings))"
  "$bin" run scripts/bench/binarize-ml100k.yaml --set vars.value=$v | metrics
done
