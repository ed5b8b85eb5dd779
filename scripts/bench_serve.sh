#!/usr/bin/env bash
# Benchmark of `recpipe serve` (issue 14) on the demo shop, with wrk on loopback:
#   - GET /v1/users/{id}/recommendations for random known users vs GET /healthz of the same
#     server (a trivial Hummingbird endpoint: same process, stack and connections), interleaved
#     RUNS times: requests/s, p50/p99 of each, and the ratio of the medians;
#   - POST /v1/events, one event per request for random users (each fsync'ed, profile, tags,
#     ALS fold-in and re-rank before the answer): requests/s, p50/p99;
#   - start-up time to serve (process start → port bound) and resident memory after the load.
#   [RUNS=3] [DURATION=10] [CONNECTIONS=16] scripts/bench_serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
command -v wrk >/dev/null || { echo "== installing wrk (apt)"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

build_recpipe
BIN="$RECPIPE"
[ -f data/demo/events.csv ] || "$BIN" demo-data --out data/demo >/dev/null
"$BIN" run pipelines/demo.yaml >/dev/null 2>&1

WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=$((20000 + RANDOM % 20000))
# Known users (the batch's) for the reads; fresh ones for the writes.
tail -n +2 data/demo/users.csv | cut -d, -f1 > "$WORK/users.txt"
tail -n +2 data/demo/items.csv | cut -d, -f1 > "$WORK/items.txt"

START=$(date +%s.%N)
"$BIN" serve pipelines/demo.yaml --port "$PORT" --event-log "$WORK/events.jsonl" 2> "$WORK/serve.err" &
PID=$!
until grep -q "serving on" "$WORK/serve.err" 2>/dev/null; do
  kill -0 $PID 2>/dev/null || { cat "$WORK/serve.err"; exit 1; }
  sleep 0.01
done
READY=$(date +%s.%N)

cat > "$WORK/reads.lua" <<LUA
local users = {}
for line in io.lines("$WORK/users.txt") do users[#users + 1] = line end
math.randomseed(42)
request = function()
  return wrk.format("GET", "/v1/users/" .. users[math.random(#users)] .. "/recommendations")
end
LUA
cat > "$WORK/events.lua" <<LUA
local users, items = {}, {}
for line in io.lines("$WORK/users.txt") do users[#users + 1] = line end
for line in io.lines("$WORK/items.txt") do items[#items + 1] = line end
math.randomseed(7)
local kinds = { "view", "view", "cart", "purchase" }
request = function()
  local body = string.format('[{"user_id":"%s","item_id":"%s","event":"%s","timestamp":"2026-10-31 12:00:00","quantity":1,"price":9.5}]',
    users[math.random(#users)], items[math.random(#items)], kinds[math.random(#kinds)])
  return wrk.format("POST", "/v1/events", { ["Content-Type"] = "application/json" }, body)
end
LUA

# wrk → "requests/s p50_ms p99_ms"
measure() {
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" 2>&1 | python3 -c '
import re, sys
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not m: return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors: print("!! non-2xx responses:", errors.group(1), file=sys.stderr)
print(f"{float(rps.group(1)) if rps else float(\"nan\"):.0f} {ms(\"50%\"):.3f} {ms(\"99%\"):.3f}")'
}

BASE="http://127.0.0.1:$PORT"
echo "== reads: $RUNS interleaved runs of ${DURATION}s, $CONNECTIONS connections, 2 wrk threads"
: > "$WORK/peer.txt"; : > "$WORK/recs.txt"
for i in $(seq "$RUNS"); do
  measure "$BASE/healthz" >> "$WORK/peer.txt"
  measure -s "$WORK/reads.lua" "$BASE" >> "$WORK/recs.txt"
  echo "  run $i: healthz $(tail -1 "$WORK/peer.txt") | recommendations $(tail -1 "$WORK/recs.txt")  (req/s p50 p99 ms)"
done
echo "== events: $RUNS runs of ${DURATION}s"
: > "$WORK/events.txt"
for i in $(seq "$RUNS"); do
  measure -s "$WORK/events.lua" "$BASE" >> "$WORK/events.txt"
  echo "  run $i: events $(tail -1 "$WORK/events.txt")"
done
RSS=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
STATUS=$(curl -s "$BASE/v1/status")
kill -TERM $PID; wait $PID || true

python3 - "$WORK" "$START" "$READY" "$RSS" "$STATUS" <<'PY'
import json, statistics, sys
work, start, ready, rss, status = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
def rows(name):
    return [tuple(map(float, l.split())) for l in open(f"{work}/{name}.txt") if l.strip()]
def med(rs, k): return statistics.median(r[k] for r in rs)
peer, recs, ev = rows("peer"), rows("recs"), rows("events")
c = status["counts"]
print()
print(f"demo shop: {c['users']:,} users, {c['items']:,} items; medians of {len(recs)} runs")
print("| endpoint | requests/s | p50 ms | p99 ms |")
print("|---|---:|---:|---:|")
print(f"| GET /healthz (trivial Hummingbird endpoint, peer) | {med(peer,0):,.0f} | {med(peer,1):.2f} | {med(peer,2):.2f} |")
print(f"| GET /v1/users/{{id}}/recommendations | {med(recs,0):,.0f} | {med(recs,1):.2f} | {med(recs,2):.2f} |")
print(f"| POST /v1/events (1 event, fsync, fold-in, re-rank) | {med(ev,0):,.0f} | {med(ev,1):.2f} | {med(ev,2):.2f} |")
print(f"recommendations ÷ healthz throughput: {med(recs,0) / med(peer,0):.2f} (goal ≥ 0.50)")
print(f"start-up to serving: {ready - start:.2f} s; resident memory after the load: {rss / 1024:.0f} MiB; "
      f"events accepted {c['events_accepted']:,}, users changed online {c['online_users']:,}")
PY
