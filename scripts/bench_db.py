"""Database export benchmark (issue 15). The same 1,000,000 recommendation rows (user_id, rank,
item_id, score, provenance, plus the run_id and as_of columns recpipe adds to every exported
table, so every side writes the same 7 columns) are loaded into a fresh table by:
  recpipe  the `export` stage (SQLite: prepared INSERTs in one WAL transaction; PostgreSQL: COPY
           FROM STDIN and a swap in one transaction); time = the stage's own seconds from the run
           manifest, the table already decoded from recpipe's cache;
  psycopg  COPY FROM STDIN (psycopg 3), rows written from a DataFrame with copy.write_row, and
           the raw CSV bytes (a copy of the file with the two columns added, made untimed) written
           in blocks (its fastest path);
  pandas   DataFrame.to_sql (SQLAlchemy engine; if_exists="replace").
PostgreSQL is also measured with the index a reader of recommendations needs: `recpipe-index`
(`keys: [user_id, rank]`, which a replace indexes after the load, as it does for recommendations)
against `psycopg-csv-index` (the raw CSV COPY, then CREATE INDEX on the same columns).
Peer times exclude reading the CSV into the DataFrame; peak memory is the whole process's max RSS.
Median of the rounds, run interleaved (tool order within a round rotates)."""
import argparse, json, os, random, statistics, subprocess, sys, tempfile
from urllib.parse import urlparse

COLUMNS = "user_id, rank, item_id, score, provenance"
# As long as recpipe's run ids (20261205T001700Z-4d7d).
RUN_ID = "20261205T001700Z-bench"

PEER = "RUN_ID = %r\n" % RUN_ID + r"""
import sys, time, datetime, sqlite3, pandas as pd
kind, csv, target, csv7 = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
df = pd.read_csv(csv, dtype={"user_id": str, "rank": "int64", "item_id": str, "score": "float64", "provenance": str})
df["run_id"] = RUN_ID
df["as_of"] = datetime.date(2026, 12, 1)
if kind == "pandas-sqlite":
    import sqlalchemy
    eng = sqlalchemy.create_engine("sqlite:///" + target)
    t = time.perf_counter()
    df.to_sql("bench_recs", eng, if_exists="replace", index=False, chunksize=100_000)
elif kind == "pandas-postgres":
    import sqlalchemy
    eng = sqlalchemy.create_engine(target.replace("postgres://", "postgresql+psycopg://", 1))
    t = time.perf_counter()
    df.to_sql("bench_recs_pandas", eng, if_exists="replace", index=False, chunksize=100_000)  # executemany (psycopg 3 pipelines it)
else:
    import psycopg
    with psycopg.connect(target.replace("?sslmode=disable", ""), sslmode="disable") as conn:
        t = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_recs_psycopg")
            cur.execute("CREATE TABLE bench_recs_psycopg (user_id text, rank bigint, item_id text, score double precision, provenance text, run_id text NOT NULL, as_of date NOT NULL)")
            cols = "user_id, rank, item_id, score, provenance, run_id, as_of"
            if kind == "psycopg-rows":
                with cur.copy(f"COPY bench_recs_psycopg ({cols}) FROM STDIN") as copy:
                    for row in df.itertuples(index=False, name=None):
                        copy.write_row(row)
            else:
                with cur.copy(f"COPY bench_recs_psycopg ({cols}) FROM STDIN (FORMAT csv, HEADER true)") as copy, open(csv7, "rb") as f:
                    while block := f.read(1 << 20):
                        copy.write(block)
                if kind == "psycopg-csv-index":
                    cur.execute("CREATE INDEX ON bench_recs_psycopg (user_id, rank)")
        conn.commit()
print(time.perf_counter() - t, len(df))
"""


def run_measured(cmd):
    """Runs cmd under /usr/bin/time -v; returns (stdout, peak RSS MiB)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
    rss = 0.0
    for line in p.stderr.splitlines():
        if "Maximum resident set size" in line:
            rss = int(line.split(":")[1]) / 1024
    return p.stdout, rss


def ours(a, cache, fmt, index=False):
    # --production: a run with --set is otherwise an experiment, which refuses to write PostgreSQL tables.
    cmd = [a.recpipe, "run", a.pipeline, "--production", "--only", "out", "--force", "--cache-dir", cache,
           "--set", f"vars.file={a.csv}", "--set", f"vars.format={fmt}", "--set", f"vars.postgres={a.postgres}",
           "--set", f"vars.database={a.work}/recpipe.sqlite"]
    if index:
        cmd += ["--set", "out.keys={bench_recs: [user_id, rank]}"]
    _, rss = run_measured(cmd)
    latest = open(os.path.join(cache, "runs", "latest")).read().strip()
    manifest = json.load(open(os.path.join(cache, "runs", latest, "manifest.json")))
    stage = next(s for s in manifest["stages"] if s["stage"] == "out")
    return stage["seconds"], rss


def peer(a, kind):
    target = a.postgres if "postgres" in kind or "psycopg" in kind else os.path.join(a.work, "pandas.sqlite")
    out, rss = run_measured([a.python, "-c", PEER, kind, a.csv, target, a.csv7])
    return float(out.split()[0]), rss


def postgres_reachable(a):
    try:
        import psycopg  # noqa: F401 (only inside the venv)
    except ImportError:
        pass
    p = subprocess.run([a.python, "-c", "import sys, psycopg; psycopg.connect(sys.argv[1].replace('?sslmode=disable',''), sslmode='disable').close()", a.postgres],
                       capture_output=True, text=True)
    return p.returncode == 0, p.stderr.strip().splitlines()[-1:] or [""]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recpipe", required=True)
    ap.add_argument("--pipeline", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--work", required=True)
    ap.add_argument("--postgres", required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip", default="", help="comma-separated peers to leave out (pandas-postgres takes ~4 min per 1M-row round)")
    a = ap.parse_args()
    a.python = os.path.abspath(a.python) if os.path.exists(a.python) else a.python
    a.csv = os.path.join(a.work, f"recs-{a.rows}.csv")
    if not os.path.exists(a.csv):
        rng = random.Random(7)
        with open(a.csv, "w") as f:
            f.write("user_id,rank,item_id,score,provenance\n")
            per_user = 10
            for u in range(a.rows // per_user):
                for r in range(per_user):
                    f.write(f"u{u:06d},{r + 1},i{rng.randrange(20000):05d},{rng.random() * (per_user - r):.6f},{rng.choice(('als', 'itemcf', 'popular'))}\n")
    a.csv7 = os.path.join(a.work, f"recs-{a.rows}-7col.csv")
    if not os.path.exists(a.csv7):
        with open(a.csv) as src, open(a.csv7, "w") as f:
            f.write(next(src).rstrip("\n") + ",run_id,as_of\n")
            for line in src:
                f.write(line.rstrip("\n") + f",{RUN_ID},2026-12-01\n")
    cache = tempfile.mkdtemp(prefix="recpipe-bench-db-cache-")
    # Warm-up: ingest once (cached from then on), and load each side once.
    subprocess.run([a.recpipe, "run", a.pipeline, "--production", "--cache-dir", cache, "--set", f"vars.file={a.csv}",
                    "--set", f"vars.database={a.work}/recpipe.sqlite", "--set", f"vars.postgres={a.postgres}"],
                   check=True, capture_output=True)
    pg_ok, why = postgres_reachable(a)
    groups = {"sqlite": ["recpipe", "pandas-sqlite"]}
    if pg_ok:
        groups["postgres"] = ["recpipe", "recpipe-index", "psycopg-rows", "psycopg-csv", "psycopg-csv-index",
                              "pandas-postgres"]
    else:
        print(f"PostgreSQL half skipped: cannot connect to {a.postgres} ({why[0]})")
    skipped = {t for t in a.skip.split(",") if t}
    groups = {g: [t for t in tools if t not in skipped] for g, tools in groups.items()}
    if skipped:
        print(f"left out on request: {', '.join(sorted(skipped))}")
    results = {(g, t): [] for g, tools in groups.items() for t in tools}
    for rnd in range(a.rounds):
        for g, tools in groups.items():
            order = tools[rnd % len(tools):] + tools[:rnd % len(tools)]
            for t in order:
                if t.startswith("recpipe"):
                    results[(g, t)].append(ours(a, cache, g, index=t == "recpipe-index"))
                else:
                    results[(g, t)].append(peer(a, t))
    print(f"{a.rows:,} recommendation rows, median of {a.rounds} interleaved runs (spread: min–max)")
    print(f"{'target':<9} {'tool':<18} {'seconds':>8} {'spread':>17} {'rows/s':>11} {'peak MiB':>9}")
    for g, tools in groups.items():
        med = {}
        for t in tools:
            times = [s for s, _ in results[(g, t)]]
            secs = statistics.median(times)
            rss = max(m for _, m in results[(g, t)])
            med[t] = (secs, rss)
            spread = f"{min(times):.3f}–{max(times):.3f}"
            print(f"{g:<9} {t:<18} {secs:8.3f} {spread:>17} {a.rows / secs:11,.0f} {rss:9.1f}")
        ours_ = [t for t in med if t.startswith("recpipe")]
        if len(med) == len(ours_):
            continue  # no peer left in this group (--skip)
        for mine in ours_:
            with_index = mine.endswith("-index")
            peers = {t: v for t, v in med.items() if not t.startswith("recpipe") and (t.endswith("-index") == with_index)}
            if not peers:
                continue
            fastest = min((v[0], t) for t, v in peers.items())
            mem_name = "pandas-sqlite" if g == "sqlite" else "pandas-postgres"
            if mem_name not in med:
                mem_name = fastest[1]
            ratios = ", ".join(f"{mine}/{t} {med[mine][0] / v[0]:.2f}" for t, v in peers.items())
            print(f"{'':<9} time ratio {ratios} (goal ≤ 0.8 × the fastest peer, {fastest[1]}); "
                  f"peak memory {mine}/{mem_name} {med[mine][1] / med[mem_name][1]:.2f} (goal: below pandas)")


if __name__ == "__main__":
    main()
