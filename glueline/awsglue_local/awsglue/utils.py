"""Job argument parsing with the semantics of AWS Glue's ``getResolvedOptions``.

Glue passes job arguments to the script as ``--name value`` pairs in ``sys.argv`` (plus its
own, such as ``--JOB_NAME`` and ``--JOB_RUN_ID``). A script asks only for the names it needs;
everything else is ignored, and every requested name is required. Parsing is delegated to
``argparse`` so values behave as on Glue (``--name=value`` works, a value that looks like an
option is rejected), with two deliberate settings: abbreviations are off, so ``--in`` never
matches a requested ``input_path``, and ``--help`` is not special.
"""

import argparse
from collections.abc import Sequence
from typing import NoReturn


class GlueArgumentError(Exception):
    """Raised when the job arguments do not satisfy the requested options."""


class _GlueArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises instead of printing usage and exiting the process."""

    def error(self, message: str) -> NoReturn:
        raise GlueArgumentError(message)


def getResolvedOptions(args: Sequence[str], options: Sequence[str]) -> dict[str, str]:
    """Return the value of each requested option, keyed by its name without the dashes.

    ``args`` is ``sys.argv``-shaped: its first element is the program name and is skipped.
    Raises ``GlueArgumentError`` ("the following arguments are required: --name") when a
    requested option is absent, and when an option is given without a value.
    """
    parser = _GlueArgumentParser(allow_abbrev=False, add_help=False)
    for name in dict.fromkeys(options):
        parser.add_argument(f"--{name}", dest=name, required=True)
    parsed, _unrequested = parser.parse_known_args(list(args[1:]))
    return vars(parsed)
