#!/usr/bin/env python3
"""Benchmark helper for scripts/bench_cf.sh: recpipe's kNN (cf / evaluate stages) beside
scikit-surprise (rating prediction, 5-fold CV on MovieLens 100k) and implicit (item-kNN top-N on
the fixed implicit split file). Both sides read the same fold / split files."""
import argparse
import math
import os
import re
import subprocess
import sys
import time

import numpy as np


def write_folds(u_data, out_dir, folds=5, seed=42):
    """Writes fold{1..5}.csv (user_id,item_id,rating,timestamp,split) from a seeded permutation."""
    rows = [line.split("\t") for line in open(u_data).read().splitlines() if line.strip()]
    order = np.random.RandomState(seed).permutation(len(rows))
    assignment = np.empty(len(rows), dtype=int)
    for f, part in enumerate(np.array_split(order, folds)):
        assignment[part] = f
    paths = []
    os.makedirs(out_dir, exist_ok=True)
    for f in range(folds):
        path = os.path.join(out_dir, f"fold{f + 1}.csv")
        with open(path, "w") as fh:
            fh.write("user_id,item_id,rating,timestamp,split\n")
            for r, a in zip(rows, assignment):
                fh.write(f"{r[0]},{r[1]},{r[2]},{r[3]},{'test' if a == f else 'train'}\n")
        paths.append(path)
    return paths


def read_split(path):
    import csv
    train, test = [], []
    with open(path) as fh:
        for row in csv.DictReader(fh):
            (test if row["split"] == "test" else train).append((row["user_id"], row["item_id"], float(row["rating"])))
    return train, test


def run_recpipe(recpipe, pipeline, sets, cache):
    cmd = [recpipe, "run", pipeline, "--force", "--cache-dir", cache] + [a for s in sets for a in ("--set", s)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        sys.exit(f"recpipe failed ({proc.returncode}):\n{out}")
    return out, wall


# MARK: - (a) rating prediction

RATING_MODELS = [
    ("user_msd_means", "KNNWithMeans msd", lambda s: s.KNNWithMeans(k=40, sim_options={"name": "msd", "user_based": True}, verbose=False)),
    ("user_pearson_means", "KNNWithMeans pearson", lambda s: s.KNNWithMeans(k=40, sim_options={"name": "pearson", "user_based": True}, verbose=False)),
    ("user_baseline", "KNNBaseline pearson_baseline", lambda s: s.KNNBaseline(k=40, sim_options={"name": "pearson_baseline", "user_based": True}, bsl_options={"method": "als"}, verbose=False)),
]


def ratings_bench(args):
    fold_paths = write_folds(args.u_data, os.path.join(args.work, "folds"))
    ours = {name: {"rmse": [], "mae": [], "time": []} for name, _, _ in RATING_MODELS}
    note = re.compile(r"^(\w+): rmse ([\d.]+), mae ([\d.]+), fallback_share ([\d.]+)\s+\(fit ([\d.]+) s, predict ([\d.]+) s", re.M)
    for path in fold_paths:
        out, _ = run_recpipe(args.recpipe, args.ratings_pipeline, [f"vars.fold_file={os.path.abspath(path)}"], args.cache)
        found = {m.group(1): m for m in note.finditer(out)}
        for name, _, _ in RATING_MODELS:
            m = found.get(name)
            if m is None:
                sys.exit(f"no result for {name} in recpipe output:\n{out}")
            ours[name]["rmse"].append(float(m.group(2)))
            ours[name]["mae"].append(float(m.group(3)))
            ours[name]["time"].append(float(m.group(5)) + float(m.group(6)))
    theirs = None
    try:
        import surprise
        from surprise import Dataset, Reader, accuracy
        import pandas as pd
        theirs = {name: {"rmse": [], "mae": [], "time": []} for name, _, _ in RATING_MODELS}
        for path in fold_paths:
            train, test = read_split(path)
            df = pd.DataFrame(train, columns=["user", "item", "rating"])
            trainset = Dataset.load_from_df(df, Reader(rating_scale=(1, 5))).build_full_trainset()
            for name, _, make in RATING_MODELS:
                algo = make(surprise)
                start = time.perf_counter()
                algo.fit(trainset)
                predictions = algo.test(test)
                elapsed = time.perf_counter() - start
                theirs[name]["rmse"].append(accuracy.rmse(predictions, verbose=False))
                theirs[name]["mae"].append(accuracy.mae(predictions, verbose=False))
                theirs[name]["time"].append(elapsed)
    except ImportError as e:
        print(f"!! scikit-surprise is not available ({e}); printing recpipe's figures only")
    print("\n(a) MovieLens 100k u.data, 5-fold CV (same fold files both sides), user-based, k=40")
    print(f"{'model':<22}{'surprise':<30}{'recpipe RMSE':>13}{'surprise RMSE':>14}{'recpipe MAE':>12}{'surprise MAE':>13}"
          f"{'recpipe s':>10}{'surprise s':>11}{'time ratio':>11}")
    for name, label, _ in RATING_MODELS:
        o = {k: float(np.mean(v)) for k, v in ours[name].items()}
        if theirs:
            t = {k: float(np.mean(v)) for k, v in theirs[name].items()}
            print(f"{name:<22}{label:<30}{o['rmse']:>13.4f}{t['rmse']:>14.4f}{o['mae']:>12.4f}{t['mae']:>13.4f}"
                  f"{o['time']:>10.3f}{t['time']:>11.3f}{o['time'] / t['time']:>10.2f}x")
        else:
            print(f"{name:<22}{label:<30}{o['rmse']:>13.4f}{'-':>14}{o['mae']:>12.4f}{'-':>13}{o['time']:>10.3f}")
    print("   (times: mean per fold of fit + predict-test; recpipe's from the evaluate stage, excluding CSV reading)")


# MARK: - (b) implicit top-N


def topn_metrics(recs, test, k=10):
    """precision@k = hits/k, NDCG@k binary, over users with test items (same definitions as recpipe)."""
    p = n = 0.0
    users = 0
    for u, rel in test.items():
        if not rel:
            continue
        users += 1
        lst = list(recs.get(u, []))[:k]
        hits = [i + 1 for i, item in enumerate(lst) if item in rel]
        p += len(hits) / k
        ideal = sum(1 / math.log2(r + 2) for r in range(min(k, len(rel))))
        n += sum(1 / math.log2(r + 1) for r in hits) / ideal
    return p / users, n / users


def implicit_bench(args):
    metric = re.compile(r"^(cosine|bm25): precision@10 ([\d.]+), recall@10 [\d.]+, ndcg@10 ([\d.]+)", re.M)
    timing = re.compile(r"^── (cosine|bm25) ──\n.*fit \+ recommend ([\d.]+) s", re.M)
    names = [("cosine", "CosineRecommender"), ("bm25", "BM25Recommender")]

    def recpipe_side(binary):
        out, _ = run_recpipe(binary, args.implicit_pipeline, [f"vars.split_file={os.path.abspath(args.split)}"], args.cache)
        quality = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in metric.finditer(out)}
        seconds = {m.group(1): float(m.group(2)) for m in timing.finditer(out)}
        return {n: quality.get(n, (float("nan"), float("nan"))) + (seconds.get(n, float("nan")),) for n, _ in names}

    peer = None
    try:
        import implicit  # noqa: F401
        from implicit.nearest_neighbours import BM25Recommender, CosineRecommender
        from scipy.sparse import csr_matrix
        train, test = read_split(args.split)
        users, items = {}, {}
        for u, i, _ in train + test:
            users.setdefault(u, len(users))
            items.setdefault(i, len(items))
        rows = [users[u] for u, _, _ in train]
        cols = [items[i] for _, i, _ in train]
        m = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(users), len(items)))
        m = m.tocsr()
        m.sum_duplicates()
        m.data[:] = 1
        truth = {}
        for u, i, _ in test:
            truth.setdefault(users[u], set()).add(items[i])
        makers = {"cosine": lambda: CosineRecommender(K=20), "bm25": lambda: BM25Recommender(K=20, K1=1.2, B=0.75)}

        def peer():
            result = {}
            for name, _ in names:
                model = makers[name]()
                start = time.perf_counter()
                model.fit(m, show_progress=False)
                ids = np.arange(m.shape[0])
                recs, _ = model.recommend(ids, m[ids].tocsr(), N=10, filter_already_liked_items=True)
                elapsed = time.perf_counter() - start
                lists = {u: [int(i) for i in recs[u] if i >= 0] for u in ids}
                result[name] = topn_metrics(lists, truth) + (elapsed,)
            return result
        peer()  # warm-up (first calls load the library's code), not counted
    except ImportError as e:
        print(f"!! implicit is not available ({e}); printing recpipe's figures only")

    sides = {"recpipe": [], "before": [], "implicit": []}
    for _ in range(args.runs):  # interleaved: recpipe, [before,] implicit
        sides["recpipe"].append(recpipe_side(args.recpipe))
        if args.before:
            sides["before"].append(recpipe_side(args.before))
        if peer:
            sides["implicit"].append(peer())

    def med(xs):
        xs = sorted(xs)
        return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2

    print(f"\n(b) {os.path.basename(args.split)}: item-kNN K=20, top-10, full ranking, seen items excluded; "
          f"{args.runs} interleaved runs, seconds as median (min–max)")
    print(f"{'model':<8}{'side':<10}{'P@10':>8}{'NDCG@10':>9}{'seconds':>26}")
    for name, label in names:
        for side, runs in sides.items():
            if not runs:
                continue
            secs = [r[name][2] for r in runs]
            p, n = runs[0][name][0], runs[0][name][1]
            tag = label if side == "implicit" else side
            print(f"{name:<8}{tag:<10}{p:>8.4f}{n:>9.4f}{med(secs):>12.3f} ({min(secs):.3f}–{max(secs):.3f})")
        ours = [r[name][2] for r in sides["recpipe"]]
        for other in ("implicit", "before"):
            if sides[other]:
                theirs = [r[name][2] for r in sides[other]]
                per = [o / t for o, t in zip(ours, theirs)]
                print(f"{'':<8}time recpipe/{other}: {med(ours) / med(theirs):.2f} (per run {min(per):.2f}–{max(per):.2f})")
    print("   (times: fit + recommend-all; recpipe's from the cf stage note, excluding CSV reading; "
          "implicit's in-process, after one warm-up call)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recpipe", required=True)
    ap.add_argument("--u-data", required=True)
    ap.add_argument("--split", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--ratings-pipeline", required=True)
    ap.add_argument("--implicit-pipeline", required=True)
    ap.add_argument("--only", choices=["ratings", "implicit"])
    ap.add_argument("--runs", type=int, default=5, help="interleaved runs of the item-kNN part (median and spread)")
    ap.add_argument("--before", help="an older recpipe binary, run interleaved as a third side (before/after figures)")
    args = ap.parse_args()
    args.cache = os.path.join(args.work, "cache")
    if args.only != "implicit":
        ratings_bench(args)
    if args.only != "ratings":
        implicit_bench(args)


if __name__ == "__main__":
    main()
