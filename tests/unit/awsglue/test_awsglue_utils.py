"""getResolvedOptions answers as aws-glue-libs' does, case by case.

The source is ``awsglue/utils.py`` (``getResolvedOptions``) and ``awsglue/job.py`` (the
option lists of ``Job``) of github.com/awslabs/aws-glue-libs, branch glue-5.1; branches
glue-3.0 to glue-5.1 hold the same function. Each test names the part of it that it pins.
"""

import argparse

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
#: What every call returns besides the requested options, when Glue passed none of its own:
#: ``parsed_dict`` after the TempDir and bookmark handling.
GLUE_OPTIONS_ABSENT = {
    "job_bookmark_option": "job-bookmark-disable",
    "job_bookmark_from": None,
    "job_bookmark_to": None,
    "JOB_ID": None,
    "JOB_RUN_ID": None,
    "SECURITY_CONFIGURATION": None,
    "encryption_type": None,
    "enable_data_lineage": None,
    "RedshiftTempDir": None,
    "TempDir": None,
}


def test_glue_options_come_back_with_the_requested_ones() -> None:
    """``return parsed_dict``: every option the parser knows, not only those requested."""
    args = getResolvedOptions(ARGV, ["JOB_NAME", "input_path"])

    assert args == {
        **GLUE_OPTIONS_ABSENT,
        "JOB_RUN_ID": "jr_123",
        "JOB_NAME": "file-processor",
        "input_path": "s3://in/a b.csv",
    }


def test_keys_come_in_the_order_the_parser_learns_them() -> None:
    args = getResolvedOptions(["script.py", "--x", "1"], ["x"])

    assert list(args) == [*GLUE_OPTIONS_ABSENT, "x"]


def test_job_name_comes_back_only_when_requested() -> None:
    """``for option in Job.id_params()[1:]``: JOB_NAME is not among Glue's own options."""
    assert "JOB_NAME" not in getResolvedOptions(ARGV, ["input_path"])


def test_arguments_not_requested_are_ignored() -> None:
    """``parser.parse_known_args(args[1:])`` drops the unknown ones."""
    assert getResolvedOptions(ARGV, []) == {**GLUE_OPTIONS_ABSENT, "JOB_RUN_ID": "jr_123"}


def test_an_option_with_dashes_comes_back_under_argparse_name() -> None:
    """``parser.add_argument('--' + option)``: argparse's dest replaces dashes."""
    args = getResolvedOptions(["script.py", "--output-path", "s3://out/"], ["output-path"])

    assert args["output_path"] == "s3://out/"
    assert "output-path" not in args


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        ("job-bookmark-option", "Using reserved arguments job-bookmark-option"),
        ("continuation-option", "Using reserved arguments continuation-option"),
        ("job-bookmark-from", "Using reserved arguments --job-bookmark-from"),
        ("job-bookmark-to", "Using reserved arguments --job-bookmark-to"),
        ("--JOB_RUN_ID", "Using reserved arguments --JOB_RUN_ID"),
        ("--encryption-type", "Using reserved arguments --encryption-type"),
        ("--enable-data-lineage", "Using reserved arguments --enable-data-lineage"),
    ],
)
def test_reserved_requests_are_refused_with_the_source_words(requested: str, message: str) -> None:
    """The ``raise RuntimeError("Using reserved arguments " + ...)`` checks: bookmark and
    continuation names are compared without dashes, the others with them."""
    with pytest.raises(RuntimeError) as refused:
        getResolvedOptions(["script.py"], [requested])

    assert str(refused.value) == message


@pytest.mark.parametrize(
    "requested",
    ["JOB_RUN_ID", "JOB_ID", "SECURITY_CONFIGURATION", "encryption-type", "enable-data-lineage"],
)
def test_requesting_a_glue_option_by_name_conflicts_in_argparse(requested: str) -> None:
    """The reserved checks look for ``'--JOB_RUN_ID'`` in the list, so ``'JOB_RUN_ID'`` passes
    them and is added a second time, which argparse refuses. Read ``args['JOB_RUN_ID']``
    without requesting it."""
    with pytest.raises(argparse.ArgumentError, match=f"conflicting option string: --{requested}"):
        getResolvedOptions(["script.py", f"--{requested}", "x"], [requested])


def test_an_option_requested_twice_conflicts_in_argparse() -> None:
    with pytest.raises(argparse.ArgumentError, match="conflicting option string: --x"):
        getResolvedOptions(["script.py", "--x", "1"], ["x", "x"])


def test_missing_requested_option_raises_glue_argument_error() -> None:
    """``parser.add_argument('--' + option, required=True)`` with ``GlueArgumentParser.error``
    raising instead of exiting."""
    with pytest.raises(
        GlueArgumentError, match="the following arguments are required: --output_path"
    ):
        getResolvedOptions(ARGV, ["JOB_NAME", "output_path"])


def test_option_without_value_raises() -> None:
    with pytest.raises(GlueArgumentError, match="argument --input_path: expected one argument"):
        getResolvedOptions(["script.py", "--input_path"], ["input_path"])


def test_requested_temp_dir_is_optional_and_mirrors_redshift_temp_dir() -> None:
    """``options = [opt for opt in options if opt not in {'RedshiftTempDir', 'TempDir'}]``,
    then each is copied to the other when only one is set (TempDir first)."""
    assert getResolvedOptions(["script.py"], ["TempDir"])["TempDir"] is None

    from_temp = getResolvedOptions(["script.py", "--TempDir", "s3://t/"], ["TempDir"])
    from_redshift = getResolvedOptions(["script.py", "--RedshiftTempDir", "s3://r/"], [])
    both = getResolvedOptions(
        ["script.py", "--TempDir", "s3://t/", "--RedshiftTempDir", "s3://r/"], []
    )

    assert (from_temp["TempDir"], from_temp["RedshiftTempDir"]) == ("s3://t/", "s3://t/")
    assert (from_redshift["TempDir"], from_redshift["RedshiftTempDir"]) == ("s3://r/", "s3://r/")
    assert (both["TempDir"], both["RedshiftTempDir"]) == ("s3://t/", "s3://t/")


@pytest.mark.parametrize(
    ("continuation", "bookmark"),
    [
        ("continuation-enabled", "job-bookmark-enable"),
        ("continuation-readonly", "job-bookmark-pause"),
        ("continuation-ignore", "job-bookmark-disable"),
    ],
)
def test_continuation_option_is_translated_to_a_bookmark_option(
    continuation: str, bookmark: str
) -> None:
    """``option_index = Job.continuation_options().index(bookmark_value)``; the continuation
    key itself is popped."""
    argv = ["script.py", "--continuation-option", continuation]
    if bookmark == "job-bookmark-pause":
        argv += ["--job-bookmark-from", "1", "--job-bookmark-to", "2"]

    args = getResolvedOptions(argv, [])

    assert args["job_bookmark_option"] == bookmark
    assert "continuation_option" not in args


def test_bookmark_option_wins_over_continuation_option() -> None:
    argv = [
        "script.py",
        "--job-bookmark-option",
        "job-bookmark-enable",
        "--continuation-option",
        "continuation-ignore",
    ]

    assert getResolvedOptions(argv, [])["job_bookmark_option"] == "job-bookmark-enable"


def test_a_value_glue_does_not_allow_is_refused() -> None:
    """``choices=Job.job_bookmark_options()[1:]`` and ``Job.encryption_type_options()[1:]``."""
    with pytest.raises(GlueArgumentError, match="argument --job-bookmark-option: invalid choice"):
        getResolvedOptions(["script.py", "--job-bookmark-option", "on"], [])
    with pytest.raises(GlueArgumentError, match="argument --encryption-type: invalid choice"):
        getResolvedOptions(["script.py", "--encryption-type", "sse-kms"], [])


def test_paused_bookmark_takes_both_ends_of_its_range() -> None:
    argv = ["script.py", "--job-bookmark-option", "job-bookmark-pause"]
    ranged = [*argv, "--job-bookmark-from", "1", "--job-bookmark-to", "2"]

    args = getResolvedOptions(ranged, [])

    assert (args["job_bookmark_from"], args["job_bookmark_to"]) == ("1", "2")
    assert getResolvedOptions(argv, [])["job_bookmark_option"] == "job-bookmark-pause"
    with pytest.raises(RuntimeError) as missing:
        getResolvedOptions([*argv, "--job-bookmark-from", "1"], [])
    assert str(missing.value) == "Missing option or value for --job-bookmark-to"


def test_a_range_without_a_paused_bookmark_is_invalid() -> None:
    """The message is the source's, without a space after "(s)"."""
    argv = ["script.py", "--job-bookmark-from", "1", "--job-bookmark-to", "2"]

    with pytest.raises(RuntimeError) as invalid:
        getResolvedOptions(argv, [])

    assert str(invalid.value) == "Invalid option(s)--job-bookmark-from --job-bookmark-to"


def test_an_unambiguous_prefix_matches_a_longer_option() -> None:
    """``GlueArgumentParser()`` keeps argparse's ``allow_abbrev=True`` up to Glue 5.1."""
    assert getResolvedOptions(["script.py", "--inp", "x"], ["input_path"])["input_path"] == "x"


def test_an_ambiguous_prefix_is_an_error() -> None:
    with pytest.raises(GlueArgumentError, match="ambiguous option: --JOB could match"):
        getResolvedOptions(["script.py", "--JOB", "x"], [])


def test_equals_form_is_accepted() -> None:
    args = getResolvedOptions(
        ["script.py", "--day=2024-01-02", "--JOB_NAME=j"], ["day", "JOB_NAME"]
    )

    assert (args["day"], args["JOB_NAME"]) == ("2024-01-02", "j")


def test_value_that_looks_like_an_option_is_rejected_as_argparse_does() -> None:
    with pytest.raises(GlueArgumentError):
        getResolvedOptions(["script.py", "--sep", "--x"], ["sep"])


def test_negative_number_value_is_accepted() -> None:
    assert getResolvedOptions(["script.py", "--offset", "-5"], ["offset"])["offset"] == "-5"


def test_last_occurrence_wins() -> None:
    argv = ["script.py", "--mode", "a", "--mode", "b"]

    assert getResolvedOptions(argv, ["mode"])["mode"] == "b"


def test_help_ends_the_script_as_argparse_does() -> None:
    """``GlueArgumentParser()`` keeps argparse's ``-h``/``--help``, which prints usage and
    exits with status 0."""
    with pytest.raises(SystemExit) as exited:
        getResolvedOptions(["script.py", "--help"], [])

    assert exited.value.code == 0


def test_glue_argument_error_is_a_plain_exception() -> None:
    assert issubclass(GlueArgumentError, Exception)
    assert not issubclass(GlueArgumentError, SystemExit)
