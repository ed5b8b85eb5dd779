#!/usr/bin/env python3
"""ALS benchmark: recpipe's `als` stage against implicit's AlternatingLeastSquares.

Driven by scripts/bench_als.sh (which builds recpipe and the venv). Both sides run as separate
processes on this machine, one after the other; peak memory is each process's max RSS (wait4).

  (a) MovieLens 100k split file (ratings >= 4, train/test by its `split` column; the rating is the
      interaction strength): seconds per iteration, precision@10 and NDCG@10 (full ranking, train
      items excluded), peak RSS, at factors 64 and 128, 15 iterations.
  (b) synthetic demo shops (`recpipe demo-data`, 2 M, 8 M and 20 M events by default): seconds per
      iteration and peak RSS at factors 64 and 128, median and spread of 3 interleaved runs per side
      (`--before BINARY` adds an older recpipe build as a third side, for before/after figures).

Our side runs `recpipe run` on scripts/bench/als-*.yaml and reads the figures from the run
manifest (the als stage's and the evaluate stage's notes). The peer side is this script re-run
with `--peer ...`, printing one JSON line.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

# MARK: - Peer side (implicit)


def peer_fit(matrix, factors, iterations, seed=42):
    """Trains implicit's ALS like the issue asks; returns (model, per-iteration seconds)."""
    from implicit.cpu.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(factors=factors, regularization=0.05, alpha=1.0, iterations=iterations,
                                    use_cg=True, num_threads=2, random_state=seed)
    times = []
    model.fit_callback = lambda it, elapsed, loss: times.append(elapsed)
    model.fit(matrix, show_progress=False)
    return model, times


def peer_ml(split_path, factors, seed):
    import csv
    import numpy as np
    import scipy.sparse as sp

    users, items = {}, {}
    rows, cols, vals, test = [], [], [], {}
    with open(split_path, newline="") as fh:
        for r in csv.DictReader(fh):
            u = users.setdefault(r["user_id"], len(users))
            i = items.setdefault(r["item_id"], len(items))
            if r["split"] == "test":
                test.setdefault(u, set()).add(i)
            else:
                rows.append(u), cols.append(i), vals.append(float(r["rating"]))
    m = sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=(len(users), len(items)))
    started = time.perf_counter()
    model, times = peer_fit(m, factors, 15, seed)
    fit = time.perf_counter() - started
    ids, _ = model.recommend(np.arange(len(users)), m, N=10, filter_already_liked_items=True)
    p = nd = 0.0
    n = 0
    for u, truth in test.items():
        hits = [1 if int(i) in truth else 0 for i in ids[u][:10]]
        dcg = sum(h / np.log2(k + 2) for k, h in enumerate(hits))
        idcg = sum(1 / np.log2(k + 2) for k in range(min(10, len(truth))))
        p += sum(hits) / 10
        nd += dcg / idcg
        n += 1
    return {"sec_per_iter": sum(times) / len(times), "fit": fit, "precision": p / n, "ndcg": nd / n, "users": n}


def rss_mib():
    """This process's resident set now, in MiB (Linux /proc)."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


def peer_synthetic(matrix_csv, factors, iterations):
    import threading

    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    df = pd.read_csv(matrix_csv, dtype={"user_id": str, "item_id": str, "weight": np.float32})
    u = df["user_id"].astype("category").cat.codes.to_numpy()
    i = df["item_id"].astype("category").cat.codes.to_numpy()
    m = sp.csr_matrix((df["weight"].to_numpy(), (u, i)), shape=(u.max() + 1, i.max() + 1))
    del df, u, i
    # The process peak includes reading the CSV with pandas; the fit's own high-water mark (the
    # matrix, implicit's copies and factors, plus whatever the loading left resident) is sampled.
    fit_peak, done = [rss_mib()], threading.Event()

    def sample():
        while not done.wait(0.01):
            fit_peak.append(rss_mib())

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, times = peer_fit(m, factors, iterations)
    done.set()
    sampler.join()
    return {"sec_per_iter": sum(times) / len(times), "nnz": int(m.nnz), "shape": list(m.shape),
            "fit_rss": max(fit_peak)}


# MARK: - Running processes


def measured(cmd, env=None):
    """Runs cmd, returns (stdout, seconds, max RSS in MiB); raises with its output on failure."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"!! command failed ({proc.returncode}): {' '.join(cmd)}\n{out[-4000:]}")
    return out, time.perf_counter() - started, usage.ru_maxrss / 1024


def peer(args, *peer_args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out, _, rss = measured([sys.executable, __file__, "--peer", *map(str, peer_args)], env=env)
    line = [l for l in out.splitlines() if l.startswith("{")][-1]
    result = json.loads(line)
    result["rss"] = rss
    return result


def ours(args, pipeline, cache, sets):
    shutil.rmtree(cache, ignore_errors=True)
    cmd = [args.recpipe, "run", pipeline, "--cache-dir", cache] + [x for s in sets for x in ("--set", s)]
    out, _, rss = measured(cmd)
    manifest = re.search(r"manifest: (\S+)", out)
    if not manifest:
        sys.exit(f"!! no manifest in the output of {' '.join(cmd)}\n{out[-3000:]}")
    stages = {s["stage"]: s for s in json.load(open(manifest.group(1)))["stages"]}
    notes = stages["als"]["notes"]
    per_iter = float(re.search(r"seconds per iteration: ([0-9.]+) mean", "\n".join(notes)).group(1))
    result = {"sec_per_iter": per_iter, "rss": rss, "notes": notes}
    if "metrics" in stages:
        line = next(n for n in stages["metrics"]["notes"] if n.startswith("als:"))
        result["precision"] = float(re.search(r"precision@10 ([0-9.]+)", line).group(1))
        result["ndcg"] = float(re.search(r"ndcg@10 ([0-9.]+)", line).group(1))
        result["users"] = int(re.search(r"users_evaluated (\d+)", line).group(1))
    return result


# MARK: - Benchmarks


def mean(xs):
    return sum(xs) / len(xs)


def bench_ml(args):
    seeds = args.seeds
    print("\n== (a) MovieLens 100k, ratings >= 4, fixed split file; 15 iterations, λ=0.05, α=1, CG 3 steps, 2 threads")
    print(f"   seeds {', '.join(map(str, seeds))} on both sides (the two libraries draw different initial factors from a "
          "seed, so one seed against one seed compares two random draws; the means are the comparison)")
    header = f"{'factors':>7}  {'side':<8} {'seed':>5} {'s/iter':>9} {'prec@10':>8} {'ndcg@10':>8} {'maxRSS MiB':>10}"
    for f in (64, 128):
        print(header)
        runs = {"recpipe": [], "implicit": []}
        for seed in seeds:
            o = ours(args, "scripts/bench/als-ml100k.yaml", f"{args.work}/cache-ml-{f}",
                     [f"vars.factors={f}", f"seed={seed}"])
            p = peer(args, "ml", args.split, f, seed)
            for name, r in (("recpipe", o), ("implicit", p)):
                runs[name].append(r)
                print(f"{f:>7}  {name:<8} {seed:>5} {r['sec_per_iter']:>9.5f} {r['precision']:>8.4f} {r['ndcg']:>8.4f} "
                      f"{r['rss']:>10.1f}")
        summary = {}
        for name, rs in runs.items():
            summary[name] = {k: mean([r[k] for r in rs]) for k in ("sec_per_iter", "precision", "ndcg")}
            summary[name]["rss"] = max(r["rss"] for r in rs)
            summary[name]["ndcg_range"] = (min(r["ndcg"] for r in rs), max(r["ndcg"] for r in rs))
            s_ = summary[name]
            print(f"{f:>7}  {name:<8} {'mean':>5} {s_['sec_per_iter']:>9.5f} {s_['precision']:>8.4f} {s_['ndcg']:>8.4f} "
                  f"{s_['rss']:>10.1f}   (NDCG@10 over seeds {s_['ndcg_range'][0]:.4f}–{s_['ndcg_range'][1]:.4f})")
        o, p = summary["recpipe"], summary["implicit"]
        med = {name: sorted(r["sec_per_iter"] for r in rs)[len(rs) // 2] for name, rs in runs.items()}
        print(f"{'':>7}  median s/iter over seeds: recpipe {med['recpipe']:.5f}, implicit {med['implicit']:.5f}, "
              f"ratio {med['recpipe'] / med['implicit']:.3f} (a run that shares the machine with a burst of other "
              "work moves the mean; the median is steadier)")
        print(f"{'':>7}  ratio recpipe/implicit: s/iter {o['sec_per_iter'] / p['sec_per_iter']:.3f}, "
              f"maxRSS {o['rss'] / p['rss']:.3f}; Δprecision {o['precision'] - p['precision']:+.4f}, "
              f"ΔNDCG {o['ndcg'] - p['ndcg']:+.4f} (means over {len(seeds)} seeds; users evaluated "
              f"{runs['recpipe'][0]['users']} / {runs['implicit'][0]['users']})")


def als_run(recpipe, sets, cache):
    """Runs only the als stage (its input from the cache): seconds per iteration and peak RSS."""
    cmd = [recpipe, "run", "scripts/bench/als-synthetic.yaml", "--cache-dir", cache, "--only", "als", "--force"] + \
          [x for s in sets for x in ("--set", s)]
    out, _, rss = measured(cmd)
    stages = {s["stage"]: s for s in json.load(open(re.search(r"manifest: (\S+)", out).group(1)))["stages"]}
    notes = stages["als"]["notes"]
    return {"sec_per_iter": float(re.search(r"seconds per iteration: ([0-9.]+) mean", "\n".join(notes)).group(1)),
            "notes": notes, "rss": rss}


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def spread(xs):
    return f"{min(xs):.4g}–{max(xs):.4g}"


def synthetic_size(args, events):
    """Shop size for `events` demo events: 200k users and 50k items at 20 M, scaled linearly."""
    return max(1000, events * args.users // args.events_scale), max(250, events * args.items // args.events_scale)


def bench_synthetic(args):
    its = args.synthetic_iterations
    sides = [("recpipe", args.recpipe)] + ([("before", args.before)] if args.before else [])
    print(f"\n== (b) synthetic demo shops, {its} iterations on both sides, 2 threads; {args.runs} interleaved runs "
          f"per size and factors ({', '.join(n for n, _ in sides)}, implicit); peak = the process's max RSS")
    summary = []
    for events in args.events:
        users, items = synthetic_size(args, events)
        data = f"{args.work}/synthetic-{events}"
        if not os.path.exists(f"{data}/events.csv"):
            print(f"\n-- generating {events:,} synthetic events ({users:,} users, {items:,} items) in {data}")
            _, secs, _ = measured([args.recpipe, "demo-data", "--out", data, "--users", str(users),
                                   "--items", str(items), "--events", str(events)])
            print(f"   generated in {secs:.1f} s")
        # Each side keeps its own cache: an older build's cached input is not the newer one's.
        caches = {name: f"{args.work}/cache-synthetic-{events}" + ("" if name == "recpipe" else f"-{name}")
                  for name, _ in sides}
        base = [f"vars.iterations={its}", f"vars.data={os.path.abspath(data)}"]
        # Ingest, encode and the CSV export for the peer first, so that nothing else runs beside als
        # (the export would otherwise share the two cores with it).
        for name, binary in sides:
            _, secs, _ = measured([binary, "run", "scripts/bench/als-synthetic.yaml", "--cache-dir", caches[name],
                                   "--to", "matrix_csv" if name == "recpipe" else "matrix", "--production"]
                                  + [x for s in base for x in ("--set", s)])
            print(f"\n-- {events:,} events: data prepared by {name} (ingest, encode, export; cached after the first run) "
                  f"in {secs:.1f} s")
        for f in args.factors:
            runs = {name: [] for name, _ in sides}
            runs["implicit"] = []
            for r in range(args.runs):
                for name, binary in sides:
                    runs[name].append(als_run(binary, base + [f"vars.factors={f}"], caches[name]))
                p = peer(args, "synthetic", f"{data}/export/matrix.csv", f, its)
                runs["implicit"].append(p)
                line = "   ".join(f"{n} {runs[n][-1]['sec_per_iter']:.4f} s/iter {runs[n][-1]['rss']:.1f} MiB" for n in runs)
                print(f"   f={f:<3} run {r + 1}: {line}")
            print(f"   {runs['recpipe'][0]['notes'][0]}")
            print(f"   implicit matrix {p['shape'][0]:,} × {p['shape'][1]:,}, nnz {p['nnz']:,}")
            med = {n: (median([x['sec_per_iter'] for x in rs]), median([x['rss'] for x in rs])) for n, rs in runs.items()}
            for n, rs in runs.items():
                print(f"   f={f:<3} {n:<9} median {med[n][0]:.4f} s/iter ({spread([x['sec_per_iter'] for x in rs])}), "
                      f"peak {med[n][1]:.1f} MiB ({spread([x['rss'] for x in rs])})")
            fit_rss = median([x["fit_rss"] for x in runs["implicit"]])
            print(f"   f={f:<3} implicit  peak during fit alone (CSV read before it): {fit_rss:.1f} MiB "
                  f"({spread([x['fit_rss'] for x in runs['implicit']])})")
            ratio = {n: (med[n][0] / med["implicit"][0], med[n][1] / med["implicit"][1]) for n in runs if n != "implicit"}
            for n, (t, m) in ratio.items():
                print(f"   f={f:<3} {n}/implicit: time {t:.3f}, peak memory {m:.3f}"
                      + ("  (peak ≤ implicit's)" if m <= 1 else "  (PEAK ABOVE implicit's)"))
            summary.append((events, p["nnz"], f, med, ratio, fit_rss))
    print(f"\n== summary (medians of {args.runs} interleaved runs; ratios against implicit)")
    for events, nnz, f, med, ratio, fit_rss in summary:
        cells = "; ".join(f"{n} {med[n][0]:.3f} s/iter {med[n][1]:.0f} MiB (×{ratio[n][0]:.2f} time, ×{ratio[n][1]:.2f} peak)"
                          for n in ratio)
        print(f"   {events / 1e6:g} M events, {nnz / 1e6:.2f} M nnz, f={f}: {cells}; "
              f"implicit {med['implicit'][0]:.3f} s/iter {med['implicit'][1]:.0f} MiB ({fit_rss:.0f} MiB during fit)")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--peer":
        from threadpoolctl import threadpool_limits
        with threadpool_limits(1, "blas"):
            kind = sys.argv[2]
            if kind == "ml":
                print(json.dumps(peer_ml(sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))))
            else:
                print(json.dumps(peer_synthetic(sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--recpipe", required=True)
    ap.add_argument("--split", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", choices=["ml", "synthetic"])
    ap.add_argument("--synthetic-iterations", type=int, default=3)
    ap.add_argument("--seeds", type=lambda t: [int(x) for x in t.split(",")], default=[42, 1, 2, 3, 4],
                    help="comma-separated seeds for the MovieLens runs (default 42,1,2,3,4)")
    ap.add_argument("--events", type=lambda t: [int(float(x)) for x in t.split(",")],
                    default=[2_000_000, 8_000_000, 20_000_000],
                    help="comma-separated synthetic sizes in demo events (default 2000000,8000000,20000000)")
    ap.add_argument("--users", type=int, default=200_000, help="users at 20 M events (scaled with the events)")
    ap.add_argument("--items", type=int, default=50_000, help="items at 20 M events (scaled with the events)")
    ap.add_argument("--factors", type=lambda t: [int(x) for x in t.split(",")], default=[64, 128])
    ap.add_argument("--runs", type=int, default=3, help="interleaved runs per synthetic size and factors")
    ap.add_argument("--before", help="another recpipe binary (e.g. the previous build) run interleaved beside this one")
    args = ap.parse_args()
    args.events_scale = 20_000_000
    import implicit
    print(f"implicit {implicit.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} cores visible")
    if args.only in (None, "ml"):
        bench_ml(args)
    if args.only in (None, "synthetic"):
        bench_synthetic(args)


if __name__ == "__main__":
    main()
