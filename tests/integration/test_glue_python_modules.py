"""``--additional-python-modules``: PyPI packages installed for a run, on a real local cloud.

A cloud of its own with one warm driver, so the tests know which kind of driver a run gets.
The package is a small pure-Python one that the kit's environment does not have; pip
fetches it from PyPI (or the index pip is configured with) once, and later runs reuse it.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from glueline.cloud.settings import CloudSettings
from tests.integration.conftest import _free_port, clients_for, run_glueline, wait_for
from tests.integration.test_warm_drivers import warm_ready

pytestmark = pytest.mark.integration

BUCKET = "python-modules"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED")
RUN_SECONDS = 240
MODULE = "tabulate==0.9.0"

#: Imports the module in the driver and in the Python workers, and says what it got.
USES_TABULATE = """
import json

import tabulate
from pyspark.context import SparkContext

context = SparkContext.getOrCreate()
workers = context.parallelize([1, 2], 2).map(lambda _: __import__("tabulate").__version__)
print(tabulate.tabulate([["ada", 1]], headers=["name", "n"], tablefmt="github"))
print("report", json.dumps({"driver": tabulate.__version__, "workers": workers.collect()}))
"""


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudSettings]:
    settings = CloudSettings(port=_free_port(), state_dir=tmp_path_factory.mktemp("modules"))
    started = run_glueline(settings, "up", env={"GLUELINE_WARM_DRIVERS": "1"})
    assert started.returncode == 0, started.stderr
    yield settings
    run_glueline(settings, "down")


@pytest.fixture(scope="module")
def aws(cloud: CloudSettings) -> Callable[[str], Any]:
    clients = clients_for(cloud)
    clients("s3").create_bucket(Bucket=BUCKET)
    return clients


def job_with(aws: Callable[[str], Any], name: str, script: str, **arguments: str) -> str:
    aws("s3").put_object(Bucket=BUCKET, Key=f"{name}.py", Body=textwrap.dedent(script).encode())
    aws("glue").create_job(
        Name=name,
        Role="arn:aws:iam::000000000000:role/glue",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/{name}.py"},
        GlueVersion="5.0",
        DefaultArguments=arguments,
    )
    return name


def log_of(aws: Callable[[str], Any], run_id: str, group: str) -> list[str]:
    logs = aws("logs")
    try:
        events = logs.get_log_events(logGroupName=group, logStreamName=run_id)
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [line for event in events["events"] for line in event["message"].splitlines()]


def run_to_end(
    aws: Callable[[str], Any], job: str, **arguments: str
) -> tuple[dict, list[str], list[str]]:
    """The finished run, its output log and its error log."""
    glue = aws("glue")
    run_id = glue.start_job_run(JobName=job, Arguments=arguments)["JobRunId"]

    def finished() -> dict | None:
        """the run ends"""
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        return run if run["JobRunState"] in TERMINAL else None

    run = wait_for(finished, timeout=RUN_SECONDS, interval=0.5)
    output = log_of(aws, run_id, "/aws-glue/jobs/output")
    return run, output, log_of(aws, run_id, "/aws-glue/jobs/error")


def report(output: list[str]) -> dict[str, Any]:
    line = next(line for line in output if line.startswith("report "))
    return json.loads(line.removeprefix("report "))


def test_tabulate_is_not_in_the_kits_environment() -> None:
    """The tests below prove nothing if the kit could import the module already."""
    import importlib.util

    assert importlib.util.find_spec("tabulate") is None


def test_a_job_imports_its_module_on_a_warm_driver_and_the_next_run_reuses_it(
    cloud: CloudSettings, aws: Callable[[str], Any]
) -> None:
    job = job_with(aws, "uses-tabulate", USES_TABULATE, **{"--additional-python-modules": MODULE})
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    first, output, errors = run_to_end(aws, job)
    assert first["JobRunState"] == "SUCCEEDED", first.get("ErrorMessage")
    assert output[0].startswith("glueline: started on a warm Spark driver")
    assert any(line.startswith("| ada ") for line in output), "the module's table is printed"
    assert report(output) == {"driver": "0.9.0", "workers": ["0.9.0", "0.9.0"]}
    assert "glueline: --additional-python-modules: installing tabulate==0.9.0" in errors
    assert any(line.startswith("Successfully installed tabulate-0.9.0") for line in errors)
    installed = next(line for line in errors if "--additional-python-modules: installed" in line)
    directory = installed.rsplit(" ", 1)[1]

    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    second, output, errors = run_to_end(aws, job)
    assert second["JobRunState"] == "SUCCEEDED", second.get("ErrorMessage")
    assert report(output)["driver"] == "0.9.0"
    assert errors[1] == (
        "glueline: --additional-python-modules: reused the modules installed by an earlier "
        f"run in {directory}"
    )
    assert not any("Successfully installed" in line for line in errors)


def test_a_cold_driver_gets_the_module_too(cloud: CloudSettings, aws: Callable[[str], Any]) -> None:
    job = job_with(aws, "uses-tabulate-cold", USES_TABULATE)
    arguments = {
        "--additional-python-modules": MODULE,
        "--conf": "spark.sql.shuffle.partitions=3",
    }
    run, output, _ = run_to_end(aws, job, **arguments)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert output[0] == "glueline: started a new Spark driver: the run sets --conf"
    assert report(output) == {"driver": "0.9.0", "workers": ["0.9.0", "0.9.0"]}


def test_a_module_the_kit_has_in_another_version_starts_cold_and_wins(
    cloud: CloudSettings, aws: Callable[[str], Any]
) -> None:
    """boto3 (which a warm driver has imported) uses jmespath: the run's own version needs a
    driver of its own. The installer option reaches pip."""
    job = job_with(
        aws, "uses-old-jmespath", "import jmespath\nprint('jmespath', jmespath.__version__)"
    )
    wait_for(lambda: warm_ready(cloud), timeout=RUN_SECONDS)
    arguments = {
        "--additional-python-modules": "jmespath==1.0.0",
        "--python-modules-installer-option": "--no-deps",
    }
    run, output, errors = run_to_end(aws, job, **arguments)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert output[0] == (
        "glueline: started a new Spark driver: --additional-python-modules installs jmespath, "
        "which the local cloud's Python already has"
    )
    assert "jmespath 1.0.0" in output
    assert any("--no-deps jmespath==1.0.0" in line for line in errors)


def test_a_module_that_does_not_exist_fails_the_run_naming_it(
    aws: Callable[[str], Any],
) -> None:
    job = job_with(aws, "needs-a-missing-module", "print('the script ran')")
    missing = "glueline-no-such-package-xyz==1.0"
    run, output, errors = run_to_end(aws, job, **{"--additional-python-modules": missing})
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"].startswith(
        f"--additional-python-modules could not be installed: {missing}. pip: ERROR: "
    )
    assert (
        "No matching distribution found for glueline-no-such-package-xyz==1.0"
        in (run["ErrorMessage"])
    )
    assert "the script ran" not in output
    assert any("glueline-no-such-package-xyz" in line for line in errors[1:])
