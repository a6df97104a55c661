"""A Spark driver started before its run, so the run does not wait for a JVM.

Started by :mod:`glueline.cloud.glue.warm_pool` with the settings a cold ``spark-submit``
would use (``GLUELINE_WARM_SPARK_CONF``), it creates the SparkContext, warms the code paths
jobs use (CSV with schema inference, Parquet, locally and through S3A on a bucket of its
own), says it is ready on the file descriptor ``GLUELINE_WARM_READY_FD``, then waits for one
assignment on stdin: a JSON line naming the script, its arguments, its working directory,
its extra Python files and the folders of its ``--additional-python-modules``. It runs that
one script as ``__main__``, exactly as ``spark-submit`` would, and exits: one process per
run, so module state, ``sys.argv``, the environment and a script's ``sys.exit`` or crash stay
the run's own.

Its stdout and stderr (and its JVM's, which inherits them) are the run's logs; the pool
notes their sizes at the hand-off, so the warm-up's lines are not part of the run's log.

When the script ends, the JVM's fate is written to the assignment's ``status_file``: a
script whose JVM died (out of memory, killed) only sees Py4J errors, and the runtime needs
the JVM's exit status to say what happened. A script may also never notice (it sleeps, or
waits on something else): :class:`JvmWatch` then ends the driver itself, as ``spark-submit``
ends when its JVM does, instead of leaving the run RUNNING until its timeout.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from typing import Any

CONF_VARIABLE = "GLUELINE_WARM_SPARK_CONF"
#: How often the driver checks that its JVM still runs.
JVM_POLL_SECONDS = 0.5
READY_FD_VARIABLE = "GLUELINE_WARM_READY_FD"
#: Names the bucket a driver warms S3A on, for the few seconds it exists.
WARM_UP_BUCKET_PREFIX = "glueline-warm-up-"


def start_spark() -> Any:
    from pyspark import SparkConf, SparkContext

    settings = json.loads(os.environ[CONF_VARIABLE])
    return SparkContext(conf=SparkConf().setAll(list(settings.items())))


def warm_up(context: Any) -> None:
    """Load and compile the code a job's first steps run: CSV with schema inference, Parquet,
    on local files and then through S3A, where a first use costs seconds more than the next."""
    import boto3  # noqa: F401  (scripts use it; importing costs a few hundred ms)
    from pyspark.sql import SparkSession

    spark = SparkSession(context)
    with tempfile.TemporaryDirectory(prefix="glueline-warm-up-") as folder:
        _csv_to_parquet(spark, os.path.join(folder, "in.csv"), os.path.join(folder, "out"))
        _common_steps(spark, folder)
    try:
        _warm_up_s3a(spark)
    except Exception as error:
        # A cold code path only costs the run time; the driver is still good.
        print(f"glueline: S3A warm-up skipped: {error}", file=sys.stderr)


def _csv_to_parquet(spark: Any, csv: str, parquet: str) -> None:
    if csv.startswith("s3a://"):
        spark.createDataFrame([(1, "a", 1.5), (2, "b", 2.5)], ["id", "name", "amount"]).write.mode(
            "overwrite"
        ).option("header", "true").csv(csv)
    else:
        with open(csv, "w", encoding="utf-8") as file:
            file.write("id,name,amount\n1,a,1.5\n2,b,2.5\n")
    frame = spark.read.options(header="true", inferSchema="true").csv(csv)
    frame.write.mode("overwrite").parquet(parquet)
    spark.read.parquet(parquet).count()


def _common_steps(spark: Any, folder: str) -> None:
    """What ETL scripts do besides reading and writing, each once on a few rows: a first use
    loads and compiles classes for up to a second, and a run that does five of them pays it
    five times. Lines cached and aggregated, CSV parsed from lines with a schema and a
    corrupt-record column, filters, a window, lineage columns, JSON Lines."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    text = os.path.join(folder, "lines.csv")
    with open(text, "w", encoding="utf-8") as file:
        file.write('id,name\n1,"a"\n2,b,extra\n')
    lines = (
        spark.read.text(text)
        .select(
            F.monotonically_increasing_id().alias("line"),
            "value",
            F.length(F.regexp_replace("value", '[^"]', "")).alias("quotes"),
        )
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    lines.filter(F.col("line") == 0).first()
    lines.agg(F.count(F.lit(1)), F.sum(F.when(F.col("quotes") % 2 == 1, 1).otherwise(0))).first()
    lines.withColumn("open", F.sum("quotes").over(Window.orderBy("line")) % 2 == 1).collect()

    strings = lines.select("value").rdd.map(lambda row: row.value)
    inferred = spark.read.csv(strings, header=True, inferSchema=True).schema
    schema = T.StructType([*inferred.fields, T.StructField("_corrupt_record", T.StringType())])
    rows = spark.read.csv(
        strings, header=True, schema=schema, columnNameOfCorruptRecord="_corrupt_record"
    ).cache()
    rows.count()
    bad = F.col("_corrupt_record").isNotNull()
    rows.filter(bad).first()
    rows.filter(~bad).agg(F.count("name"), F.max("id")).first()
    rows.filter(~bad).withColumn("processed_at", F.lit("2026-01-01").cast("timestamp")).withColumn(
        "source", F.lit(text)
    ).write.mode("overwrite").option("compression", "snappy").parquet(os.path.join(folder, "rows"))
    rows.unpersist()
    lines.unpersist()

    json_lines = os.path.join(folder, "records.json")
    with open(json_lines, "w", encoding="utf-8") as file:
        file.write('{"id": "1", "terms": [{"type": "rep"}]}\n')
    spark.read.option("mode", "FAILFAST").json(json_lines).select("id", "terms").write.mode(
        "overwrite"
    ).parquet(os.path.join(folder, "records"))


def _warm_up_s3a(spark: Any) -> None:
    """Twice through S3A, on a bucket of its own that is deleted after: the first pass loads
    the classes, the second compiles what every run repeats (output commit, renames)."""
    import boto3

    # A session of its own: boto3's default session keeps the credentials it first resolves,
    # and the script's clients must resolve the run's.
    s3 = boto3.session.Session().client("s3")
    bucket = f"{WARM_UP_BUCKET_PREFIX}{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    try:
        for _ in range(2):
            _csv_to_parquet(spark, f"s3a://{bucket}/in", f"s3a://{bucket}/out")
    finally:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for entry in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=entry["Key"])
        s3.delete_bucket(Bucket=bucket)


def announce_ready() -> None:
    descriptor = int(os.environ[READY_FD_VARIABLE])
    os.write(descriptor, b"ready\n")
    os.close(descriptor)


def act_as(context: Any, environment: dict[str, str]) -> None:
    """Take on the run's credentials: in the environment (boto3) and in S3A's settings.

    S3A reads its settings when it first opens a bucket; the warm-up opened only its probe
    bucket, so every bucket the script touches is opened with these.
    """
    os.environ.update(environment)
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        # A default session made before the hand-off would sign the script's requests with
        # the credentials it resolved then.
        boto3.DEFAULT_SESSION = None
    if "AWS_SESSION_TOKEN" in environment:
        configuration = context._jsc.hadoopConfiguration()
        for key, value in {
            "fs.s3a.aws.credentials.provider": (
                "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"
            ),
            "fs.s3a.access.key": environment["AWS_ACCESS_KEY_ID"],
            "fs.s3a.secret.key": environment["AWS_SECRET_ACCESS_KEY"],
            "fs.s3a.session.token": environment["AWS_SESSION_TOKEN"],
        }.items():
            configuration.set(key, value)


def run_assignment(context: Any, assignment: dict[str, Any]) -> int:
    """Run the script as ``__main__``; returns the exit code ``spark-submit`` would have."""
    act_as(context, assignment.get("environment", {}))
    os.chdir(assignment["cwd"])
    script = assignment["script"]
    sys.argv = [script, *assignment["argv"]]
    python_path = assignment.get("python_path", [])
    # The order a cold driver's sys.path has: the script's folder, the extra Python files,
    # then PYTHONPATH (the run's modules).
    sys.path[:0] = [os.path.dirname(script), *assignment["py_files"], *python_path]
    if python_path:
        # Python workers take PYTHONPATH from the context's environment.
        existing = context.environment.get("PYTHONPATH")
        context.environment["PYTHONPATH"] = os.pathsep.join(
            [*python_path, *([existing] if existing else [])]
        )
    for py_file in assignment["py_files"]:
        context.addPyFile(py_file)
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as stop:
        return _exit_code(stop.code)
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _jvm_returncode(gateway_process: subprocess.Popen[bytes] | None) -> int | None:
    """The JVM's exit status, or None while it runs.

    ``wait`` with a timeout rather than ``poll``: ``poll`` answers None whenever another
    thread (:class:`JvmWatch` polling) holds the process's wait lock, even for a JVM that
    is gone.
    """
    if gateway_process is None:
        return None
    try:
        return gateway_process.wait(timeout=0.1)
    except subprocess.TimeoutExpired:
        return None


def record_jvm_status(context: Any, status_file: str) -> bool:
    """Write the JVM's exit status (None while it runs); returns whether it still runs."""
    returncode = _jvm_returncode(getattr(context._gateway, "proc", None))
    with open(status_file, "w", encoding="utf-8") as file:
        json.dump({"jvm_returncode": returncode}, file)
    return returncode is None


class JvmWatch:
    """Ends the driver when its JVM dies before the script has ended.

    Idle, a driver whose JVM is gone must not be handed a run; running, a script that never
    calls the JVM again would keep the run RUNNING until its timeout. Either way the driver
    exits with status 1, after writing the JVM's status to the run's ``status_file`` if it
    has one, so the runtime says what happened (killed by a signal, out of memory).
    """

    def __init__(self, context: Any) -> None:
        self._context = context
        self._lock = threading.Lock()
        self._status_file: str | None = None
        self._exiting = False

    def start(self) -> None:
        threading.Thread(target=self._watch, name="glueline-jvm-watch", daemon=True).start()

    def assigned(self, status_file: str) -> None:
        with self._lock:
            self._status_file = status_file

    def expect_exit(self) -> None:
        """From here on the JVM's end is the driver's own shutdown, not a failure."""
        with self._lock:
            self._exiting = True

    def _watch(self) -> None:
        gateway_process = getattr(self._context._gateway, "proc", None)
        if gateway_process is None:
            return
        while gateway_process.poll() is None:
            time.sleep(JVM_POLL_SECONDS)
        with self._lock:
            if self._exiting:
                return
            if self._status_file is not None:
                record_jvm_status(self._context, self._status_file)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)


def main() -> None:
    context = start_spark()
    watch = JvmWatch(context)
    watch.start()
    warm_up(context)
    announce_ready()
    line = sys.stdin.readline()
    if not line:
        watch.expect_exit()
        return
    assignment = json.loads(line)
    watch.assigned(assignment["status_file"])
    code = run_assignment(context, assignment)
    watch.expect_exit()
    sys.stdout.flush()
    sys.stderr.flush()
    if not record_jvm_status(context, assignment["status_file"]):
        # Stopping the SparkContext at exit would wait on a JVM that is gone.
        os._exit(code or 1)
    sys.exit(code)


if __name__ == "__main__":
    main()
