"""The pure parts of warm drivers and continuous logging: settings, reasons, tails."""

from __future__ import annotations

from pathlib import Path

import pytest

from glueline.cloud.glue import launcher, warm_pool
from glueline.cloud.glue.logs import LogTail


def test_glue_conf_argument_gives_each_setting() -> None:
    arguments = {"--conf": "spark.sql.shuffle.partitions=7 --conf spark.a.b = c=d"}
    assert launcher.spark_conf_pairs(arguments) == (
        ("spark.sql.shuffle.partitions", "7"),
        ("spark.a.b", "c=d"),
    )
    assert launcher.spark_conf_pairs({}) == ()
    with pytest.raises(ValueError, match=r"'spark\.nothing' is not key=value"):
        launcher.spark_conf_pairs({"--conf": "spark.nothing"})


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ({"--input": "s3://a/b", "--extra-py-files": "s3://c/d.py"}, None),
        ({"--conf": "spark.x=1"}, "the run sets --conf"),
        (
            {"--extra-jars": "s3://j/a.jar", "--additional-python-modules": "pandas==2.2.3"},
            "the run sets --extra-jars",
        ),
        ({"--additional-python-modules": "tabulate==0.9.0"}, None),
        ({"--conf": " "}, None),
    ],
)
def test_a_run_needs_a_cold_start_only_for_settings_a_warm_driver_cannot_take(
    arguments: dict[str, str], reason: str | None
) -> None:
    assert launcher.cold_start_reason(arguments) == reason


def test_a_cold_command_carries_the_runs_jars_and_settings() -> None:
    spec = launcher.LaunchSpec(
        job_name="ingest",
        run_id="jr_1",
        code_dir=Path("/runs/jr_1/code"),
        script_name="ingest.py",
        script_arguments=(),
        jar_names=("udf.jar",),
        spark_conf=(("spark.sql.shuffle.partitions", "7"),),
    )
    command = launcher.local_spark_submit_command(
        spec, Path("/spark-submit"), [Path("/jars/s3a.jar")], "http://localhost:1", Path("/d.py")
    )
    assert command[command.index("--driver-class-path") + 1] == "/jars/s3a.jar"
    assert command[command.index("--jars") + 1] == "/runs/jr_1/code/udf.jar"
    settings = [command[i + 1] for i, word in enumerate(command) if word == "--conf"]
    assert settings[-1] == "spark.sql.shuffle.partitions=7", "the run's own settings come last"


def test_a_warm_driver_gets_the_settings_a_cold_run_gets() -> None:
    conf = launcher.warm_driver_conf("http://localhost:4566", [Path("/jars/a.jar")])
    assert conf["spark.master"] == launcher.LOCAL_MASTER
    assert conf["spark.driver.memory"] == launcher.DRIVER_MEMORY
    assert conf["spark.driver.extraJavaOptions"] == "-XX:+ExitOnOutOfMemoryError"
    assert conf["spark.driver.extraClassPath"] == "/jars/a.jar"
    assert "spark.jars" not in conf, "spark.jars copies the jars into every run's scratch"
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://localhost:4566"


@pytest.mark.parametrize(("value", "size"), [(None, 1), ("0", 0), ("3", 3)])
def test_the_pool_size_comes_from_the_environment(value: str | None, size: int) -> None:
    environ = {} if value is None else {"GLUELINE_WARM_DRIVERS": value}
    assert warm_pool.configured_size(environ) == size


@pytest.mark.parametrize("value", ["-1", "two"])
def test_a_bad_pool_size_is_refused_naming_the_setting(value: str) -> None:
    with pytest.raises(ValueError, match="GLUELINE_WARM_DRIVERS"):
        warm_pool.configured_size({"GLUELINE_WARM_DRIVERS": value})


def test_a_tail_hands_out_whole_lines_then_the_rest(tmp_path: Path) -> None:
    log = tmp_path / "stdout.log"
    log.write_text("warm-up noise\n")
    tail = LogTail(log, offset=log.stat().st_size)
    with log.open("a") as file:
        file.write("first\nsecond, half")
    assert tail.read() == "first\n"
    assert tail.read() == ""
    with log.open("a") as file:
        file.write(" done\nthird")
    assert tail.read() == "second, half done\n"
    assert tail.read(final=True) == "third"
    assert tail.text_since(len("warm-up noise\n")) == "first\nsecond, half done\nthird"


def test_a_tail_of_a_file_not_yet_written_is_empty(tmp_path: Path) -> None:
    assert LogTail(tmp_path / "missing.log").read(final=True) == ""
