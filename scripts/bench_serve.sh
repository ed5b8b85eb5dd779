#!/usr/bin/env bash
# Benchmark of `recpipe serve` (issue 14), with wrk on loopback, on three synthetic shops made by
# `recpipe demo-data` and the demo pipeline with ALS f = 64 (pipelines/demo.yaml, rules included):
#   demo  2,000 users,   500 items,    60,000 events  (the demo shop)
#   10x   20,000 users,  5,000 items,  600,000 events
#   200k  200,000 users, 50,000 items, 2,000,000 events (start-up and memory only)
# For demo and 10x:
#   - GET /v1/users/{id}/recommendations for random known users vs GET /healthz of the same
#     server (the peer: a trivial Hummingbird endpoint, same process, stack and connections),
#     interleaved RUNS times: requests/s, p50/p99 of each, the ratio of the medians and the spread;
#   - the same reads at 1, 2, 4, 8 and 16 connections (SWEEP): requests/s, p50/p99 each, and the
#     highest rate whose p99 stays under 10 ms with that p99 (the issue's goal: p99 ≤ 2 ms there);
#   - POST /v1/events, one event per request for random users (each synced to disk, then profile,
#     tags, ALS fold-in, item-kNN re-scoring and re-rank before the answer): with 1 connection
#     (latency) and with CONNECTIONS (throughput): requests/s, p50/p99;
#   - the disk's own sync cost: fdatasync of 100-byte appends in this folder (p50/p99), the floor
#     under an event's latency;
# For the 200k shop: the reads and healthz only (random users: the response cache, 64 MiB by
# default, holds part of them).
# For every shop: start-up time to serving (process start → port bound; it loads the run and
# builds the item-kNN neighbour lists) and resident memory (VmRSS) after start and after the load.
# BEFORE_BIN=path benchmarks a second binary (e.g. a build of an older commit) in the same run: both
# servers run side by side on the same shop, every measurement is taken for both in each run (the
# order alternates between runs), and a last table gives before, after and after ÷ before.
# LOG_DIR=/dev/shm puts the event logs on tmpfs: the events' figures are then the server's own cost
# without the disk's sync (labelled so; not durable, never the figure to quote as an event's latency).
# AFTER_ARGS are more `recpipe serve` options for the (after) binary, e.g. a larger --cache-mb.
# WARM_SECONDS=N reads every user in turn for N seconds before the runs (a warm response cache).
#   [RUNS=3] [DURATION=10] [SWEEP_DURATION=5] [SWEEP="1 2 4 8 16"] [CONNECTIONS=16] [SHOPS="demo 10x 200k"]
#   [BENCH_DIR=/tmp/recpipe-bench-serve] [BEFORE_BIN=path] [LOG_DIR=dir] [AFTER_ARGS="--cache-mb 256"] [WARM_SECONDS=40]
#   scripts/bench_serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
SWEEP=${SWEEP:-"1 2 4 8 16"}
SWEEP_DURATION=${SWEEP_DURATION:-5}
SHOPS=${SHOPS:-"demo 10x 200k"}
BENCH_DIR=${BENCH_DIR:-/tmp/recpipe-bench-serve}
command -v wrk >/dev/null || { echo "== installing wrk (apt)"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

build_recpipe
BIN="$(pwd)/$RECPIPE"
[[ "$RECPIPE" = /* ]] && BIN="$RECPIPE"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared with other work: figures are noisy)"

SIDES=after
if [[ -n "${BEFORE_BIN:-}" ]]; then
  SIDES="before after"
  echo "== before: $BEFORE_BIN; after: $BIN"
fi
bin_of() { if [ "$1" = before ]; then echo "$BEFORE_BIN"; else echo "$BIN"; fi; }
LOG_NOTE=
if [[ -n "${LOG_DIR:-}" ]]; then
  LOG_NOTE=" (event log in $LOG_DIR$(df -t tmpfs "$LOG_DIR" >/dev/null 2>&1 && echo ': tmpfs, no disk sync, not durable'))"
  echo "== event logs in $LOG_DIR$LOG_NOTE"
fi

WORK=$(mktemp -d)
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$WORK"; [ -n "${LOG_DIR:-}" ] && rm -f "$LOG_DIR"/recpipe-bench-serve-$$-*.jsonl' EXIT

# A shop: its data (made once, kept in BENCH_DIR), the demo pipeline over it with f = 64, one run.
prepare_shop() {
  local name=$1 users=$2 items=$3 events=$4 dir="$BENCH_DIR/$1"
  mkdir -p "$dir"
  [ -f "$dir/data/events.csv" ] || "$BIN" demo-data --out "$dir/data" --users "$users" --items "$items" --events "$events" >/dev/null
  ln -sfn "$(pwd)/pipelines/rules" "$dir/rules"
  ln -sfn "$(pwd)/pipelines/plugins" "$dir/plugins"
  sed -e "s#^  data: .*#  data: $dir/data#" -e 's/factors: 8,/factors: 64,/' pipelines/demo.yaml > "$dir/shop.yaml"
  echo "== $name: batch run (--to recs)"
  "$BIN" run "$dir/shop.yaml" --to recs --quiet || { echo "!! the batch run of $name failed"; exit 1; }
}

# The disk's sync cost where the event log lives: 300 appends of 100 bytes, each fdatasync'ed.
disk_sync() {
  python3 - "$1" <<'PY'
import os, statistics, sys, time
path = os.path.join(sys.argv[1], "sync-probe")
fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
t = []
for _ in range(300):
    os.write(fd, b"x" * 99 + b"\n")
    s = time.perf_counter(); os.fdatasync(fd); t.append((time.perf_counter() - s) * 1000)
os.close(fd); os.remove(path)
t.sort()
print(f"{statistics.median(t):.2f} {t[int(len(t) * 0.99) - 1]:.2f}")
PY
}

# wrk LABEL CONNECTIONS SECONDS ARGS… → "requests/s p50_ms p99_ms"
measure() {
  local label=$1 c=$2 secs=$3
  shift 3
  wrk -t$((c < 2 ? c : 2)) -c"$c" -d"${secs}s" --latency "$@" 2>&1 | LABEL="$label" python3 -c '
import os, re, sys
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not m: return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors: print("!! non-2xx responses (" + os.environ["LABEL"] + "):", errors.group(1), file=sys.stderr)
rate = float(rps.group(1)) if rps else float("nan")
p50, p99 = ms("50%"), ms("99%")
print(f"{rate:.0f} {p50:.3f} {p99:.3f}")'
}

rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$1/status; }

# Starts SIDE's server on shop DIR; its files (port, pid, times, RSS, stderr) go to OUT/SIDE.
start_side() {
  local side=$1 dir=$2 o=$3/$1
  mkdir -p "$o"
  local port=$((20000 + RANDOM % 20000)) log="${LOG_DIR:-$o}/recpipe-bench-serve-$$-$side.jsonl"
  rm -f "$log"
  local start ready pid
  start=$(date +%s.%N)
  local args=()
  [ "$side" = after ] && read -r -a args <<< "${AFTER_ARGS:-}"
  "$(bin_of "$side")" serve "$dir/shop.yaml" --port "$port" --event-log "$log" "${args[@]}" 2> "$o/serve.err" &
  pid=$!
  PIDS="$PIDS $pid"
  until grep -q "serving on" "$o/serve.err" 2>/dev/null; do
    kill -0 $pid 2>/dev/null || { cat "$o/serve.err"; exit 1; }
    sleep 0.01
  done
  ready=$(date +%s.%N)
  echo "$port" > "$o/port"; echo "$pid" > "$o/pid"; echo "$start $ready" > "$o/times"; rss_mib $pid > "$o/rss_start"
}

# One run's measurements of SIDE (reads: healthz and recommendations only).
measure_side() {
  local side=$1 out=$2 load=$3 o=$2/$1
  local base="http://127.0.0.1:$(cat "$o/port")"
  measure "$side healthz" "$CONNECTIONS" "$DURATION" "$base/healthz" >> "$o/peer.txt"
  measure "$side recommendations" "$CONNECTIONS" "$DURATION" -s "$out/reads.lua" "$base" >> "$o/recs.txt"
  [ "$load" = reads ] && return
  for c in $SWEEP; do
    measure "$side recommendations c=$c" "$c" "$SWEEP_DURATION" -s "$out/reads.lua" "$base" >> "$o/sweep$c.txt"
  done
  measure "$side events c=1" 1 "$DURATION" -s "$out/events.lua" "$base" >> "$o/events1.txt"
  measure "$side events" "$CONNECTIONS" "$DURATION" -s "$out/events.lua" "$base" >> "$o/events.txt"
}

bench_shop() {
  local name=$1 load=$2 dir="$BENCH_DIR/$1" out="$WORK/$1"
  mkdir -p "$out"
  tail -n +2 "$dir/data/users.csv" | cut -d, -f1 > "$out/users.txt"
  tail -n +2 "$dir/data/items.csv" | cut -d, -f1 > "$out/items.txt"
  for side in $SIDES; do
    start_side "$side" "$dir" "$out"
    for f in peer recs events events1 sync; do : > "$out/$side/$f.txt"; done
    for c in $SWEEP; do : > "$out/$side/sweep$c.txt"; done
  done
  : > "$out/sync.txt"
  if [ "$load" != no ]; then
    cat > "$out/reads.lua" <<LUA
local users = {}
for line in io.lines("$out/users.txt") do users[#users + 1] = line end
-- A sequence of its own for every wrk thread and run (a fixed seed would repeat the same users in
-- every run and flatter the response cache where it cannot hold them all).
math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003))
request = function()
  return wrk.format("GET", "/v1/users/" .. users[math.random(#users)] .. "/recommendations")
end
LUA
    cat > "$out/events.lua" <<LUA
local users, items = {}, {}
for line in io.lines("$out/users.txt") do users[#users + 1] = line end
for line in io.lines("$out/items.txt") do items[#items + 1] = line end
math.randomseed(7)
local kinds = { "view", "view", "cart", "purchase" }
request = function()
  local body = string.format('[{"user_id":"%s","item_id":"%s","event":"%s","timestamp":"2026-10-31 12:00:00","quantity":1,"price":9.5}]',
    users[math.random(#users)], items[math.random(#items)], kinds[math.random(#kinds)])
  return wrk.format("POST", "/v1/events", { ["Content-Type"] = "application/json" }, body)
end
LUA
    if [ -n "${WARM_SECONDS:-}" ]; then
      cat > "$out/warm.lua" <<LUA
local users = {}
for line in io.lines("$out/users.txt") do users[#users + 1] = line end
local n = 0
function setup(thread) n = n + 1; thread:set("offset", n) end
local i
request = function()
  i = i and i + 2 or offset
  return wrk.format("GET", "/v1/users/" .. users[(i - 1) % #users + 1] .. "/recommendations")
end
LUA
      for side in $SIDES; do
        echo "== $name ($side): warming: every user read in turn for ${WARM_SECONDS}s" \
          "($(measure "$side warm-up" 2 "$WARM_SECONDS" -s "$out/warm.lua" "http://127.0.0.1:$(cat "$out/$side/port")" | cut -d' ' -f1) req/s)"
      done
    fi
    if [ "$load" = reads ]; then
      echo "== $name: $RUNS interleaved runs ($SIDES): healthz and recommendations at $CONNECTIONS connections" \
        "(${DURATION}s each) (req/s p50 p99 ms)"
    else
      echo "== $name: $RUNS interleaved runs ($SIDES): healthz, recommendations and events at $CONNECTIONS connections" \
        "(${DURATION}s each), recommendations at $SWEEP connections (${SWEEP_DURATION}s each), events at 1" \
        "connection$LOG_NOTE, the disk's fdatasync (req/s p50 p99 ms)"
    fi
    local order
    for i in $(seq "$RUNS"); do
      order=$SIDES
      [ $((i % 2)) = 0 ] && [ "$SIDES" = "before after" ] && order="after before"
      for side in $order; do measure_side "$side" "$out" "$load"; done
      [ "$load" = reads ] || disk_sync "${LOG_DIR:-$out}" >> "$out/sync.txt"
      for side in $SIDES; do
        local o=$out/$side
        echo "  run $i $side: healthz $(tail -1 "$o/peer.txt") | recommendations $(tail -1 "$o/recs.txt")" \
          "$([ "$load" = reads ] || echo "| events c=1 $(tail -1 "$o/events1.txt") | events $(tail -1 "$o/events.txt")" \
          "| sweep $(for c in $SWEEP; do echo -n "c=$c $(tail -1 "$o/sweep$c.txt"); "; done)")"
      done
      [ "$load" = reads ] || echo "  run $i: fdatasync $(tail -1 "$out/sync.txt")"
    done
  fi
  for side in $SIDES; do
    local o=$out/$side
    rss_mib "$(cat "$o/pid")" > "$o/rss_after"
    curl -s "http://127.0.0.1:$(cat "$o/port")/v1/status" > "$o/status.json"
    kill -TERM "$(cat "$o/pid")"; wait "$(cat "$o/pid")" || true
  done
  PIDS=
  SIDES="$SIDES" SWEEP="$SWEEP" CONNECTIONS="$CONNECTIONS" LOG_NOTE="$LOG_NOTE" python3 - "$out" "$name" <<'PY'
import json, os, statistics, sys
out, name = sys.argv[1], sys.argv[2]
sides = os.environ["SIDES"].split()
conns = os.environ["CONNECTIONS"]
note = os.environ["LOG_NOTE"]
sweep_conns = [int(c) for c in os.environ["SWEEP"].split()]
def rows(path): return [tuple(map(float, l.split())) for l in open(path) if l.strip()]
def med(rs, k): return statistics.median(r[k] for r in rs)
def spread(rs, k): return f"{min(r[k] for r in rs):,.0f}–{max(r[k] for r in rs):,.0f}"
sync = rows(f"{out}/sync.txt")
summary = {}
for side in sides:
    o = f"{out}/{side}"
    status = json.load(open(f"{o}/status.json"))
    c = status["counts"]
    start, ready = map(float, open(f"{o}/times").read().split())
    rss0, rss1 = open(f"{o}/rss_start").read().strip(), open(f"{o}/rss_after").read().strip()
    label = f"{name} ({side})" if len(sides) > 1 else name
    print(f"\n{label}: {c['users']:,} users, {c['items']:,} items; start-up to serving {ready - start:.2f} s; "
          f"RSS {rss0} MiB after start, {rss1} MiB after the load")
    cache = status.get("response_cache")
    if cache:
        asked = cache["hits"] + cache["misses"]
        print(f"response cache: {cache['hits'] / asked if asked else 0:.1%} of {asked:,} reads were hits; "
              f"{cache['entries']:,} entries, {cache['bytes'] / 2**20:.1f} of {cache['limit_bytes'] / 2**20:.0f} MiB, "
              f"{cache['evictions']:,} evictions, {cache['invalidations']:,} invalidations by events")
    peer, recs = rows(f"{o}/peer.txt"), rows(f"{o}/recs.txt")
    s = summary[side] = {"startup": ready - start, "rss0": float(rss0), "rss1": float(rss1)}
    if not recs:
        continue
    ev, ev1 = rows(f"{o}/events.txt"), rows(f"{o}/events1.txt")
    ratios = [r[0] / p[0] for r, p in zip(recs, peer)]
    s.update(peer=med(peer, 0), recs=med(recs, 0), ratio=med(recs, 0) / med(peer, 0), recs_p99=med(recs, 2))
    print(f"| {label} | requests/s median (runs) | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    print(f"| GET /healthz (peer) | {med(peer,0):,.0f} ({spread(peer,0)}) | {med(peer,1):.2f} | {med(peer,2):.2f} |")
    print(f"| GET recommendations | {med(recs,0):,.0f} ({spread(recs,0)}) | {med(recs,1):.2f} | {med(recs,2):.2f} |")
    if ev:
        s.update(ev1=med(ev1, 0), ev1_p50=med(ev1, 1), ev1_p99=med(ev1, 2), ev=med(ev, 0), ev_p99=med(ev, 2))
        print(f"| POST events (1 event), 1 connection{note} | {med(ev1,0):,.0f} ({spread(ev1,0)}) | {med(ev1,1):.2f} | {med(ev1,2):.2f} |")
        print(f"| POST events (1 event), {conns} connections{note} | {med(ev,0):,.0f} ({spread(ev,0)}) | {med(ev,1):.2f} | {med(ev,2):.2f} |")
        if sync:
            print(f"| fdatasync of a 100-byte append (no server) | – | {med(sync,0):.2f} | {med(sync,1):.2f} |")
        print(f"\n| {label}: GET recommendations, connections | requests/s median (runs) | p50 ms | p99 ms (runs) |")
        print("|---|---:|---:|---:|")
        sweep = [(n, rows(f"{o}/sweep{n}.txt")) for n in sweep_conns]
        for n, rs in sweep:
            p99s = f"{min(r[2] for r in rs):.2f}–{max(r[2] for r in rs):.2f}"
            print(f"| {n} | {med(rs,0):,.0f} ({spread(rs,0)}) | {med(rs,1):.2f} | {med(rs,2):.2f} ({p99s}) |")
        under = [(med(rs,0), med(rs,2), n) for n, rs in sweep if med(rs,2) < 10]
        if under:
            rate, p99, n = max(under)
            s.update(best=rate, best_p99=p99, best_c=n)
            print(f"highest rate with p99 < 10 ms: {rate:,.0f} req/s at {n} connection(s), p99 {p99:.2f} ms (goal ≤ 2 ms)")
        else:
            print("no sweep point had p99 < 10 ms")
    print(f"recommendations ÷ healthz: {s['ratio']:.2f} (per run {min(ratios):.2f}–{max(ratios):.2f}; goal ≥ 0.50); "
          f"events accepted {c['events_accepted']:,}, users changed online {c['online_users']:,}, fold-ins {c['fold_ins']:,}")
if len(sides) == 2:
    b, a = summary["before"], summary["after"]
    print(f"\n| {name}: before vs after (medians) | before | after | after ÷ before |")
    print("|---|---:|---:|---:|")
    def line(label, key, fmt="{:,.0f}"):
        if key in b and key in a:
            print(f"| {label} | {fmt.format(b[key])} | {fmt.format(a[key])} | {a[key] / b[key]:.2f} |")
    line("GET /healthz req/s (peer)", "peer")
    line("GET recommendations req/s", "recs")
    line("recommendations ÷ healthz (the figure that counts)", "ratio", "{:.2f}")
    line("GET recommendations p99 ms", "recs_p99", "{:.2f}")
    line("highest read rate with p99 < 10 ms", "best")
    line("its p99 ms", "best_p99", "{:.2f}")
    line(f"POST events, 1 connection, req/s{note}", "ev1")
    line(f"POST events, 1 connection, p50 ms{note}", "ev1_p50", "{:.2f}")
    line(f"POST events, 1 connection, p99 ms{note}", "ev1_p99", "{:.2f}")
    line(f"POST events, {conns} connections, req/s{note}", "ev")
    line(f"POST events, {conns} connections, p99 ms{note}", "ev_p99", "{:.2f}")
    line("start-up to serving, s", "startup", "{:.2f}")
    line("RSS after start, MiB", "rss0")
    line("RSS after the load, MiB", "rss1")
PY
}

for shop in $SHOPS; do
  case $shop in
    demo) prepare_shop demo 2000 500 60000 && bench_shop demo yes ;;
    10x) prepare_shop 10x 20000 5000 600000 && bench_shop 10x yes ;;
    200k) prepare_shop 200k 200000 50000 2000000 && bench_shop 200k reads ;;
    *) echo "unknown shop '$shop' (demo, 10x, 200k)"; exit 2 ;;
  esac
done
