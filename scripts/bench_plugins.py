"""Lua plugin throughput (scripts/bench_plugins.sh): recpipe's `lua` stage (map, candidates) with
--jobs 1 against the same map in pandas (DataFrame.apply) and plain Python, and the same
bought-together model in plain Python, interleaved runs."""
import argparse, csv, json, math, os, random, statistics, subprocess, sys, time
from collections import defaultdict


def recpipe_stage(args, stage, jobs=1):
    """Runs the pipeline re-running `stage` (its inputs cached); returns the seconds of its plugin
    calls (the stage's `plugin calls: X s` note: not the ingest, encode or neighbour lists) and
    the stage's summary."""
    cmd = [args.recpipe, "run", args.pipeline, "--json", "--jobs", str(jobs), "--from", stage,
           "--set", f"vars.file={os.path.abspath(args.data)}",
           "--set", f"vars.events={os.path.join(args.work, f'events-{args.users}.csv')}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    for s in report["stages"]:
        if s["stage"] == stage:
            note = next(n for n in s["notes"] if n.startswith("plugin calls: "))
            return float(note.split()[2]), s
    raise SystemExit(f"stage {stage} missing from the summary")


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


def summary(name, values, unit):
    med = statistics.median(values)
    return (f"{name:<36} median {med / 1e6:8.3f} M {unit}/s  spread {min(values) / 1e6:.3f}-{max(values) / 1e6:.3f}"
            f"  (runs: {', '.join(f'{v / 1e6:.3f}' for v in values)})")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--recpipe", required=True)
    p.add_argument("--pipeline", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--users", type=int, default=100000)
    args = p.parse_args()
    import pandas as pd

    events = os.path.join(args.work, f"events-{args.users}.csv")
    if not os.path.exists(events):
        make_events(events, args.users)
    print(f"machine: {os.cpu_count()} cores, pinned to {len(os.sched_getaffinity(0))}, load {os.getloadavg()[0]:.1f} "
          "(shared: figures are noisy)")
    # Warm-up: ingest and encode are cached, so the timed runs re-run only the plugin stages.
    recpipe_stage(args, "amounts")
    recpipe_stage(args, "together")
    rows = python_rows(args.data)
    df = pd.read_csv(args.data, encoding="utf-8", dtype={"InvoiceNo": str, "StockCode": str})
    n = len(rows)
    seen, neighbors = python_neighbors(events)
    lua, pan, py, cand, pycand = [], [], [], [], []
    produced = pyproduced = 0
    for _ in range(args.runs):
        s, _ = recpipe_stage(args, "amounts")
        lua.append(n / s)
        s, _ = pandas_map(df)
        pan.append(n / s)
        s, _ = python_map(rows)
        py.append(n / s)
        s, st = recpipe_stage(args, "together")
        produced = st.get("rows_out") or next((c["value"] for c in st.get("counters", []) if c["name"] == "rows_out"), 0)
        cand.append(produced / s if produced else 0)
        s, pyproduced = python_candidates(seen, neighbors)
        pycand.append(pyproduced / s)
    print(f"map over {n:,} Online Retail lines, one core, budget on:")
    print(summary("  recpipe lua map", lua, "rows"))
    print(summary("  pandas DataFrame.apply", pan, "rows"))
    print(summary("  plain Python loop", py, "rows"))
    ml, mp, my = statistics.median(lua), statistics.median(pan), statistics.median(py)
    print(f"  ratio: recpipe / pandas apply {ml / mp:.1f}x, recpipe / plain Python {ml / my:.1f}x")
    print(f"candidates (bought_together) for {args.users:,} users, one core, budget on: {produced:,} candidates "
          f"(python: {pyproduced:,})")
    print(summary("  recpipe lua candidates", cand, "candidates"))
    print(summary("  plain Python loop", pycand, "candidates"))
    print(f"  ratio: recpipe / plain Python {statistics.median(cand) / statistics.median(pycand):.1f}x")
    print("goals: 2.000 M rows/s/core (map), 1.000 M candidates/s/core")


if __name__ == "__main__":
    main()
