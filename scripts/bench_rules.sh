#!/usr/bin/env bash
# Lua rule throughput (issue 4): evaluations per second per core of a 3-condition tag rule and a
# 2-condition filter, instruction budget on. Target: >= 3 million/s/core.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
build_recpipe
"$RECPIPE" rules bench --evaluations "${EVALUATIONS:-3000000}"
echo "target: 3.00 M evaluations/s/core"
