#!/usr/bin/env bash
# Lua plugin throughput (issue 16), instruction budget on, pinned to one core (taskset -c 0):
#   map        over the 541,909 Online Retail lines, rows/s: returning a new table per row
#              (scripts/bench/plugin_map.lua) and filling the reused `out` (plugin_map_out.lua);
#              peers: the same map with pandas DataFrame.apply and a plain Python loop;
#   candidates for USERS (default 100,000) synthetic users (10 baskets of 3 items each, 5,000
#              items), candidates kept/s and users/s (host sort and cut included): bought_together
#              as shipped (pipelines/plugins/bought_together.lua, a ctx.scores() table), the same
#              model as a Lua loop with u:seen (scripts/bench/bought_together_loop.lua) and the
#              first item's neighbours as pairs (scripts/bench/first_neighbors.lua); peers: the
#              same models in plain Python over the same co-occurrence lists.
# Median of RUNS (default 3) interleaved runs, with the spread and the load average. Goals:
# >= 2 M rows/s/core (map), >= 1 M candidates/s/core. Builds recpipe in release and creates
# .venv-bench with pandas. RECPIPE_BEFORE=path adds an older binary to the same interleaved runs
# (before/after; it runs the plugins it supports; RECPIPE_BEFORE_SCORES=1 when it has ctx.scores(), so
# it runs the shipped bought_together too; RECPIPE_BEFORE_OUT=1 when it passes `out`). NO_LOOP=1 leaves out the Lua-loop version (minutes per run at 100,000
# users).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
SRC="${DATA:-../shared/data/online-retail/online-retail.csv}"
WORK=/tmp/recpipe-bench-plugins
if [[ ! -f "$SRC" ]]; then echo "skipped: $SRC is absent (the shared data folder must sit beside the repository)"; exit 0; fi
build_recpipe
bench_venv pandas
mkdir -p "$WORK"
# One core for everything: a stage's workers follow the cores the process may run on (its CPU
# affinity), so pinning makes the figures per core with one worker. (A binary older than that
# runs two workers on the one core.)
PIN=(); if command -v taskset >/dev/null; then PIN=(taskset -c 0); fi
"${PIN[@]}" "$PY" scripts/bench_plugins.py --recpipe "$RECPIPE" --pipeline scripts/bench/plugins.yaml --data "$SRC" \
  --work "$WORK" --runs "${RUNS:-3}" --users "${USERS:-100000}" ${RECPIPE_BEFORE:+--before "$RECPIPE_BEFORE"} ${RECPIPE_BEFORE_SCORES:+--before-scores} ${RECPIPE_BEFORE_OUT:+--before-out} ${NO_LOOP:+--no-loop}
