"""The run's command lines, exactly: local spark-submit and the Glue libs image."""

from __future__ import annotations

import re
from pathlib import Path

import pyspark
import pytest

from glueline.cloud.glue import launcher
from glueline.cloud.glue.launcher import LaunchSpec

ENDPOINT = "http://localhost:4566"
MAKEFILE = Path(__file__).resolve().parents[3] / "Makefile"

S3A_CONF = [
    "--conf", "spark.hadoop.fs.s3.impl=org.apache.hadoop.fs.s3a.S3AFileSystem",
    "--conf", "spark.hadoop.fs.s3a.impl=org.apache.hadoop.fs.s3a.S3AFileSystem",
    "--conf", "spark.hadoop.fs.s3a.endpoint=http://localhost:4566",
    "--conf", "spark.hadoop.fs.s3a.endpoint.region=us-east-1",
    "--conf", "spark.hadoop.fs.s3a.path.style.access=true",
    "--conf", "spark.hadoop.fs.s3a.connection.ssl.enabled=false",
    "--conf", "spark.hadoop.fs.s3a.aws.credentials.provider="
    "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
    "--conf", "spark.hadoop.fs.s3a.access.key=test",
    "--conf", "spark.hadoop.fs.s3a.secret.key=test",
    "--conf", "spark.hadoop.fs.s3a.bucket.probe=0",
    "--conf", "spark.hadoop.fs.s3a.change.detection.mode=none",
    "--conf", "spark.ui.enabled=false",
]  # fmt: skip


def spec(py_files: tuple[str, ...] = ()) -> LaunchSpec:
    return LaunchSpec(
        job_name="ingest",
        run_id="jr_1",
        code_dir=Path("/state/work/glue/jr_1/code"),
        script_name="ingest.py",
        script_arguments=("--input", "s3://in/a.csv", "--JOB_NAME", "ingest"),
        py_file_names=py_files,
    )


def test_run_arguments_override_defaults_and_non_overridable_win() -> None:
    merged = launcher.merge_arguments(
        {"--input": "default", "--mode": "fast", "--env": "dev"},
        {"--mode": "slow", "--env": "prod"},
        {"--env": "locked"},
    )

    assert merged == {"--input": "default", "--mode": "slow", "--env": "locked"}


def test_merge_accepts_missing_maps() -> None:
    assert launcher.merge_arguments(None, None, None) == {}


def test_script_argv_passes_every_pair_and_sets_job_name_and_run_id() -> None:
    argv = launcher.script_argv(
        {"--input": "s3://in/a b.csv", "--empty": "", "--JOB_NAME": "spoofed", "--flag": "--x"},
        "ingest",
        "jr_1",
    )

    assert argv == (
        "--input", "s3://in/a b.csv",
        "--empty", "",
        "--flag", "--x",
        "--JOB_NAME", "ingest",
        "--JOB_RUN_ID", "jr_1",
    )  # fmt: skip


def test_extra_py_files_split_on_commas() -> None:
    arguments = {"--extra-py-files": "s3://code/a.py, s3://code/b.zip,,"}

    assert launcher.extra_file_locations(arguments, "--extra-py-files") == [
        "s3://code/a.py",
        "s3://code/b.zip",
    ]
    assert launcher.extra_file_locations({}, "--extra-jars") == []


def test_s3a_uses_ssl_only_for_https_endpoints() -> None:
    https = launcher.s3a_configuration("https://s3.local:4566")

    assert https["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "true"


def test_local_command_is_spark_submit_with_jars_and_s3a() -> None:
    command = launcher.local_spark_submit_command(
        spec(("helpers.py", "lib.zip")),
        Path("/venv/pyspark/bin/spark-submit"),
        [Path("/jars/hadoop-aws-3.3.4.jar"), Path("/jars/aws-java-sdk-bundle-1.12.262.jar")],
        ENDPOINT,
        Path("/kit/driver.py"),
    )

    assert command == [
        "/venv/pyspark/bin/spark-submit",
        "--master", "local[2]",
        "--driver-memory", "1g",
        "--driver-java-options", "-XX:+ExitOnOutOfMemoryError",
        "--driver-class-path", "/jars/hadoop-aws-3.3.4.jar:/jars/aws-java-sdk-bundle-1.12.262.jar",
        "--name", "ingest-jr_1",
        *S3A_CONF,
        "--py-files",
        "/state/work/glue/jr_1/code/helpers.py,/state/work/glue/jr_1/code/lib.zip",
        "/kit/driver.py",
        "/state/work/glue/jr_1/code/ingest.py",
        "--input", "s3://in/a.csv",
        "--JOB_NAME", "ingest",
    ]  # fmt: skip


def test_local_command_without_py_files_has_no_py_files_option() -> None:
    command = launcher.local_spark_submit_command(
        spec(), Path("/s"), [], ENDPOINT, Path("/kit/driver.py")
    )

    assert "--py-files" not in command
    assert "--jars" not in command, "Spark copies --jars files into every run's scratch"


def test_a_cluster_run_ships_the_s3a_jars_to_its_executors() -> None:
    jars = [Path("/jars/hadoop-aws-3.3.4.jar"), Path("/jars/aws-java-sdk-bundle-1.12.262.jar")]
    command = launcher.local_spark_submit_command(
        spec(), Path("/s"), jars, ENDPOINT, Path("/kit/driver.py"), master="spark://host:7077"
    )

    assert command[command.index("--master") + 1] == "spark://host:7077"
    assert command[command.index("--driver-class-path") + 1] == (
        "/jars/hadoop-aws-3.3.4.jar:/jars/aws-java-sdk-bundle-1.12.262.jar"
    )
    assert command[command.index("--jars") + 1] == (
        "/jars/hadoop-aws-3.3.4.jar,/jars/aws-java-sdk-bundle-1.12.262.jar"
    )


def test_scratch_environment_sends_every_temporary_file_into_the_drivers_folder(
    tmp_path: Path,
) -> None:
    scratch = tmp_path / "scratch" / "jr_1"

    environment = launcher.scratch_environment(scratch)

    assert scratch.is_dir()
    assert environment == {
        "SPARK_LOCAL_DIRS": str(scratch),
        "SPARK_SUBMIT_OPTS": f'"-Djava.io.tmpdir={scratch}"',
        "TMPDIR": str(scratch),
    }


def test_docker_command_runs_the_glue_libs_image_with_the_same_arguments() -> None:
    command = launcher.docker_command(spec(("helpers.py",)), ENDPOINT)

    assert command == [
        "docker", "run", "--rm",
        "--name", "glueline-jr_1",
        "--network", "host",
        "--volume", "/state/work/glue/jr_1/code:/home/hadoop/workspace/jr_1:ro",
        "--env", "AWS_ENDPOINT_URL=http://localhost:4566",
        "--env", "AWS_ACCESS_KEY_ID=test",
        "--env", "AWS_SECRET_ACCESS_KEY=test",
        "--env", "AWS_REGION=us-east-1",
        "--env", "AWS_DEFAULT_REGION=us-east-1",
        "public.ecr.aws/glue/aws-glue-libs:5",
        "spark-submit",
        "--master", "local[2]",
        "--driver-memory", "1g",
        "--name", "ingest-jr_1",
        *S3A_CONF,
        "--py-files", "/home/hadoop/workspace/jr_1/helpers.py",
        "/home/hadoop/workspace/jr_1/ingest.py",
        "--input", "s3://in/a.csv",
        "--JOB_NAME", "ingest",
    ]  # fmt: skip


def test_docker_command_on_a_compose_network_uses_that_endpoint() -> None:
    command = launcher.docker_command(spec(), "http://glueline:4566", network="glueline_default")

    assert command[command.index("--network") + 1] == "glueline_default"
    assert "--env" in command
    assert "AWS_ENDPOINT_URL=http://glueline:4566" in command
    assert "spark.hadoop.fs.s3a.endpoint=http://glueline:4566" in command
    assert not any(part.endswith(".jar") for part in command)


def test_jars_dir_defaults_to_the_setup_folder(tmp_path: Path) -> None:
    assert launcher.jars_dir({}, tmp_path) == tmp_path / ".glueline" / "jars"
    assert launcher.jars_dir({"GLUELINE_JARS_DIR": "/opt/jars"}, tmp_path) == Path("/opt/jars")


def test_missing_jars_say_to_run_make_setup(tmp_path: Path) -> None:
    (tmp_path / "hadoop-aws-3.3.4.jar").write_bytes(b"")

    with pytest.raises(launcher.MissingJarsError) as raised:
        launcher.s3a_jars(tmp_path)

    assert f"missing from {tmp_path}: aws-java-sdk-bundle-1.12.262.jar." in str(raised.value)
    assert "Run `make setup`" in str(raised.value)


def test_present_jars_are_returned_in_classpath_order(tmp_path: Path) -> None:
    for name in ("aws-java-sdk-bundle-1.12.262.jar", "hadoop-aws-3.3.4.jar", "unrelated.jar"):
        (tmp_path / name).write_bytes(b"")

    assert launcher.s3a_jars(tmp_path) == [
        tmp_path / "hadoop-aws-3.3.4.jar",
        tmp_path / "aws-java-sdk-bundle-1.12.262.jar",
    ]


def makefile_variable(name: str) -> str:
    """The value of ``NAME := value`` in the project's Makefile."""
    found = re.search(rf"^{name}\s*:?=\s*(\S+)\s*$", MAKEFILE.read_text(), re.MULTILINE)
    assert found, f"{MAKEFILE} defines no {name}"
    return found.group(1)


def test_the_launcher_finds_exactly_the_jars_make_setup_downloads(tmp_path: Path) -> None:
    """``make setup`` fetches the jars by version; a version bumped on one side only would
    leave every Glue run failing with missing jars."""
    downloaded = [
        f"hadoop-aws-{makefile_variable('HADOOP_VERSION')}.jar",
        f"aws-java-sdk-bundle-{makefile_variable('AWS_SDK_BUNDLE_VERSION')}.jar",
    ]
    for name in downloaded:
        (tmp_path / name).write_bytes(b"")

    assert launcher.s3a_jars(tmp_path) == [tmp_path / name for name in downloaded]


def test_hadoop_aws_matches_the_hadoop_that_pyspark_bundles() -> None:
    """S3A only works with the hadoop-aws release of the Hadoop client inside PySpark."""
    pyspark_jars = Path(pyspark.__file__).parent / "jars"
    bundled = sorted(jar.name for jar in pyspark_jars.glob("hadoop-client-api-*.jar"))
    assert bundled == [f"hadoop-client-api-{makefile_variable('HADOOP_VERSION')}.jar"]


def test_spark_submit_and_driver_exist() -> None:
    assert launcher.spark_submit_path().is_file()
    assert launcher.driver_path().is_file()
