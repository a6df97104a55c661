"""What a job's GlueVersion gets locally: the versions and dates AWS documents, decided
without running anything.

Sources: AWS Glue developer guide, "AWS Glue versions" (release-notes.html), "AWS Glue version
support policy" (glue-version-support-policy.html), "Migrating AWS Glue for Spark jobs to AWS
Glue version 6.0" (migrating-version-60.html).
"""

from __future__ import annotations

import sys

import pytest

from glueline.cloud.glue.glue_versions import (
    GLUE_RUNTIMES,
    LocalRuntime,
    Verdict,
    decide,
    local_runtime,
    matching_versions,
)

#: The kit's pinned runtime (pyproject.toml: pyspark 3.5.6, Python 3.11).
KIT = LocalRuntime("3.5.6", "3.11")


def test_the_table_holds_what_aws_documents_for_each_version() -> None:
    runtimes = {version: (r.spark, r.python) for version, r in GLUE_RUNTIMES.items()}

    assert runtimes == {
        "0.9": ("2.2.1", "2.7"),
        "1.0": ("2.4.3", "3.6"),
        "2.0": ("2.4.3", "3.7"),
        "3.0": ("3.1.1", "3.7"),
        "4.0": ("3.3.0", "3.10"),
        "5.0": ("3.5.4", "3.11"),
        "5.1": ("3.5.6", "3.11"),
        "6.0": ("4.1.1", "3.13"),
    }
    retired = {v for v, r in GLUE_RUNTIMES.items() if r.end_of_life == "2026-04-01"}
    assert retired == {"0.9", "1.0", "2.0"}


def test_the_local_runtime_is_the_installed_pyspark_on_this_interpreter() -> None:
    import pyspark

    runtime = local_runtime()

    assert runtime.spark == pyspark.__version__
    assert runtime.python == f"{sys.version_info.major}.{sys.version_info.minor}"


def test_glue_5_0_and_5_1_match_the_kit_runtime() -> None:
    assert matching_versions(KIT) == ["5.0", "5.1"]
    assert decide("5.1", KIT).verdict is Verdict.RUN
    assert decide("5.0", KIT).message is None


@pytest.mark.parametrize(
    ("version", "aws_runtime"),
    [("4.0", "Spark 3.3.0, Python 3.10"), ("3.0", "Spark 3.1.1, Python 3.7")],
)
def test_an_older_spark_3_runs_on_the_kit_runtime_with_a_warning_naming_both(
    version: str, aws_runtime: str
) -> None:
    decision = decide(version, KIT)

    assert decision.verdict is Verdict.WARN
    assert decision.message == (
        f"Glue {version} runs {aws_runtime} in AWS, but the local cloud has Spark 3.5.6 on "
        "Python 3.11, as Glue 5.0 and 5.1 have: this run uses them, so it may behave "
        "differently from AWS"
    )


@pytest.mark.parametrize("version", ["0.9", "1.0", "2.0"])
def test_spark_2_versions_fail_saying_the_kit_lacks_them_and_aws_retired_them(
    version: str,
) -> None:
    decision = decide(version, KIT)

    assert decision.verdict is Verdict.FAIL
    assert decision.message is not None
    spark = GLUE_RUNTIMES[version].description
    assert decision.message.startswith(
        f"Glue {version} runs {spark}, which the local cloud does not have (it has Spark "
        "3.5.6 on Python 3.11, as Glue 5.0 and 5.1 have)"
    )
    assert f"has not started runs of Glue {version} since its end of life on 2026-04-01" in (
        decision.message
    )
    assert decision.message.endswith(": set GlueVersion to 5.0 or 5.1")


def test_glue_6_0_fails_because_spark_4_is_not_in_the_kit() -> None:
    decision = decide("6.0", KIT)

    assert decision.verdict is Verdict.FAIL
    assert decision.message == (
        "Glue 6.0 runs Spark 4.1.1, Python 3.13, which the local cloud does not have (it has "
        "Spark 3.5.6 on Python 3.11, as Glue 5.0 and 5.1 have): set GlueVersion to 5.0 or 5.1"
    )


def test_a_version_aws_does_not_have_fails_listing_those_it_has() -> None:
    decision = decide("5.5", KIT)

    assert decision.verdict is Verdict.FAIL
    assert decision.message == (
        "GlueVersion '5.5' is not an AWS Glue version for Spark jobs "
        "(there are 0.9, 1.0, 2.0, 3.0, 4.0, 5.0, 5.1, 6.0)"
    )


def test_a_job_without_a_version_runs_with_a_warning_about_aws_default() -> None:
    decision = decide(None, KIT)

    assert decision.verdict is Verdict.WARN
    assert decision.message == (
        "The job sets no GlueVersion, so AWS Glue gives it Glue 0.9 (Spark 2.2.1, Python 2.7), "
        "which reached its end of life on 2026-04-01; this run uses Spark 3.5.6 on Python "
        "3.11, as Glue 5.0 and 5.1 have: set GlueVersion to 5.0 or 5.1"
    )


def test_another_local_runtime_changes_which_versions_match() -> None:
    spark_3_3 = LocalRuntime("3.3.2", "3.10")

    assert matching_versions(spark_3_3) == ["4.0"]
    assert decide("4.0", spark_3_3).verdict is Verdict.RUN
    assert decide("5.1", spark_3_3).verdict is Verdict.WARN
