#!/usr/bin/env bash
# Set up and run the demo: install system libraries, build recpipe (release, for this CPU: see
# scripts/build.sh), generate the demo shop into data/demo, and run pipelines/demo.yaml. Safe to
# run again: the second run is cached.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(scripts/build.sh)
if [ ! -f data/demo/events.csv ]; then
  "$BIN" demo-data --out data/demo
fi
"$BIN" validate pipelines/demo.yaml
"$BIN" run pipelines/demo.yaml "$@"
