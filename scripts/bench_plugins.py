"""Lua plugin throughput (scripts/bench_plugins.sh): recpipe's `lua` stage (map, candidates) pinned
to one core against the same map in pandas (DataFrame.apply) and plain Python, and the same
candidates models in plain Python; with --before, a second recpipe binary (an older build) in the
same interleaved runs."""
import argparse, csv, json, math, os, random, statistics, subprocess, sys, time
from collections import defaultdict


def recpipe_stage(binary, label, args, stage):
    """Re-runs `stage` (its inputs cached in a cache folder per binary); returns the seconds of its
    plugin calls (the stage's `plugin calls: X s` note: not ingest, encode, the neighbour lists or
    the stage's set-up) and the stage's summary."""
    cmd = [binary, "run", args.pipeline, "--json", "--jobs", "1", "--to", stage, "--from", stage,
           "--cache-dir", os.path.join(args.work, f"cache-{label}"),
           "--set", f"vars.file={os.path.abspath(args.data)}",
           "--set", f"vars.events={os.path.join(args.work, f'events-{args.users}.csv')}"]
    if label == "before" and not args.before_scores:
        cmd += ["--set", "vars.together=bought_together_loop.lua"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    for s in report["stages"]:
        if s["stage"] == stage:
            note = next(n for n in s["notes"] if n.startswith("plugin calls: "))
            return float(note.split()[2]), s
    raise SystemExit(f"stage {stage} missing from the summary")


def rows_out(st):
    return st.get("rows_out") or next((c["value"] for c in st.get("counters", []) if c["name"] == "rows_out"), 0)


def python_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["Quantity"] = int(r["Quantity"])
        r["UnitPrice"] = float(r["UnitPrice"])
    return rows


def python_map(rows):
    t = time.perf_counter()
    out = []
    for r in rows:
        if r["Quantity"] <= 0:
            continue
        out.append((r["InvoiceNo"], r["StockCode"], r["Quantity"] * r["UnitPrice"]))
    return time.perf_counter() - t, len(out)


def pandas_map(df):
    t = time.perf_counter()

    def f(r):
        if r["Quantity"] <= 0:
            return None
        return (r["InvoiceNo"], r["StockCode"], r["Quantity"] * r["UnitPrice"])

    out = df.apply(f, axis=1).dropna()
    return time.perf_counter() - t, len(out)


def make_events(path, users, seed=7):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write("user_id,item_id,basket\n")
        for u in range(users):
            for b in range(10):
                base = rnd.randrange(5000)
                for k in range(3):
                    item = (base + rnd.randrange(40)) % 5000 if k else base
                    f.write(f"U{u},I{item},U{u}-{b}\n")


def python_neighbors(path, k=50):
    """The users' item sets and, per item, the k items sharing most baskets (cosine of the basket
    sets, ties by id): what recpipe's `neighbors` input gives ctx.neighbors. Not timed."""
    seen, baskets = defaultdict(set), defaultdict(set)
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            seen[r["user_id"]].add(r["item_id"])
            baskets[r["basket"]].add(r["item_id"])
    size, co = defaultdict(int), defaultdict(lambda: defaultdict(int))
    for items in baskets.values():
        for a in items:
            size[a] += 1
            for b in items:
                if a != b:
                    co[a][b] += 1
    neighbors = {}
    for a, row in co.items():
        scored = sorted(((b, c / math.sqrt(size[a] * size[b])) for b, c in row.items()), key=lambda x: (-x[1], x[0]))
        neighbors[a] = scored[:k]
    return seen, neighbors


def python_candidates(seen, neighbors, limit=50):
    """bought_together.lua in plain Python, with the host's part (sort, keep the best `limit`)."""
    t = time.perf_counter()
    produced = 0
    for items in seen.values():
        score = {}
        for i in sorted(items)[:30]:
            for j, s in neighbors.get(i, ()):
                if j not in items:
                    score[j] = score.get(j, 0.0) + s
        best = sorted(score.items(), key=lambda x: (-x[1], x[0]))[:limit]
        produced += len(best)
    return time.perf_counter() - t, produced


def python_first(seen, neighbors, limit=50):
    """first_neighbors.lua in plain Python: the first item's neighbours, sorted and cut."""
    t = time.perf_counter()
    produced = 0
    for items in seen.values():
        n = neighbors.get(min(items), ())
        best = sorted(((j, s) for j, s in n), key=lambda x: (-x[1], x[0]))[:limit]
        produced += len(best)
    return time.perf_counter() - t, produced


def examined(seen, neighbors):
    """Neighbour entries bought_together visits per user (its 30 first items' lists)."""
    total = sum(sum(len(neighbors.get(i, ())) for i in sorted(items)[:30]) for items in seen.values())
    return total / max(1, len(seen))


def summary(name, values, unit):
    med = statistics.median(values)
    return (f"{name:<44} median {med / 1e6:8.3f} M {unit}/s  spread {min(values) / 1e6:.3f}-{max(values) / 1e6:.3f}"
            f"  (runs: {', '.join(f'{v / 1e6:.3f}' for v in values)})")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--recpipe", required=True)
    p.add_argument("--before", help="an older recpipe binary, run in the same interleaved runs")
    p.add_argument("--before-scores", action="store_true",
                   help="the older binary has ctx.scores(): it runs the shipped bought_together too")
    p.add_argument("--before-out", action="store_true",
                   help="the older binary passes `out` to map functions: it runs the `out` map too")
    p.add_argument("--pipeline", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--users", type=int, default=100000)
    p.add_argument("--no-loop", action="store_true",
                   help="leave out the Lua-loop bought_together (the slowest stage: minutes at 100,000 users)")
    args = p.parse_args()
    import pandas as pd

    events = os.path.join(args.work, f"events-{args.users}.csv")
    if not os.path.exists(events):
        make_events(events, args.users)
    loads = [os.getloadavg()[0]]
    print(f"machine: {os.cpu_count()} cores, pinned to {len(os.sched_getaffinity(0))}, load {loads[0]:.1f} "
          "(shared: figures are noisy)")
    binaries = [("after", args.recpipe)] + ([("before", args.before)] if args.before else [])
    # What each binary runs: ctx.scores() (the shipped bought_together) is new, so an older
    # binary runs the loop version and first_neighbors only.
    # `out` (the reused output table) is newer still: --before-out when the older binary has it.
    stages = {"after": ["amounts", "amounts_out", "together", "together_loop", "first"],
              "before": ["amounts", "together_loop", "first"]}
    if args.before_scores:
        stages["before"] = [s for s in stages["after"] if s != "amounts_out"]
    if args.before_out:
        stages["before"] = stages["before"][:1] + ["amounts_out"] + stages["before"][1:]
    if args.no_loop:
        stages = {label: [s for s in ss if s != "together_loop"] for label, ss in stages.items()}
    # Warm-up: ingest, encode and the neighbour lists are cached, so the timed runs re-run only
    # the plugin stages.
    for label, binary in binaries:
        for stage in stages[label]:
            recpipe_stage(binary, label, args, stage)
    rows = python_rows(args.data)
    df = pd.read_csv(args.data, encoding="utf-8", dtype={"InvoiceNo": str, "StockCode": str})
    n = len(rows)
    seen, neighbors = python_neighbors(events)
    users = len(seen)
    rate = defaultdict(list)     # (label, stage) -> per-run rates (rows or candidates kept per s)
    user_rate = defaultdict(list)
    kept = {}
    pan, py, pyc, pyf = [], [], [], []
    pykept = pyfirst = 0
    for _ in range(args.runs):
        for label, binary in binaries:
            for stage in stages[label]:
                s, st = recpipe_stage(binary, label, args, stage)
                if stage.startswith("amounts"):
                    rate[(label, stage)].append(n / s)
                else:
                    kept[(label, stage)] = rows_out(st)
                    rate[(label, stage)].append(kept[(label, stage)] / s)
                    user_rate[(label, stage)].append(users / s)
        s, _ = pandas_map(df)
        pan.append(n / s)
        s, _ = python_map(rows)
        py.append(n / s)
        s, pykept = python_candidates(seen, neighbors)
        pyc.append(pykept / s)
        s, pyfirst = python_first(seen, neighbors)
        pyf.append(pyfirst / s)
        loads.append(os.getloadavg()[0])
    med = lambda v: statistics.median(v)
    print(f"load average (1 min) during the runs: {min(loads):.1f}-{max(loads):.1f}")
    print(f"map over {n:,} Online Retail lines, one core, budget on (goal 2 M rows/s/core):")
    maps = {"amounts": "a new table per row", "amounts_out": "fills and returns `out`"}
    for stage, how in maps.items():
        for label, _ in binaries:
            if (label, stage) in rate:
                print(summary(f"  recpipe lua map, {how} ({label})", rate[(label, stage)], "rows"))
    print(summary("  pandas DataFrame.apply", pan, "rows"))
    print(summary("  plain Python loop", py, "rows"))
    for stage, how in maps.items():
        for label, _ in binaries:
            if (label, stage) in rate:
                ml = med(rate[(label, stage)])
                print(f"  ratio ({label}, {how}): recpipe / pandas apply {ml / med(pan):.1f}x, recpipe / plain "
                      f"Python {ml / med(py):.2f}x, recpipe / goal {ml / 2e6:.2f}x")
    per_user = examined(seen, neighbors)
    print(f"candidates for {users:,} users, one core, budget on (goal 1 M candidates kept/s/core); bought_together "
          f"examines {per_user:,.0f} neighbour entries per user (30 items x their lists) to keep up to 50, "
          f"first_neighbors examines the ~50 it returns:")
    names = {"together": "bought_together, ctx.scores()", "together_loop": "bought_together, Lua loop + u:seen",
             "first": "first_neighbors (pairs)"}
    for stage in ["together", "together_loop", "first"]:
        for label, _ in binaries:
            if (label, stage) not in rate:
                continue
            k = kept[(label, stage)]
            print(summary(f"  recpipe {names[stage]} ({label})", rate[(label, stage)], "candidates")
                  + f"  | {med(user_rate[(label, stage)]) / 1e3:.1f} k users/s, {k:,} kept"
                  + f", {per_user * med(user_rate[(label, stage)]) / 1e6:.1f} M entries examined/s"
                  * (stage != "first"))
    print(summary("  plain Python bought_together", pyc, "candidates") + f"  | {pykept:,} kept")
    print(summary("  plain Python first_neighbors", pyf, "candidates") + f"  | {pyfirst:,} kept")
    for label, _ in binaries:
        for stage, peer in [("together", pyc), ("together_loop", pyc), ("first", pyf)]:
            if (label, stage) in rate:
                m = med(rate[(label, stage)])
                print(f"  ratio ({label}) {names[stage]}: recpipe / plain Python {m / med(peer):.1f}x, "
                      f"recpipe / goal {m / 1e6:.2f}x")
    if args.before:
        for stage in stages["before"]:
            print(f"  after / before, {stage}: {med(rate[('after', stage)]) / med(rate[('before', stage)]):.2f}x")


if __name__ == "__main__":
    main()
