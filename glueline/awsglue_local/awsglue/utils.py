"""Job argument parsing that answers as AWS Glue's ``getResolvedOptions`` does.

Glue passes job arguments to the script as ``--name value`` pairs in ``sys.argv``, its own
among them. This follows ``awsglue/utils.py`` of aws-glue-libs (branches glue-3.0 to glue-5.1
hold the same function, and the local runtime is Glue 5.1's Spark), so a script sees the same
dictionary and the same errors locally as in AWS:

- every requested option is required, and comes back under argparse's name for it
  (``--my-option`` as ``my_option``); other arguments are ignored;
- Glue's own options always come back, ``None`` when absent: ``JOB_ID``, ``JOB_RUN_ID``,
  ``SECURITY_CONFIGURATION``, ``encryption_type``, ``enable_data_lineage``, ``TempDir`` and
  ``RedshiftTempDir`` (each set from the other), ``job_bookmark_from``/``_to``, and
  ``job_bookmark_option`` (``job-bookmark-disable`` unless given, or translated from the older
  ``--continuation-option``). ``JOB_NAME`` comes back only when requested;
- requesting a bookmark option is refused with ``RuntimeError("Using reserved arguments
  ...")``; requesting ``JOB_ID``, ``JOB_RUN_ID``, ``SECURITY_CONFIGURATION``,
  ``encryption-type`` or ``enable-data-lineage`` (or one name twice) fails in argparse with
  "conflicting option string"; requesting ``TempDir`` or ``RedshiftTempDir`` does not make it
  required;
- abbreviations of option names are accepted when unambiguous, as argparse does by default
  (Glue 6.0 turned them off; the local cloud runs no Glue 6.0 job).
"""

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

#: ``Job.job_bookmark_options()``: the option, then its values; the last is the default.
BOOKMARK_OPTION = "--job-bookmark-option"
BOOKMARK_VALUES = ("job-bookmark-enable", "job-bookmark-pause", "job-bookmark-disable")
#: ``Job.continuation_options()``: the older spelling, whose values map to the above in order.
CONTINUATION_OPTION = "--continuation-option"
CONTINUATION_VALUES = ("continuation-enabled", "continuation-readonly", "continuation-ignore")
#: ``Job.job_bookmark_range_options()``.
BOOKMARK_RANGE_OPTIONS = ("--job-bookmark-from", "--job-bookmark-to")
#: ``Job.id_params()[1:]``: optional, always returned, never requestable. ``JOB_NAME`` is not
#: among them.
ID_OPTIONS = ("--JOB_ID", "--JOB_RUN_ID", "--SECURITY_CONFIGURATION")
#: ``Job.encryption_type_options()``.
ENCRYPTION_TYPE_OPTION = "--encryption-type"
ENCRYPTION_TYPE_VALUES = ("sse-s3",)
#: ``Job.data_lineage_options()``.
DATA_LINEAGE_OPTION = "--enable-data-lineage"
#: Optional even when requested; each is copied to the other when only one is given.
TEMP_DIR_OPTIONS = ("RedshiftTempDir", "TempDir")


class GlueArgumentError(Exception):
    """Raised when the job arguments do not satisfy the requested options."""


class GlueArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises instead of printing usage and exiting the process."""

    def error(self, message: str) -> NoReturn:
        raise GlueArgumentError(message)


def _refuse_reserved(options: Sequence[str]) -> None:
    """The requests aws-glue-libs refuses before parsing, in its order and words.

    It looks for the bookmark options without their dashes but for the others with them:
    ``"JOB_RUN_ID"`` passes this check (and then conflicts in argparse), ``"--JOB_RUN_ID"``
    does not.
    """
    for option in (CONTINUATION_OPTION, BOOKMARK_OPTION):
        if option[2:] in options:
            raise RuntimeError("Using reserved arguments " + option[2:])
    for option in BOOKMARK_RANGE_OPTIONS:
        if option[2:] in options:
            raise RuntimeError("Using reserved arguments " + option)
    for option in (*ID_OPTIONS, ENCRYPTION_TYPE_OPTION, DATA_LINEAGE_OPTION):
        if option in options:
            raise RuntimeError("Using reserved arguments " + option)


def getResolvedOptions(args: Sequence[str], options: Sequence[str]) -> dict[str, Any]:
    """Return Glue's own options and each requested one, keyed without the dashes.

    ``args`` is ``sys.argv``-shaped: its first element is the program name and is skipped.
    Raises ``GlueArgumentError`` ("the following arguments are required: --name") when a
    requested option is absent, when an option has no value, and when a Glue option has a
    value it does not allow.
    """
    _refuse_reserved(options)
    parser = GlueArgumentParser()
    parser.add_argument(BOOKMARK_OPTION, choices=BOOKMARK_VALUES, required=False)
    parser.add_argument(CONTINUATION_OPTION, choices=CONTINUATION_VALUES, required=False)
    for option in (*BOOKMARK_RANGE_OPTIONS, *ID_OPTIONS):
        parser.add_argument(option, required=False)
    parser.add_argument(ENCRYPTION_TYPE_OPTION, choices=ENCRYPTION_TYPE_VALUES)
    parser.add_argument(DATA_LINEAGE_OPTION, required=False)
    for name in TEMP_DIR_OPTIONS:
        parser.add_argument(f"--{name}", required=False)
    for name in options:
        if name not in TEMP_DIR_OPTIONS:
            parser.add_argument(f"--{name}", required=True)

    resolved = vars(parser.parse_known_args(list(args[1:]))[0])

    if resolved["TempDir"] is not None:
        resolved["RedshiftTempDir"] = resolved["TempDir"]
    elif resolved["RedshiftTempDir"] is not None:
        resolved["TempDir"] = resolved["RedshiftTempDir"]
    continuation = resolved.pop("continuation_option")
    if resolved["job_bookmark_option"] is None:
        resolved["job_bookmark_option"] = (
            BOOKMARK_VALUES[CONTINUATION_VALUES.index(continuation)]
            if continuation is not None
            else BOOKMARK_VALUES[-1]
        )
    _check_bookmark_range(resolved)
    return resolved


def _check_bookmark_range(resolved: dict[str, Any]) -> None:
    """A paused bookmark needs both ends of its range or neither; otherwise none is allowed.

    The messages are aws-glue-libs', the missing space after "(s)" included.
    """
    absent = [
        option
        for option in BOOKMARK_RANGE_OPTIONS
        if resolved[option[2:].replace("-", "_")] is None
    ]
    if resolved["job_bookmark_option"] == "job-bookmark-pause":
        if len(absent) == 1:
            raise RuntimeError("Missing option or value for " + absent[0])
    elif not absent:
        raise RuntimeError("Invalid option(s)" + " ".join(BOOKMARK_RANGE_OPTIONS))
