"""Builds the command lines that run one Glue job run, as pure functions.

Two targets share one argument contract: local Spark from the pyspark wheel (the default,
no Docker) and the AWS Glue libs image (real ``awsglue``, for machines with Docker). Both
point S3A at the local cloud so scripts keep their ``s3://`` paths unchanged. Keeping the
builders pure lets the exact argv be unit-tested without Spark or a Docker daemon.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from glueline.cloud.settings import (
    LOCAL_ACCESS_KEY_ID,
    LOCAL_REGION,
    LOCAL_SECRET_ACCESS_KEY,
    client_environment,
)

#: The Glue 5 image; pinned by tag because the Docker setup pins it too.
GLUE_LIBS_IMAGE = "public.ecr.aws/glue/aws-glue-libs:5"
#: Where the Glue 5 image keeps its workspace (the image's documented mount point).
CONTAINER_WORKSPACE = "/home/hadoop/workspace"
#: S3A for the Hadoop 3.3.4 client jars that PySpark 3.5 bundles, fetched by ``make setup``.
S3A_JARS = ("hadoop-aws-3.3.4.jar", "aws-java-sdk-bundle-1.12.262.jar")
#: Two cores on the development machines, shared with other test runs.
LOCAL_MASTER = "local[2]"
DRIVER_MEMORY = "1g"
#: A JVM out of heap exits at once (code 3) instead of limping on, so the run ends FAILED
#: within seconds and says why.
DRIVER_JAVA_OPTIONS = "-XX:+ExitOnOutOfMemoryError"
#: Arguments Glue always sets for a run; a caller's values for them are replaced.
RESERVED_ARGUMENTS = ("--JOB_NAME", "--JOB_RUN_ID")
EXTRA_PY_FILES = "--extra-py-files"
EXTRA_JARS = "--extra-jars"
SPARK_CONF = "--conf"
#: Glue special parameters a driver started ahead of its run cannot honour: they change the
#: JVM (settings, class path) before the SparkContext exists.
COLD_START_ARGUMENTS = (SPARK_CONF, EXTRA_JARS, "--user-jars-first")


class MissingJarsError(Exception):
    """The S3A jars are not where the launcher looks for them."""


@dataclass(frozen=True)
class LaunchSpec:
    """What one run executes: files already on local disk and the script's arguments."""

    job_name: str
    run_id: str
    #: Directory holding the script and the extra Python files, mounted into containers.
    code_dir: Path
    script_name: str
    script_arguments: tuple[str, ...]
    py_file_names: tuple[str, ...] = field(default=())
    #: ``--extra-jars``, downloaded into ``code_dir``.
    jar_names: tuple[str, ...] = field(default=())
    #: The run's own Spark settings (Glue's ``--conf``).
    spark_conf: tuple[tuple[str, str], ...] = field(default=())
    #: The job role's session (access key, secret, token), when the run acts as its role.
    credentials: tuple[str, str, str] | None = None
    #: Directories that go first on the script's import path (``--additional-python-modules``).
    python_path: tuple[Path, ...] = field(default=())

    @property
    def script(self) -> Path:
        return self.code_dir / self.script_name


def merge_arguments(
    default_arguments: Mapping[str, str] | None,
    run_arguments: Mapping[str, str] | None,
    non_overridable_arguments: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Job defaults, overridden by the run's arguments, overridden by non-overridable ones.

    This is the precedence AWS Glue applies; ``--JOB_NAME``/``--JOB_RUN_ID`` are added by
    :func:`script_argv`, never taken from callers.
    """
    merged = dict(default_arguments or {})
    merged.update(run_arguments or {})
    merged.update(non_overridable_arguments or {})
    return merged


def script_argv(arguments: Mapping[str, str], job_name: str, run_id: str) -> tuple[str, ...]:
    """The script's ``sys.argv[1:]``: every argument as a ``--key value`` pair, as AWS passes.

    ``getResolvedOptions`` parses this list, so the pairs must stay adjacent even when a value
    is empty or itself starts with ``--``.
    """
    argv: list[str] = []
    for key, value in arguments.items():
        if key in RESERVED_ARGUMENTS:
            continue
        argv.extend((key, value))
    argv.extend(("--JOB_NAME", job_name, "--JOB_RUN_ID", run_id))
    return tuple(argv)


def extra_file_locations(arguments: Mapping[str, str], name: str) -> list[str]:
    """The S3 locations listed in ``--extra-py-files`` or ``--extra-jars`` (comma-separated,
    blanks ignored)."""
    value = arguments.get(name, "")
    return [location.strip() for location in value.split(",") if location.strip()]


def spark_conf_pairs(arguments: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Glue's ``--conf``: ``k=v``, several joined as ``k1=v1 --conf k2=v2`` (Glue takes each
    argument once, so that is how users pass more than one)."""
    value = arguments.get(SPARK_CONF, "").strip()
    if not value:
        return ()
    pairs = []
    for setting in value.split(" --conf "):
        key, separator, setting_value = setting.strip().partition("=")
        if not separator or not key:
            raise ValueError(f"--conf {setting.strip()!r} is not key=value")
        pairs.append((key.strip(), setting_value.strip()))
    return tuple(pairs)


def cold_start_reason(arguments: Mapping[str, str]) -> str | None:
    """Why a run needs a fresh driver rather than one started ahead of it, or None."""
    needing = [name for name in COLD_START_ARGUMENTS if arguments.get(name, "").strip()]
    return f"the run sets {', '.join(needing)}" if needing else None


def python_path_environment(
    spec: LaunchSpec, environment: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``PYTHONPATH`` for a cold driver: the run's module directories before what
    ``environment`` has. ``spark-submit`` hands it to the driver's Python and, through the
    JVM's environment, to the Python workers of local executors."""
    if not spec.python_path:
        return {}
    existing = (environment or {}).get("PYTHONPATH", "")
    entries = [str(directory) for directory in spec.python_path]
    return {"PYTHONPATH": os.pathsep.join([*entries, *([existing] if existing else [])])}


def s3a_configuration(
    endpoint_url: str,
    access_key_id: str = LOCAL_ACCESS_KEY_ID,
    secret_access_key: str = LOCAL_SECRET_ACCESS_KEY,
    region: str = LOCAL_REGION,
    session_token: str | None = None,
) -> dict[str, str]:
    """Spark settings that send ``s3://`` and ``s3a://`` to the local cloud's S3.

    Path-style access because bucket subdomains of ``localhost`` do not resolve; the bucket
    probe is off because moto always answers and the probe costs a round trip per bucket.
    With a ``session_token`` (a run's role credentials) S3A signs as that session.
    """
    provider = (
        "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"
        if session_token
        else "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
    )
    hadoop = {
        "fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "fs.s3a.endpoint": endpoint_url,
        "fs.s3a.endpoint.region": region,
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": str(endpoint_url.startswith("https")).lower(),
        "fs.s3a.aws.credentials.provider": provider,
        "fs.s3a.access.key": access_key_id,
        "fs.s3a.secret.key": secret_access_key,
        **({"fs.s3a.session.token": session_token} if session_token else {}),
        "fs.s3a.bucket.probe": "0",
        "fs.s3a.change.detection.mode": "none",
    }
    return {f"spark.hadoop.{key}": value for key, value in hadoop.items()}


def _spark_submit_options(spec: LaunchSpec, endpoint_url: str) -> list[str]:
    """Options common to both targets: name, S3A configuration, no UI (ports are shared),
    then the run's own ``--conf`` settings, which win."""
    options = ["--name", f"{spec.job_name}-{spec.run_id}"]
    access_key, secret_key, token = spec.credentials or (
        LOCAL_ACCESS_KEY_ID,
        LOCAL_SECRET_ACCESS_KEY,
        None,
    )
    configuration = {
        **s3a_configuration(endpoint_url, access_key, secret_key, session_token=token),
        "spark.ui.enabled": "false",
        **dict(spec.spark_conf),
    }
    for key, value in configuration.items():
        options.extend(("--conf", f"{key}={value}"))
    return options


def warm_driver_conf(endpoint_url: str, jars: list[Path], master: str = LOCAL_MASTER) -> dict:
    """The Spark settings of a driver started ahead of its run: what a cold
    ``spark-submit`` of :func:`local_spark_submit_command` sets, as configuration."""
    return {
        "spark.master": master,
        "spark.app.name": "glueline-warm-driver",
        "spark.driver.memory": DRIVER_MEMORY,
        "spark.driver.extraJavaOptions": DRIVER_JAVA_OPTIONS,
        "spark.driver.extraClassPath": os.pathsep.join(str(jar) for jar in jars),
        "spark.ui.enabled": "false",
        **s3a_configuration(endpoint_url),
    }


def local_spark_submit_command(
    spec: LaunchSpec,
    spark_submit: Path,
    jars: list[Path],
    endpoint_url: str,
    driver: Path,
    master: str = LOCAL_MASTER,
) -> list[str]:
    """``spark-submit`` on local Spark with the S3A jars, for the embedded local cloud.

    The S3A jars go on the driver's class path, not ``--jars``: Spark copies every ``--jars``
    file into its scratch folder for each run (270 MB here), which costs time and, for a
    driver killed before it cleans up, disk. Only a cluster's executors, in processes of
    their own, need them shipped; the job's own ``--extra-jars`` are always shipped.

    ``driver`` (see :mod:`glueline.cloud.glue.driver`) runs the script so that its stderr
    stays separate from its stdout.
    """
    command = [
        str(spark_submit),
        "--master",
        master,
        "--driver-memory",
        DRIVER_MEMORY,
        "--driver-java-options",
        DRIVER_JAVA_OPTIONS,
        "--driver-class-path",
        os.pathsep.join(str(jar) for jar in jars),
    ]
    # Executors of a cluster (another master than local) need the S3A jars shipped.
    shipped = [] if master.startswith("local") else list(jars)
    shipped.extend(spec.code_dir / name for name in spec.jar_names)
    if shipped:
        command.extend(("--jars", ",".join(str(jar) for jar in shipped)))
    command.extend(_spark_submit_options(spec, endpoint_url))
    if spec.py_file_names:
        py_files = ",".join(str(spec.code_dir / name) for name in spec.py_file_names)
        command.extend(("--py-files", py_files))
    command.extend((str(driver), str(spec.script)))
    command.extend(spec.script_arguments)
    return command


def docker_command(
    spec: LaunchSpec,
    endpoint_url: str,
    network: str = "host",
    image: str = GLUE_LIBS_IMAGE,
    region: str = LOCAL_REGION,
    extra_environment: Mapping[str, str] | None = None,
) -> list[str]:
    """``docker run`` of the same run in the Glue libs image, which brings its own awsglue
    and S3 jars. ``endpoint_url`` must be reachable from inside ``network`` (``localhost``
    only with the host network)."""
    workspace = f"{CONTAINER_WORKSPACE}/{spec.run_id}"
    command = [
        "docker",
        "run",
        "--rm",
        "--name",
        f"glueline-{spec.run_id}",
        "--network",
        network,
        "--volume",
        f"{spec.code_dir}:{workspace}:ro",
    ]
    environment = {**client_environment(endpoint_url, region), **(extra_environment or {})}
    for key, value in environment.items():
        command.extend(("--env", f"{key}={value}"))
    command.extend(
        [
            image,
            "spark-submit",
            "--master",
            LOCAL_MASTER,
            "--driver-memory",
            DRIVER_MEMORY,
            *_spark_submit_options(spec, endpoint_url),
        ]
    )
    if spec.jar_names:
        command.extend(("--jars", ",".join(f"{workspace}/{n}" for n in spec.jar_names)))
    if spec.py_file_names:
        command.extend(("--py-files", ",".join(f"{workspace}/{n}" for n in spec.py_file_names)))
    command.append(f"{workspace}/{spec.script_name}")
    command.extend(spec.script_arguments)
    return command


def jars_dir(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """Where ``make setup`` put the S3A jars: ``GLUELINE_JARS_DIR`` or ``./.glueline/jars``."""
    environ = os.environ if environ is None else environ
    configured = environ.get("GLUELINE_JARS_DIR")
    return Path(configured) if configured else (cwd or Path.cwd()) / ".glueline" / "jars"


def s3a_jars(directory: Path) -> list[Path]:
    """The S3A jars in ``directory``; raises with the fix when any is missing."""
    jars = [directory / name for name in S3A_JARS]
    missing = [jar.name for jar in jars if not jar.is_file()]
    if missing:
        raise MissingJarsError(
            f"S3A jars missing from {directory}: {', '.join(missing)}. "
            "Run `make setup` to fetch them (or set GLUELINE_JARS_DIR)."
        )
    return jars


def scratch_environment(scratch: Path) -> dict[str, str]:
    """Creates ``scratch`` and points every temporary file of a driver at it: Spark's
    (``SPARK_LOCAL_DIRS``), the JVM's and the script's. The cloud removes it when the run
    ends, so files of a driver killed before its JVM could clean up do not pile up in /tmp."""
    scratch.mkdir(parents=True, exist_ok=True)
    return {
        "SPARK_LOCAL_DIRS": str(scratch),
        "SPARK_SUBMIT_OPTS": f'"-Djava.io.tmpdir={scratch}"',
        "TMPDIR": str(scratch),
    }


def driver_path() -> Path:
    """The script runner that local runs hand to ``spark-submit``."""
    return Path(__file__).with_name("driver.py")


def spark_submit_path() -> Path:
    """The ``spark-submit`` that ships inside the installed pyspark package."""
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-submit"
