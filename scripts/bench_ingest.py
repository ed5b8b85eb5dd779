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
    out, rss = run_measured([recpipe, "run", pipeline, "--force", "--cache-dir", cache, "--set", f"vars.file={path}"])
    latest = open(os.path.join(cache, "runs", "latest")).read().strip()
    manifest = json.load(open(os.path.join(cache, "runs", latest, "manifest.json")))
    stage = manifest["stages"][0]
    return stage["seconds"], stage["rows_out"], rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recpipe", required=True)
    ap.add_argument("--pipeline", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    cache = tempfile.mkdtemp(prefix="recpipe-bench-ingest-cache-")
    print(f"{'file':<28} {'MB':>7}  {'tool':<8} {'seconds':>8} {'MB/s':>8} {'peak MiB':>9} {'rows':>10}")
    for path in a.files:
        mb = os.path.getsize(path) / 1e6
        name = os.path.basename(path)
        results = {}
        # Every tool reads from a warm page cache: read the file once before timing anyone, so the
        # first tool does not pay for the disk (or for a just-written file's writeback).
        with open(path, "rb") as fh:
            while fh.read(1 << 24):
                pass
        s, rows, rss = ours(a.recpipe, a.pipeline, path, cache)
        results["recpipe"] = (s, rss, rows)
        for tool, code in (("pandas", PANDAS), ("polars", POLARS)):
            out, rss = run_measured([a.python, "-c", code, path])
            secs, n = out.split()
            results[tool] = (float(secs), rss, int(n))
        for tool, (s, rss, rows) in results.items():
            print(f"{name:<28} {mb:7.1f}  {tool:<8} {s:8.3f} {mb / s:8.1f} {rss:9.1f} {rows:>10}")
        r, p, q = results["recpipe"][0], results["pandas"][0], results["polars"][0]
        print(f"{'':<28} {'':>7}  time ratio recpipe/pandas {r / p:.2f} (target < 1), recpipe/polars {r / q:.2f} (target ≤ 1.5); "
              f"peak memory recpipe/pandas {results['recpipe'][1] / results['pandas'][1]:.2f} (target < 1)")


if __name__ == "__main__":
    main()
