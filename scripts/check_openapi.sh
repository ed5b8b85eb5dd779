#!/usr/bin/env bash
# Schemathesis (PyPI) against a live `recpipe serve` of the demo shop, driven by the server's own
# /openapi.yaml: every operation is called with generated requests (valid and invalid) and every
# answer is checked — no 5xx, status codes, content types and bodies as the document says.
#   [MAX_EXAMPLES=50] [RECPIPE=path/to/recpipe] scripts/check_openapi.sh
# Installs schemathesis into .venv-openapi; builds the debug binary when RECPIPE is not given;
# makes the demo data and runs the demo pipeline when they are missing. Exit 0 when no check fails.
# Every check runs except `positive_data_acceptance`: a schema-valid event is accepted only when its
# item is in the loaded run's catalogue (unknown items are a documented 400), which a static schema
# cannot say; acceptance of real events is covered by Tests/RecpipeServeTests.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXAMPLES=${MAX_EXAMPLES:-50}
if [ -z "${RECPIPE:-}" ]; then
  swift build --product recpipe >/dev/null
  RECPIPE=.build/debug/recpipe
fi
if [ ! -x .venv-openapi/bin/schemathesis ]; then
  echo "== installing schemathesis into .venv-openapi"
  python3 -m venv .venv-openapi
  .venv-openapi/bin/pip install -q schemathesis
fi
[ -f data/demo/events.csv ] || "$RECPIPE" demo-data --out data/demo >/dev/null
"$RECPIPE" run pipelines/demo.yaml --to recs --quiet

WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
PORT=$((20000 + RANDOM % 20000))
# The events go to a throwaway log: generated events must not reach the demo's next batch run.
"$RECPIPE" serve pipelines/demo.yaml --port "$PORT" --event-log "$WORK/events.jsonl" 2> "$WORK/serve.err" &
PID=$!
until grep -q "serving on" "$WORK/serve.err" 2>/dev/null; do
  kill -0 $PID 2>/dev/null || { cat "$WORK/serve.err"; exit 1; }
  sleep 0.05
done
echo "== schemathesis $(.venv-openapi/bin/schemathesis --version | tr -d '\n') against http://127.0.0.1:$PORT/openapi.yaml"
status=0
.venv-openapi/bin/schemathesis run "http://127.0.0.1:$PORT/openapi.yaml" \
  --checks all --exclude-checks positive_data_acceptance --max-examples "$MAX_EXAMPLES" --seed 1 --suppress-health-check all --no-color || status=$?
kill -TERM $PID; wait $PID || true
PID=
if grep -q "error" "$WORK/serve.err"; then cat "$WORK/serve.err"; fi
exit $status
