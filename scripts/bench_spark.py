"""Native vs Spark (local[*] unless --master says otherwise) for the `als` (f = 64, exact solves, Spark's settings) and `cluster`
stages on synthetic demo shops; see scripts/bench_spark.sh. Prints, per size and stage, the
median wall time and peak memory (RSS summed over recpipe and every process it started, the
Spark JVM and its Python workers included) of each engine over interleaved runs, and the ratio.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def tree_rss_kib(pid):
    """RSS of `pid` and all its descendants, in KiB (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack += children.get(p, [])
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def measured(cmd):
    """Runs `cmd`; returns (seconds, peak tree RSS in MiB, stdout)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    out = []
    import threading
    reader = threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True)
    reader.start()
    while proc.poll() is None:
        peak = max(peak, tree_rss_kib(proc.pid))
        time.sleep(0.2)
    reader.join()
    text = "".join(out)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{text[-3000:]}")
    return time.monotonic() - start, peak / 1024, text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recpipe", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--events", default="1000000,4000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--master", default="local[*]", help="Spark master (--set spark.master=…); local[*] = every core")
    ap.add_argument("--engines", default="native,spark", help="e.g. native alone for sizes Spark local[2] cannot finish here")
    args = ap.parse_args()
    rows = []
    for events in [int(e) for e in args.events.split(",")]:
        data = os.path.abspath(f"{args.work}/shop-{events}")
        if not os.path.exists(f"{data}/events.csv"):
            users, items = max(2000, events // 25), max(500, events // 200)
            print(f"-- generating {events:,} events ({users:,} users, {items:,} items) in {data}", flush=True)
            measured([args.recpipe, "demo-data", "--out", data, "--users", str(users), "--items", str(items),
                      "--events", str(events)])
        cache = os.path.abspath(f"{args.work}/cache-{events}")
        sets = ["--set", f"vars.data={data}", "--set", f"vars.iterations={args.iterations}",
                "--set", f"spark.master={args.master}"]
        base = [args.recpipe, "run", "scripts/bench/spark-shop.yaml", "--cache-dir", cache] + sets
        secs, peak, out = measured(base + ["--only", "events", "--only", "items", "--only", "matrix", "--only", "features"])
        nnz = next((line.split()[4] for line in out.splitlines() if line.startswith("matrix ")), "?")
        print(f"   {events:>10,} ingest+encode (native): {secs:8.2f} s  {peak:8.1f} MiB; matrix non-zeros {nnz}", flush=True)
        for stage in ["als", "segments"]:
            engines = args.engines.split(",")
            figures = {e: [] for e in engines}
            for run in range(args.runs):
                for engine in engines:
                    secs, peak, _ = measured(base + ["--set", f"{stage}.engine={engine}", "--only", stage, "--force"])
                    figures[engine].append((secs, peak))
                    print(f"   {events:>10,} {stage:<8} {engine:<6} run {run + 1}: {secs:8.2f} s  {peak:8.1f} MiB", flush=True)
            med = {e: (statistics.median(t for t, _ in v), statistics.median(m for _, m in v),
                       min(t for t, _ in v), max(t for t, _ in v)) for e, v in figures.items()}
            rows.append((events, stage, med.get("native"), med.get("spark")))
    print(f"\nmedians of {args.runs} interleaved run(s), spread min–max; Spark master {args.master}")
    print("events      stage     native s (spread)          native MiB  spark s (spread)           spark MiB"
          "  time spark/native  memory spark/native")
    for events, stage, n, s in rows:
        cols = [f"{events:>10,}  {stage:<8}"]
        cols += [f"{n[0]:8.2f} ({n[2]:.2f}–{n[3]:.2f})".ljust(27) + f"{n[1]:10.1f}" if n else f"{'-':>27}  {'-':>10}"]
        cols += [f"{s[0]:7.2f} ({s[2]:.2f}–{s[3]:.2f})".ljust(27) + f"{s[1]:9.1f}" if s else f"{'-':>27}  {'-':>9}"]
        cols += [f"{s[0] / n[0]:17.2f}  {s[1] / n[1]:19.2f}" if n and s else ""]
        print("  ".join(cols))
    print("(wall time of `recpipe run --only STAGE`, whole process: loading the cached input, the stage, storing the result;"
          " Spark's includes JVM start-up)")


if __name__ == "__main__":
    main()
