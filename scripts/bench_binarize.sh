#!/usr/bin/env bash
# Summed vs binarized interactions, item-kNN and ALS, on Online Retail (invoice lines: summed =
# the number of lines per customer × product) and MovieLens 100k (summed = the rating):
# precision@10 and NDCG@10 of each, beside the popularity baseline evaluate measures. Decided
# encode's default (`binarize: auto`). Quality, not speed: the load on the machine does not
# change the figures; the seeds (split and model initialisation) give their spread.
#   scripts/bench_binarize.sh                 # release build, seeds 42 43 44
#   RECPIPE=path/to/recpipe SEEDS="42 43" scripts/bench_binarize.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${RECPIPE:-$(scripts/build.sh | tail -1)}
seeds=${SEEDS:-42 43 44}
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

# `MODEL: precision@10 X, recall@10 …, ndcg@10 Y, …` → `DATA MODE MODEL P NDCG` lines.
collect() {
  grep -E "^(itemcf(_eval)?|als(_eval)?|popularity baseline): precision@10" \
    | sed -E "s/^([a-z_ ]+): precision@10 ([0-9.]+).*ndcg@10 ([0-9.]+).*/$1 $2 \1 \2 \3/; s/_eval / /; s/popularity baseline/popularity/" \
    >>"$raw" || true
}

# Interleaved: each seed runs summed then binarized, on both data sets.
for seed in $seeds; do
  for b in false true; do
    mode=$([ $b = true ] && echo binarized || echo summed)
    echo "== seed $seed, Online Retail, $mode" >&2
    "$bin" run pipelines/online-retail.yaml --set matrix.binarize=$b --set seed=$seed --to quality --force | collect online-retail $mode
    v=$([ $b = true ] && echo none || echo rating)
    echo "== seed $seed, MovieLens 100k, $mode" >&2
    "$bin" run scripts/bench/binarize-ml100k.yaml --set vars.value=$v --set seed=$seed --force | collect ml-100k $mode
  done
done

python3 - "$raw" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    data, mode, model, p, ndcg = line.split()
    rows.setdefault((data, model, mode), []).append((float(p), float(ndcg)))
def cell(v):
    if not v: return "-"
    return f"{statistics.median(v):.4f} ({min(v):.4f}-{max(v):.4f})"
print(f"{'data':14} {'model':10} {'':9} {'precision@10 median (range)':30} {'NDCG@10 median (range)':30} runs")
for (data, model) in sorted({(d, m) for d, m, _ in rows}, key=lambda k: (k[0] != "online-retail", k[1])):
    for mode in ("summed", "binarized"):
        v = rows.get((data, model, mode), [])
        print(f"{data:14} {model:10} {mode:9} {cell([x[0] for x in v]):30} {cell([x[1] for x in v]):30} {len(v)}")
for (data, model) in sorted({(d, m) for d, m, _ in rows}):
    s, b = rows.get((data, model, "summed")), rows.get((data, model, "binarized"))
    if s and b:
        dp = statistics.median(x[0] for x in b) - statistics.median(x[0] for x in s)
        dn = statistics.median(x[1] for x in b) - statistics.median(x[1] for x in s)
        print(f"{data} {model}: binarized - summed = {dp:+.4f} precision@10, {dn:+.4f} NDCG@10")
EOF
