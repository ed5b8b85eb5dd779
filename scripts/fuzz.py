#!/usr/bin/env python3
"""Fuzzing for recpipe (issue #20): for a bounded time, mutate pipeline YAML and CSV inputs and
run `recpipe validate` / `recpipe run` on them, then kill runs of the demo pipeline at random
moments with SIGKILL and check that no output is torn and that the next run succeeds with the
same outputs as an undisturbed run.

Counts: cases, crashes (killed by a signal, or an exit code other than 0/1/2), hangs (no exit
within the per-case timeout), unaccounted rows (an ingest stage whose rows_in differs from
rows_ok + rows_rejected), torn outputs and failed or different re-runs after a kill (exit 1 when
any is non-zero), and temporaries of a killed run still under out/ after the next run (reported,
not failing: a cached export does not sweep them). Crashing inputs are kept under WORK/crashes/ to replay.

usage: scripts/fuzz.py SECONDS --recpipe BIN [--seed N] [--work DIR]
"""
import argparse, json, os, random, shutil, signal, subprocess, sys, time

p = argparse.ArgumentParser()
p.add_argument("seconds", type=float, nargs="?", default=120)
p.add_argument("--recpipe", required=True)
p.add_argument("--seed", type=int, default=int(time.time()))
p.add_argument("--work", default="/tmp/recpipe-fuzz")
p.add_argument("--case-timeout", type=float, default=30)
args = p.parse_args()
rng = random.Random(args.seed)
BIN = os.path.abspath(args.recpipe)
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
WORK = args.work
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK + "/crashes")
counts = {k: 0 for k in ["yaml_cases", "csv_cases", "kill_cases", "crashes", "hangs", "unaccounted_rows",
                         "torn_outputs", "failed_reruns", "changed_outputs", "leftover_temporaries"]}
exits = {}


def run(argv, timeout=None, cwd=WORK):
    try:
        r = subprocess.run([BIN] + argv, cwd=cwd, capture_output=True, timeout=timeout or args.case_timeout)
        return r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"") + (e.stderr or b"")


def judge(kind, code, output, keep):
    exits[code] = exits.get(code, 0) + 1
    if code is None:
        counts["hangs"] += 1
    elif code < 0 or code not in (0, 1, 2):
        counts["crashes"] += 1
    else:
        return True
    n = counts["crashes"] + counts["hangs"]
    dest = f"{WORK}/crashes/{kind}-{n}"
    os.makedirs(dest)
    for path in keep:
        shutil.copy(path, dest)
    with open(dest + "/output.txt", "wb") as f:
        f.write(output[-20000:])
    print(f"  {'hang' if code is None else f'crash (exit {code})'}: kept in {dest}", flush=True)
    return False


# MARK: - Mutations

TOKENS = [b"[", b"]", b"{", b"}", b":", b": ", b"- ", b"\n", b"\t", b"  ", b"&a ", b"*a", b"<<: *a", b"!!str ",
          b"${vars.data}", b"${vars.", b"$${", b"\"", b"'", b"#", b"---\n", b"null", b"~", b"1e400", b".nan",
          b"-1", b"9223372036854775808", b"\xff", b"\xc3", b"\xe9", b"\x00", b"%", b"|\n", b">-\n", b"? "]


def mutate(data, tokens, rounds):
    b = bytearray(data)
    for _ in range(rounds):
        op = rng.randrange(8)
        i = rng.randrange(len(b) + 1) if b else 0
        if op == 0 and b:
            del b[i:i + rng.randrange(1, 20)]
        elif op == 1:
            b[i:i] = rng.choice(tokens)
        elif op == 2 and b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op == 3 and b:  # duplicate a slice (repeated keys, lines)
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randrange(1, 200)]
        elif op == 4:  # deep flow nesting
            depth = rng.choice([10, 300, 5000, 30000])
            b[i:i] = b"[" * depth + b"]" * depth
        elif op == 5 and b:  # truncate
            del b[i:]
        elif op == 6:  # many keys
            b[i:i] = b"{" + b", ".join(b"k%d: %d" % (k, k) for k in range(rng.choice([10, 1000, 30000]))) + b"}"
        else:
            b[i:i] = rng.choice(tokens) * rng.randrange(1, 50)
    return bytes(b)


def structured(data):
    """A valid pipeline with one hostile value in `vars`: deep nesting, a huge mapping or list,
    alias expansion, or a long string (the shapes that crashed or stalled the loader)."""
    shape = rng.randrange(5)
    if shape == 0:
        depth = rng.choice([100, 256, 257, 5000, 19000, 40000])
        value = b"[" * depth + b"]" * depth
    elif shape == 1:
        value = b"{" + b", ".join(b"k%d: %d" % (k, k) for k in range(rng.choice([1000, 20000, 60000]))) + b"}"
    elif shape == 2:
        value = b"[" + b", ".join(b"v%d" % k for k in range(rng.choice([1000, 100000]))) + b"]"
    elif shape == 3:
        value = b"&a [" + b", ".join([b"x"] * 1000) + b"]\n  more: &b [" + b", ".join([b"*a"] * 100) + b"]\n  most: [" \
            + b", ".join([b"*b"] * rng.choice([5, 20])) + b"]"
    else:
        value = b"\"" + b"x${vars.data}" * rng.choice([10, 10000]) + b"\""
    return data.replace(b"vars:\n", b"vars:\n  hostile: " + value + b"\n", 1)


# MARK: - Fixtures

DEMO = WORK + "/demo"
os.makedirs(DEMO + "/data")
shutil.copytree(REPO + "/pipelines", DEMO + "/pipelines")
code, out = run(["demo-data", "--out", DEMO + "/data/demo", "--users", "300", "--items", "120", "--events", "6000",
                 "--seed", "7"], timeout=120)
assert code == 0, out.decode(errors="replace")
BASE_YAML = open(DEMO + "/pipelines/demo.yaml", "rb").read()

CSVDIR = WORK + "/csv"
os.makedirs(CSVDIR)
events_lines = open(DEMO + "/data/demo/events.csv", "rb").read().split(b"\n")
BASE_CSV = b"\n".join(events_lines[:400]) + b"\n"
header = events_lines[0].decode()
CSV_PIPELINE = f"""pipeline: fuzz-csv
as_of: "2026-11-01"
stages:
  events:
    uses: ingest
    with: {{ path: events.csv, max_bad_rows: "100%" }}
  typed:
    uses: ingest
    with:
      path: events.csv
      max_bad_rows: "100%"
      on_invalid_utf8: reject
      schema: {{ price: {{ type: float, min: 0 }}, quantity: {{ type: int, min: -1000, max: 1000 }}, user_id: string, item_id: string }}
  clean: {{ uses: clean, input: events, with: {{ drop_nulls: [user_id, item_id] }} }}
  matrix: {{ uses: encode, inputs: {{ events: clean }}, with: {{ weights: {{ view: 1, cart: 3, purchase: 5 }} }} }}
"""
with open(CSVDIR + "/p.yaml", "w") as f:
    f.write(CSV_PIPELINE)
CSV_TOKENS = [b",", b"\"", b"\"\"", b"\n", b"\r\n", b"\r", b"1e400", b"-1e999", b"nan", b"inf", b"9223372036854775807",
              b"-9223372036854775809", b"\xff", b"\xc3\x28", b"\xe9", b"\x00", b"\xef\xbb\xbf", b"NA", b"", b" ",
              b"2026-13-45 25:61:61", b"U00001", b"SKU-1001", b"purchase", b"-5", b"0.0000000001"]


def accounted(manifest_dir):
    """Unaccounted ingest rows in the run's manifest (0 when there is none)."""
    bad = 0
    runs = os.path.join(manifest_dir, ".recpipe", "runs")
    latest = os.path.join(runs, "latest")
    if not os.path.exists(latest):
        return 0
    run_id = open(latest).read().strip()
    try:
        m = json.load(open(os.path.join(runs, run_id, "manifest.json")))
    except (OSError, ValueError):
        return 0
    for s in m.get("stages", []):
        if s.get("kind") != "ingest" or s.get("status") != "ran":
            continue
        c = {x["name"]: x["value"] for x in s.get("counters", [])}
        if "rows_ok" in c and s.get("rows_in") != c["rows_ok"] + c.get("rows_rejected", 0):
            bad += 1
    return bad


# MARK: - Kill loop helpers

OUT_DIR = DEMO + "/out/demo"


def snapshot():
    """name → bytes of every CSV/JSONL output of the demo pipeline."""
    files = {}
    if not os.path.isdir(OUT_DIR):
        return files
    for name in sorted(os.listdir(OUT_DIR)):
        if name.endswith((".csv", ".jsonl")):
            files[name] = open(os.path.join(OUT_DIR, name), "rb").read()
    return files


def torn(files):
    """Names of outputs that are not whole: a CSV row with the wrong field count, a JSONL line
    that does not parse, or a file not ending in a newline."""
    import csv, io
    bad = []
    for name, data in files.items():
        if data and not data.endswith(b"\n"):
            bad.append(name)
            continue
        text = data.decode("utf-8", errors="replace")
        if name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(text)))
            if rows and any(len(r) != len(rows[0]) for r in rows[1:]):
                bad.append(name)
        else:
            for line in text.splitlines():
                try:
                    json.loads(line)
                except ValueError:
                    bad.append(name)
                    break
    return bad


def leftovers():
    out = []
    for root, _, names in os.walk(DEMO + "/out"):
        out += [os.path.join(root, n) for n in names if n.startswith(".tmp") or ".tmp-" in n]
    return out


# MARK: - Main loop

start = time.time()
deadline = start + args.seconds
t0 = time.time()
code, out = run(["run", "pipelines/demo.yaml"], cwd=DEMO, timeout=300)
assert code == 0, out.decode(errors="replace")
full_run = time.time() - t0
reference = snapshot()
print(f"fuzz: seed {args.seed}, {args.seconds:.0f} s, demo run {full_run:.2f} s, {len(reference)} reference outputs", flush=True)

i = 0
while time.time() < deadline:
    i += 1
    phase = i % 4
    if phase in (0, 1):  # YAML mutant → validate
        counts["yaml_cases"] += 1
        path = f"{DEMO}/pipelines/fuzz.yaml"
        with open(path, "wb") as f:
            f.write(structured(BASE_YAML) if rng.random() < 0.4 else mutate(BASE_YAML, TOKENS, rng.randrange(1, 6)))
        sets = [] if rng.random() < 0.7 else ["--set", "vars.top_n=" + rng.choice(["[" * 3000 + "]" * 3000, "{a: [1, {b: 2}]}", "1e400", "\"x"])]
        code, out = run(["validate", path] + sets)
        judge("yaml", code, out, [path])
    elif phase == 2:  # CSV mutant → run
        counts["csv_cases"] += 1
        with open(CSVDIR + "/events.csv", "wb") as f:
            f.write(mutate(BASE_CSV, CSV_TOKENS, rng.randrange(1, 12)))
        shutil.rmtree(CSVDIR + "/.recpipe", ignore_errors=True)
        code, out = run(["run", "p.yaml"], cwd=CSVDIR)
        if judge("csv", code, out, [CSVDIR + "/events.csv", CSVDIR + "/p.yaml"]):
            counts["unaccounted_rows"] += accounted(CSVDIR)
    else:  # kill during a run, then check outputs and re-run
        counts["kill_cases"] += 1
        argv = ["run", "pipelines/demo.yaml"] + (["--force"] if rng.random() < 0.7 else [])
        proc = subprocess.Popen([BIN] + argv, cwd=DEMO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full_run * 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        bad = torn(snapshot())
        if bad:
            counts["torn_outputs"] += 1
            print(f"  torn after kill: {bad}", flush=True)
        code, out = run(["run", "pipelines/demo.yaml"], cwd=DEMO, timeout=300)
        if code != 0:
            counts["failed_reruns"] += 1
            print(f"  re-run after kill exited {code}: {out[-2000:].decode(errors='replace')}", flush=True)
        elif snapshot() != reference:
            counts["changed_outputs"] += 1
            print("  re-run after kill: outputs differ from the undisturbed run", flush=True)
        if leftovers():
            counts["leftover_temporaries"] += 1
            print(f"  temporaries left after a successful re-run: {leftovers()[:3]}", flush=True)

elapsed = time.time() - start
cases = counts["yaml_cases"] + counts["csv_cases"] + counts["kill_cases"]
print(f"fuzz: {cases} cases in {elapsed:.0f} s (seed {args.seed}): "
      f"{counts['yaml_cases']} YAML mutants validated, {counts['csv_cases']} CSV mutants run, {counts['kill_cases']} runs killed")
print("  crashes {crashes}, hangs {hangs}, unaccounted rows {unaccounted_rows}, torn outputs {torn_outputs}, "
      "failed re-runs {failed_reruns}, changed outputs after re-run {changed_outputs}, "
      "temporaries of killed runs left after the next run {leftover_temporaries}".format(**counts))
print("  exit codes: " + ", ".join(f"{'timeout' if k is None else k}: {v}" for k, v in sorted(exits.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))))
bad = sum(counts[k] for k in ["crashes", "hangs", "unaccounted_rows", "torn_outputs", "failed_reruns", "changed_outputs"])
sys.exit(1 if bad else 0)
