"""recpipe's Spark job: the `als` and `cluster` stages on Apache Spark MLlib.

recpipe runs it with one spark-submit per stage:

    spark-submit [--master M] [--conf k=v ...] recpipe_spark_job.py als|kmeans WORK_DIR PARAMS_JSON

WORK_DIR holds the stage's input, written by recpipe, and receives the result:

  als     input.csv      `user,item,value` (0-based indices, one line per non-zero)
          -> users/, items/  CSV part files of `index,f1 f2 ... ff` (Spark's factors)
  kmeans  input.csv      `row,x1,...,xd` (features already scaled by recpipe)
          -> labels/     CSV part files of `row,cluster`
             the result line carries the centroids, inertia and iterations

Protocol on stdout (everything else Spark prints goes to stderr):

  recpipe-progress FRACTION|- MESSAGE   a progress line; recpipe shows it beside the stage
  recpipe-result JSON                   the last line of a successful run

Parameters map one to one onto Spark's (see docs/scaling.md); recpipe refuses the others when it
validates the pipeline, so this job never has to guess.
"""

import json
import sys
import threading


def progress(fraction, message):
    """Prints one progress line for recpipe (fraction in 0..1, or None when unknown)."""
    text = "-" if fraction is None else "%.3f" % fraction
    print("recpipe-progress %s %s" % (text, message.replace("\n", " ")), flush=True)


def result(payload):
    print("recpipe-result " + json.dumps(payload, sort_keys=True), flush=True)


def stage_line(tracker):
    """Spark's own progress: the active stages and their finished/total tasks, or None."""
    parts = []
    for stage_id in sorted(tracker.getActiveStageIds()):
        info = tracker.getStageInfo(stage_id)
        if info is None:
            continue
        parts.append("stage %d %s/%s tasks" % (stage_id, info.numCompletedTasks, info.numTasks))
    return ", ".join(parts) if parts else None


class ProgressReporter(threading.Thread):
    """Polls Spark's status tracker and reports the running stages under a phase name."""

    def __init__(self, sc, interval=0.5):
        super().__init__(daemon=True)
        self.tracker = sc.statusTracker()
        self.interval = interval
        self.phase = ("starting", 0.0)
        self.done = threading.Event()
        self.last = None

    def set_phase(self, name, fraction):
        self.phase = (name, fraction)
        progress(fraction, name)

    def run(self):
        while not self.done.wait(self.interval):
            line = stage_line(self.tracker)
            if line and line != self.last:
                self.last = line
                name, fraction = self.phase
                progress(fraction, "%s: %s" % (name, line))


# MARK: - Formats

def vector_text(values):
    """`f1 f2 ... ff`: a factor vector as recpipe reads it (repr round-trips every float)."""
    return " ".join(repr(float(v)) for v in values)


def factor_line(index, values):
    """One line of users/ or items/: `index,f1 f2 ... ff`."""
    return "%d,%s" % (index, vector_text(values))


def label_line(row, cluster):
    """One line of labels/: `row,cluster`."""
    return "%d,%d" % (row, cluster)


def feature_row(line):
    """One line of the k-means input, `row,x1,...,xd`, as (row, [x1, ..., xd])."""
    fields = line.split(",")
    return int(fields[0]), [float(x) for x in fields[1:]]


def parse_params(text):
    params = json.loads(text)
    if not isinstance(params, dict):
        raise ValueError("PARAMS_JSON must be a JSON object, got %r" % (text,))
    return params


def required(p, job, *names):
    """Refuses a parameter object that lacks one of `names`, naming all that are missing."""
    missing = [n for n in names if n not in p]
    if missing:
        got = ", ".join(sorted(p)) or "none"
        raise ValueError("the %s job needs the parameter(s) %s; got %s" % (job, ", ".join(missing), got))


# MARK: - Parameter mapping (recpipe's name -> Spark's)

def als_arguments(p):
    """pyspark.ml.recommendation.ALS's keyword arguments for recpipe's `als` parameters:
    factors -> rank, iterations -> maxIter, regularization -> regParam (Spark scales it by each
    user's/item's count: ALS-WR), implicit -> implicitPrefs, alpha (c = 1 + alpha * r), seed."""
    required(p, "als", "factors", "iterations", "regularization", "implicit", "seed")
    return {
        "rank": int(p["factors"]), "maxIter": int(p["iterations"]), "regParam": float(p["regularization"]),
        "implicitPrefs": bool(p["implicit"]), "alpha": float(p.get("alpha", 1.0)), "seed": int(p["seed"]),
        "userCol": "user", "itemCol": "item", "ratingCol": "value", "nonnegative": False,
    }


def kmeans_arguments(p, run):
    """pyspark.ml.clustering.KMeans's keyword arguments for run `run` (0-based) of recpipe's
    `cluster` parameters: k, max_iter -> maxIter, seed + run (n_init runs, best kept), k-means||."""
    required(p, "kmeans", "k", "max_iter", "seed")
    return {
        "k": int(p["k"]), "maxIter": int(p["max_iter"]), "seed": int(p["seed"]) + run,
        "initMode": "k-means||", "featuresCol": "features", "predictionCol": "cluster",
    }


# MARK: - ALS

def run_als(spark, reporter, work_dir, p):
    from pyspark.ml.recommendation import ALS
    from pyspark.sql.types import FloatType, IntegerType, StructField, StructType

    schema = StructType([
        StructField("user", IntegerType(), False),
        StructField("item", IntegerType(), False),
        StructField("value", FloatType(), False),
    ])
    arguments = als_arguments(p)
    reporter.set_phase("reading interactions", 0.05)
    data = spark.read.csv(work_dir + "/input.csv", schema=schema)
    als = ALS(**arguments)
    iterations = arguments["maxIter"]
    reporter.set_phase("ALS fit (%d iteration%s)" % (iterations, "" if iterations == 1 else "s"), 0.1)
    model = als.fit(data)
    reporter.set_phase("writing factors", 0.9)
    for name, frame in (("users", model.userFactors), ("items", model.itemFactors)):
        rows = frame.rdd.map(lambda r: factor_line(r[0], r[1]))
        rows.saveAsTextFile(work_dir + "/" + name)
    result({"factors": model.rank})


# MARK: - k-means

def run_kmeans(spark, reporter, work_dir, p):
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.linalg import Vectors

    reporter.set_phase("reading features", 0.05)
    lines = spark.sparkContext.textFile(work_dir + "/input.csv")
    rows = lines.map(feature_row).map(lambda r: (r[0], Vectors.dense(r[1])))
    data = spark.createDataFrame(rows, ["row", "features"]).cache()
    runs = int(p.get("n_init", 1))
    best = None
    for run in range(runs):
        reporter.set_phase("k-means|| run %d/%d" % (run + 1, runs), 0.1 + 0.8 * run / runs)
        model = KMeans(**kmeans_arguments(p, run)).fit(data)
        cost = model.summary.trainingCost
        if best is None or cost < best[1]:
            best = (model, cost, run)
    model, cost, run = best
    reporter.set_phase("writing labels", 0.9)
    labels = model.transform(data).select("row", "cluster").rdd.map(lambda r: label_line(r[0], r[1]))
    labels.saveAsTextFile(work_dir + "/labels")
    result({
        "centroids": [[float(x) for x in c] for c in model.clusterCenters()],
        "inertia": float(cost),
        "iterations": int(model.summary.numIter),
        "run": run,
    })


JOBS = {"als": run_als, "kmeans": run_kmeans}
# Each job's parameter check, run before Spark starts (a JVM start costs seconds).
CHECKS = {"als": als_arguments, "kmeans": lambda p: kmeans_arguments(p, 0)}


def main(argv):
    """Runs one job; returns the exit status (2: bad arguments, found before Spark starts)."""
    if len(argv) != 4 or argv[1] not in JOBS:
        sys.stderr.write("usage: spark-submit recpipe_spark_job.py als|kmeans WORK_DIR PARAMS_JSON\n")
        return 2
    job, work_dir = argv[1], argv[2]
    try:
        params = parse_params(argv[3])
        CHECKS[job](params)
    except ValueError as error:  # json.JSONDecodeError is one too
        sys.stderr.write("recpipe_spark_job.py: error: %s\n" % error)
        return 2
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("recpipe-%s-%s" % (job, params.get("stage", job))).getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    reporter = ProgressReporter(spark.sparkContext)
    reporter.start()
    try:
        JOBS[job](spark, reporter, work_dir, params)
    finally:
        reporter.done.set()
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
