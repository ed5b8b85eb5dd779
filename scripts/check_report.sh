#!/usr/bin/env bash
# Renders the demo shop's and Online Retail's run reports and checks them as a reader would see
# them, in headless Chromium (scripts/check_report.py): no console errors, nothing fetched from the
# network, no element wider than the page, no chart text cut off, no empty chart, every section
# the pipeline has stages for filled with charts, each page under 2 MB. Writes PNG and PDF renders
# to out/report-check/. Online Retail is skipped, saying so, when its file is absent.
#   scripts/check_report.sh                      # release build (scripts/build.sh): Online Retail trains ALS twice
#   RECPIPE_BIN=.build/debug/recpipe scripts/check_report.sh   # any binary
# Needs: chromium (Debian package) and websocket-client (PyPI); .ci/run installs both.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "check_report: chromium is missing (apt-get install chromium)" >&2; exit 1; }
python3 -c "import websocket" 2>/dev/null || { echo "check_report: websocket-client is missing (pip install websocket-client)" >&2; exit 1; }
if [ -z "${RECPIPE_BIN:-}" ]; then
  RECPIPE_BIN=$(scripts/build.sh | tail -1)
fi
BIN=$(cd "$(dirname "$RECPIPE_BIN")" && pwd)/$(basename "$RECPIPE_BIN")
WORK=out/report-check
rm -rf "$WORK"
mkdir -p "$WORK"

# The sections a pipeline has stages for: customers (tag/cluster), models (evaluate/cf/als/popular), rules (rank).
sections_for() {
  local p=$1 s=run
  grep -Eq 'uses: *(tag|cluster)\b' "$p" && s="$s,customers"
  grep -Eq 'uses: *(evaluate|cf|als|popular)\b' "$p" && s="$s,models"
  grep -Eq 'uses: *rank\b' "$p" && s="$s,rules"
  echo "$s"
}

# Demo shop: the repository's pipeline and rules in a scratch project, run, a promotion raised,
# run again, so the Rules section has a before/after.
DEMO=$WORK/demo
mkdir -p "$DEMO/pipelines"
cp pipelines/demo.yaml "$DEMO/pipelines/"
cp -r pipelines/rules "$DEMO/pipelines/"
cp -r pipelines/plugins "$DEMO/pipelines/"
"$BIN" demo-data --out "$DEMO/data/demo" >/dev/null
"$BIN" run "$DEMO/pipelines/demo.yaml" >/dev/null
sed -i 's/boost = 1.3/boost = 2.0/' "$DEMO/pipelines/rules/promotions.lua"
"$BIN" run "$DEMO/pipelines/demo.yaml" >/dev/null
"$BIN" report "$DEMO/pipelines/demo.yaml" --out "$WORK/demo-report.html"
python3 scripts/check_report.py --require "$(sections_for pipelines/demo.yaml)" "$WORK" "$WORK/demo-report.html"

# The pipeline's own path to the file (../shared/data beside the repository); RETAIL_FILE runs it
# on another copy, as an experiment (--set).
RETAIL=${RETAIL_FILE:-../shared/data/online-retail/online-retail.csv}
if [ -f "$RETAIL" ]; then
  if [ -n "${RETAIL_FILE:-}" ]; then
    "$BIN" run pipelines/online-retail.yaml --set "vars.file=$(cd "$(dirname "$RETAIL")" && pwd)/$(basename "$RETAIL")" >/dev/null
  else
    "$BIN" run pipelines/online-retail.yaml >/dev/null
  fi
  "$BIN" report pipelines/online-retail.yaml --out "$WORK/online-retail-report.html"
  python3 scripts/check_report.py --require "$(sections_for pipelines/online-retail.yaml)" "$WORK" "$WORK/online-retail-report.html"
else
  echo "check_report: Online Retail skipped: $RETAIL is absent (set RETAIL_FILE)"
fi
echo "check_report: ok"
