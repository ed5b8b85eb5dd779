"""CSV ingest benchmark (issue 3): recpipe's `ingest` stage vs pandas.read_csv and polars.read_csv
on the same files in the same run. Reports MB/s (read + parse into typed columns) and each
process's peak memory (max RSS)."""
import argparse, json, os, subprocess, sys, tempfile, time

PANDAS = """
import sys, time, pandas as pd
t = time.perf_counter()
df = pd.read_csv(sys.argv[1], dtype={"InvoiceNo": str, "StockCode": str, "Description": str, "Country": str},
                 parse_dates=["InvoiceDate"], date_format="%Y-%m-%d %H:%M:%S")
print(time.perf_counter() - t, len(df))
"""
POLARS = """
import sys, time, polars as pl
t = time.perf_counter()
df = pl.read_csv(sys.argv[1], schema_overrides={"InvoiceNo": pl.Utf8, "StockCode": pl.Utf8, "CustomerID": pl.Float64},
                 try_parse_dates=True)
print(time.perf_counter() - t, df.height)
"""


def run_measured(cmd):
    """Runs cmd under /usr/bin/time -v; returns (stdout, peak RSS MiB)."""
    full = ["/usr/bin/time", "-v"] + cmd
    p = subprocess.run(full, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-3000:]}")
    rss = 0.0
    for line in p.stderr.splitlines():
        if "Maximum resident set size" in line:
            rss = int(line.split(":")[1]) / 1024
    return p.stdout, rss


def ours(recpipe, pipeline, path, cache):
    """Runs the ingest pipeline; returns (seconds of the ingest stage, peak RSS MiB, rows)."""
    out, rss = run_measured([recpipe, "run", pipeline, "--force", "--cache-dir", cache, "--set", f"vars.file={path}"])
    latest = open(os.path.join(cache, "runs", "latest")).read().strip()
    manifest = json.load(open(os.path.join(cache, "runs", latest, "manifest.json")))
    stage = manifest["stages"][0]
    return stage["seconds"], rss, int(stage["rows_out"])


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recpipe", required=True)
    ap.add_argument("--pipeline", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--runs", type=int, default=3, help="interleaved runs per file (median and spread are printed)")
    ap.add_argument("--before", help="an older recpipe binary, run interleaved as a third side (before/after figures)")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    cache = tempfile.mkdtemp(prefix="recpipe-bench-ingest-cache-")
    print(f"{a.runs} interleaved runs per file; figures are the median (min–max) of the runs")
    print(f"{'file':<24} {'MB':>7}  {'tool':<8} {'seconds':>22} {'MB/s':>7} {'peak MiB':>20} {'rows':>10}")
    for path in a.files:
        mb = os.path.getsize(path) / 1e6
        name = os.path.basename(path)
        # Every tool reads from a warm page cache: read the file once before timing anyone, so the
        # first tool does not pay for the disk (or for a just-written file's writeback).
        with open(path, "rb") as fh:
            while fh.read(1 << 24):
                pass
        tools = ["recpipe"] + (["before"] if a.before else []) + ["pandas", "polars"]
        runs = {t: [] for t in tools}  # (seconds, peak MiB, rows) per run
        for _ in range(a.runs):
            runs["recpipe"].append(ours(a.recpipe, a.pipeline, path, cache))
            if a.before:
                runs["before"].append(ours(a.before, a.pipeline, path, cache))
            for tool, code in (("pandas", PANDAS), ("polars", POLARS)):
                out, rss = run_measured([a.python, "-c", code, path])
                secs, n = out.split()
                runs[tool].append((float(secs), rss, int(n)))
        med = {t: (median([r[0] for r in rs]), median([r[1] for r in rs])) for t, rs in runs.items()}
        for tool, rs in runs.items():
            secs = [r[0] for r in rs]
            mem = [r[1] for r in rs]
            print(f"{name:<24} {mb:7.1f}  {tool:<8} {med[tool][0]:8.3f} ({min(secs):.3f}–{max(secs):.3f}) "
                  f"{mb / med[tool][0]:7.1f} {med[tool][1]:8.1f} ({min(mem):.0f}–{max(mem):.0f}) {rs[0][2]:>10}")

        def ratios(x, y):
            per = [r[0] / q[0] for r, q in zip(runs[x], runs[y])]
            return f"{med[x][0] / med[y][0]:.2f} (per run {min(per):.2f}–{max(per):.2f})"

        print(f"{'':<24} {'':>7}  time recpipe/pandas {ratios('recpipe', 'pandas')} (target < 1), "
              f"recpipe/polars {ratios('recpipe', 'polars')} (target ≤ 1.5); "
              f"peak memory recpipe/pandas {med['recpipe'][1] / med['pandas'][1]:.2f} (target < 1)")
        if a.before:
            print(f"{'':<24} {'':>7}  after/before: time {ratios('recpipe', 'before')}, "
                  f"peak memory {med['recpipe'][1] / med['before'][1]:.2f}")


if __name__ == "__main__":
    main()
