"""Tests of recpipe's PySpark job (Sources/RecpipeStages/Spark/recpipe_spark_job.py) on its own.

Run by the Swift test SparkJobScriptTests (so `swift test` runs them), or by hand:

    python3 -m unittest -v Tests/python/test_recpipe_spark_job.py

The mapping, formats and argument checks need only the standard library. The tests marked
"Spark" start one local Spark (local[1]) and skip without pyspark, except under CI=true, where
a missing pyspark is a failure (.ci/run installs it into .venv-spark).
"""
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

JOB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources", "RecpipeStages", "Spark")
sys.path.insert(0, os.path.abspath(JOB_DIR))
import recpipe_spark_job as job  # noqa: E402

try:
    import pyspark  # noqa: F401
    HAVE_PYSPARK = True
except ImportError:
    HAVE_PYSPARK = False
UNDER_CI = os.environ.get("CI") == "true"

ALS_PARAMS = {"factors": 4, "iterations": 3, "regularization": 0.1, "implicit": True, "alpha": 2.0, "seed": 7,
              "stage": "als"}
KMEANS_PARAMS = {"k": 2, "n_init": 2, "max_iter": 20, "seed": 5, "stage": "segments"}


def run_main(argv):
    """main(argv) with its stdout and stderr captured: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = job.main(argv)
    return status, out.getvalue(), err.getvalue()


class ParameterMappingTests(unittest.TestCase):
    def test_als_parameters_map_one_to_one(self):
        self.assertEqual(job.als_arguments(ALS_PARAMS), {
            "rank": 4, "maxIter": 3, "regParam": 0.1, "implicitPrefs": True, "alpha": 2.0, "seed": 7,
            "userCol": "user", "itemCol": "item", "ratingCol": "value", "nonnegative": False,
        })

    def test_explicit_als_without_alpha_keeps_sparks_default(self):
        p = dict(ALS_PARAMS, implicit=False)
        del p["alpha"]
        args = job.als_arguments(p)
        self.assertIs(args["implicitPrefs"], False)
        self.assertEqual(args["alpha"], 1.0)

    def test_kmeans_runs_use_seed_plus_run_and_kmeans_parallel(self):
        self.assertEqual(job.kmeans_arguments(KMEANS_PARAMS, 0), {
            "k": 2, "maxIter": 20, "seed": 5, "initMode": "k-means||", "featuresCol": "features",
            "predictionCol": "cluster",
        })
        self.assertEqual(job.kmeans_arguments(KMEANS_PARAMS, 3)["seed"], 8)

    def test_missing_parameters_are_all_named(self):
        with self.assertRaises(ValueError) as caught:
            job.als_arguments({"factors": 8, "seed": 1})
        self.assertEqual(str(caught.exception),
                         "the als job needs the parameter(s) iterations, regularization, implicit; got factors, seed")
        with self.assertRaises(ValueError) as caught:
            job.kmeans_arguments({}, 0)
        self.assertEqual(str(caught.exception), "the kmeans job needs the parameter(s) k, max_iter, seed; got none")


class FormatTests(unittest.TestCase):
    def test_factor_lines_round_trip_every_float(self):
        values = [0.1, -2.5e-08, 1 / 3, 12345.678]
        line = job.factor_line(3, values)
        self.assertEqual(line, "3,0.1 -2.5e-08 0.3333333333333333 12345.678")
        index, text = line.split(",")
        self.assertEqual((int(index), [float(x) for x in text.split(" ")]), (3, values))

    def test_label_and_feature_lines(self):
        self.assertEqual(job.label_line(17, 4), "17,4")
        self.assertEqual(job.feature_row("5,0.25,-1,3e-3"), (5, [0.25, -1.0, 0.003]))

    def test_progress_and_result_lines(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            job.progress(0.5, "ALS fit\n(3 iterations)")
            job.progress(None, "starting")
            job.result({"run": 1, "inertia": 2.5})
        self.assertEqual(out.getvalue().splitlines(), [
            "recpipe-progress 0.500 ALS fit (3 iterations)",
            "recpipe-progress - starting",
            'recpipe-result {"inertia": 2.5, "run": 1}',
        ])


class ArgumentFailureTests(unittest.TestCase):
    """Bad arguments end with status 2 and one line on stderr, before Spark is imported."""

    def test_usage(self):
        status, out, err = run_main(["recpipe_spark_job.py", "svd", "/tmp", "{}"])
        self.assertEqual((status, out), (2, ""))
        self.assertEqual(err, "usage: spark-submit recpipe_spark_job.py als|kmeans WORK_DIR PARAMS_JSON\n")
        self.assertEqual(run_main(["recpipe_spark_job.py", "als"])[0], 2)

    def test_params_that_are_not_a_json_object(self):
        status, _, err = run_main(["recpipe_spark_job.py", "als", "/tmp", "[1, 2]"])
        self.assertEqual(status, 2)
        self.assertEqual(err,
                         "recpipe_spark_job.py: error: PARAMS_JSON must be a JSON object, got '[1, 2]'\n")
        status, _, err = run_main(["recpipe_spark_job.py", "kmeans", "/tmp", "{k: 2"])
        self.assertEqual(status, 2)
        self.assertTrue(err.startswith(
            "recpipe_spark_job.py: error: Expecting property name enclosed in double quotes"), err)

    def test_missing_parameters_fail_before_spark_starts(self):
        status, out, err = run_main(["recpipe_spark_job.py", "kmeans", "/nonexistent", json.dumps({"k": 3})])
        self.assertEqual((status, out), (2, ""))
        self.assertEqual(
            err, "recpipe_spark_job.py: error: the kmeans job needs the parameter(s) max_iter, seed; got k\n")


class SilentReporter:
    """The ProgressReporter's interface, recording phases instead of polling Spark."""

    def __init__(self):
        self.phases = []

    def set_phase(self, name, fraction):
        self.phases.append(name)


@unittest.skipUnless(HAVE_PYSPARK or UNDER_CI, "needs pyspark (python3 -m pip install pyspark; .ci/run installs it)")
class SparkTests(unittest.TestCase):
    """One local Spark for all: the jobs' output files and result lines, and a missing input."""

    @classmethod
    def setUpClass(cls):
        if not HAVE_PYSPARK:
            raise AssertionError("CI=true but pyspark is not importable by %s" % sys.executable)
        from pyspark.sql import SparkSession
        # Spark's Python workers import the job module by name (functions pickled by reference).
        os.environ["PYTHONPATH"] = os.path.abspath(JOB_DIR) + os.pathsep + os.environ.get("PYTHONPATH", "")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        cls.spark = (SparkSession.builder.master("local[1]").appName("recpipe-job-tests")
                     .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                     .config("spark.sql.shuffle.partitions", "2").getOrCreate())
        cls.spark.sparkContext.setLogLevel("ERROR")

    @classmethod
    def tearDownClass(cls):
        cls.spark.stop()

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="recpipe-spark-job-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def part_lines(self, name):
        folder = os.path.join(self.work, name)
        self.assertTrue(os.path.exists(os.path.join(folder, "_SUCCESS")), "no _SUCCESS in " + folder)
        lines = []
        for part in sorted(f for f in os.listdir(folder) if f.startswith("part-")):
            with open(os.path.join(folder, part)) as f:
                lines += [line.rstrip("\n") for line in f if line.strip()]
        return lines

    def run_job(self, run, params):
        out = io.StringIO()
        reporter = SilentReporter()
        with contextlib.redirect_stdout(out):
            run(self.spark, reporter, self.work, params)
        result = [line for line in out.getvalue().splitlines() if line.startswith("recpipe-result ")]
        self.assertEqual(len(result), 1, out.getvalue())
        return json.loads(result[0][len("recpipe-result "):]), reporter.phases

    def test_als_writes_one_factor_line_per_user_and_item(self):
        with open(os.path.join(self.work, "input.csv"), "w") as f:
            f.write("0,0,1\n0,1,3\n1,1,1\n2,2,5\n2,0,1\n")
        payload, phases = self.run_job(job.run_als, dict(ALS_PARAMS, iterations=1))  # one: CI time
        self.assertEqual(payload, {"factors": 4})
        self.assertEqual(phases, ["reading interactions", "ALS fit (1 iteration)", "writing factors"])
        for name in ("users", "items"):
            rows = [line.split(",") for line in self.part_lines(name)]
            self.assertEqual(sorted(int(i) for i, _ in rows), [0, 1, 2])
            for _, vector in rows:
                self.assertEqual(len([float(x) for x in vector.split(" ")]), 4)

    def test_kmeans_labels_every_row_and_reports_the_best_run(self):
        rows = ["%d,%s" % (i, "0.0,0.1" if i % 2 else "10.0,10.2") for i in range(10)]
        with open(os.path.join(self.work, "input.csv"), "w") as f:
            f.write("\n".join(rows) + "\n")
        payload, phases = self.run_job(job.run_kmeans, dict(KMEANS_PARAMS, max_iter=5))
        self.assertEqual(phases, ["reading features", "k-means|| run 1/2", "k-means|| run 2/2", "writing labels"])
        self.assertAlmostEqual(payload["inertia"], 0.0, places=9)
        centroids = sorted(payload["centroids"])
        self.assertEqual(len(centroids), 2)
        for got, want in zip(centroids, [[0.0, 0.1], [10.0, 10.2]]):
            self.assertEqual([round(x, 9) for x in got], want)
        labels = dict(tuple(int(x) for x in line.split(",")) for line in self.part_lines("labels"))
        self.assertEqual(sorted(labels), list(range(10)))
        self.assertEqual({labels[i] for i in range(1, 10, 2)} & {labels[i] for i in range(0, 10, 2)}, set())

    def test_a_missing_input_fails_and_writes_nothing(self):
        from pyspark.errors import AnalysisException
        with self.assertRaises(AnalysisException) as caught:
            self.run_job(job.run_als, ALS_PARAMS)
        self.assertIn("input.csv", str(caught.exception))
        self.assertEqual(os.listdir(self.work), [])


if __name__ == "__main__":
    unittest.main()
