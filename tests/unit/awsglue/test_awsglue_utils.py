"""getResolvedOptions: AWS's parsing of job arguments."""

import pytest
from awsglue.utils import GlueArgumentError, getResolvedOptions

ARGV = [
    "script.py",
    "--JOB_NAME",
    "file-processor",
    "--JOB_RUN_ID",
    "jr_123",
    "--input_path",
    "s3://in/a b.csv",
    "--enable-metrics",
    "true",
]


def test_returns_requested_options_without_dashes() -> None:
    args = getResolvedOptions(ARGV, ["JOB_NAME", "input_path"])

    assert args == {"JOB_NAME": "file-processor", "input_path": "s3://in/a b.csv"}


def test_options_not_requested_are_ignored() -> None:
    assert getResolvedOptions(ARGV, ["input_path"]) == {"input_path": "s3://in/a b.csv"}


def test_equals_form_is_accepted() -> None:
    args = getResolvedOptions(
        ["script.py", "--day=2024-01-02", "--JOB_NAME=j"], ["day", "JOB_NAME"]
    )

    assert args == {"day": "2024-01-02", "JOB_NAME": "j"}


def test_missing_option_raises_like_aws() -> None:
    with pytest.raises(
        GlueArgumentError, match="the following arguments are required: --output_path"
    ):
        getResolvedOptions(ARGV, ["JOB_NAME", "output_path"])


def test_job_name_must_be_present_when_requested() -> None:
    with pytest.raises(GlueArgumentError, match="--JOB_NAME"):
        getResolvedOptions(["script.py", "--input_path", "x"], ["JOB_NAME", "input_path"])


def test_option_without_value_raises() -> None:
    with pytest.raises(GlueArgumentError, match="expected one argument"):
        getResolvedOptions(["script.py", "--input_path"], ["input_path"])


def test_value_that_looks_like_an_option_is_rejected_as_argparse_does() -> None:
    with pytest.raises(GlueArgumentError):
        getResolvedOptions(["script.py", "--sep", "--x"], ["sep"])


def test_negative_number_value_is_accepted() -> None:
    assert getResolvedOptions(["script.py", "--offset", "-5"], ["offset"]) == {"offset": "-5"}


def test_prefix_does_not_match_a_longer_option() -> None:
    with pytest.raises(GlueArgumentError, match="--input_path"):
        getResolvedOptions(["script.py", "--input", "x"], ["input_path"])


def test_last_occurrence_wins() -> None:
    argv = ["script.py", "--mode", "a", "--mode", "b"]

    assert getResolvedOptions(argv, ["mode"]) == {"mode": "b"}


def test_glue_argument_error_is_a_plain_exception() -> None:
    assert issubclass(GlueArgumentError, Exception)
    assert not issubclass(GlueArgumentError, SystemExit)
