"""What a job's ``GlueVersion`` asks for, and what the local runtime does about it.

In AWS a job's ``GlueVersion`` fixes the Spark and Python its runs get. The local cloud has
one runtime, the pinned ``pyspark`` on the kit's own interpreter, so a job that names another
version would otherwise run on it without a word and behave differently from AWS. The
decision is a pure function of the declared version and the local runtime:

- the same Spark minor release and Python version: the run goes ahead (Glue 5.0 declares
  Spark 3.5.4 and differs from PySpark 3.5.6 only in patches);
- the same Spark major release but another minor release or Python: the run goes ahead on
  the local runtime, and its error log says which versions AWS would have used;
- another Spark major release (Glue 0.9 to 2.0 run Spark 2, Glue 6.0 Spark 4), or a version
  AWS Glue does not have: the run fails before it starts, saying why.

Versions and dates are from the AWS Glue developer guide: "AWS Glue versions"
(release-notes.html), "AWS Glue version support policy" (glue-version-support-policy.html)
and "Migrating AWS Glue for Spark jobs to AWS Glue version 6.0" (migrating-version-60.html).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import metadata


@dataclass(frozen=True)
class GlueRuntime:
    """The Spark and Python that AWS runs for one Glue version."""

    spark: str
    python: str
    #: When AWS stopped starting runs of this version (its end of life), if it has.
    end_of_life: str | None = None

    @property
    def description(self) -> str:
        return f"Spark {self.spark}, Python {self.python}"


#: AWS's runtimes for Spark jobs, by ``GlueVersion``. Glue 1.0 ran Python 2.7 or 3.6.
GLUE_RUNTIMES: dict[str, GlueRuntime] = {
    "0.9": GlueRuntime("2.2.1", "2.7", end_of_life="2026-04-01"),
    "1.0": GlueRuntime("2.4.3", "3.6", end_of_life="2026-04-01"),
    "2.0": GlueRuntime("2.4.3", "3.7", end_of_life="2026-04-01"),
    "3.0": GlueRuntime("3.1.1", "3.7"),
    "4.0": GlueRuntime("3.3.0", "3.10"),
    "5.0": GlueRuntime("3.5.4", "3.11"),
    "5.1": GlueRuntime("3.5.6", "3.11"),
    "6.0": GlueRuntime("4.1.1", "3.13"),
}
#: What AWS documents for a job created without a ``GlueVersion``.
DEFAULT_GLUE_VERSION = "0.9"


class Verdict(Enum):
    RUN = "run"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Decision:
    """What to do with a run, and the line its log or ``ErrorMessage`` gets (none to run)."""

    verdict: Verdict
    message: str | None = None


@dataclass(frozen=True)
class LocalRuntime:
    """The Spark and Python that local runs use."""

    spark: str
    python: str

    @property
    def description(self) -> str:
        return f"Spark {self.spark} on Python {self.python}"


@cache
def local_runtime() -> LocalRuntime:
    """The installed PySpark and this interpreter, which drivers run on."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return LocalRuntime(metadata.version("pyspark"), python)


def _release(version: str, parts: int) -> tuple[str, ...]:
    return tuple(version.split(".")[:parts])


def matching_versions(local: LocalRuntime) -> list[str]:
    """The Glue versions whose runs the local runtime reproduces."""
    return [
        name
        for name, runtime in GLUE_RUNTIMES.items()
        if _release(runtime.spark, 2) == _release(local.spark, 2) and runtime.python == local.python
    ]


def decide(glue_version: str | None, local: LocalRuntime) -> Decision:
    """Whether a run of a job declaring ``glue_version`` (None: the job sets none) runs on
    ``local`` as it would in AWS, runs with a warning, or fails."""
    matching = matching_versions(local)
    has = f"{local.description}" + (f", as Glue {' and '.join(matching)} have" if matching else "")
    advice = f": set GlueVersion to {' or '.join(matching)}" if matching else ""
    if glue_version is None:
        default = GLUE_RUNTIMES[DEFAULT_GLUE_VERSION]
        return Decision(
            Verdict.WARN,
            f"The job sets no GlueVersion, so AWS Glue gives it Glue {DEFAULT_GLUE_VERSION} "
            f"({default.description}), which reached its end of life on {default.end_of_life}; "
            f"this run uses {has}{advice}",
        )
    runtime = GLUE_RUNTIMES.get(glue_version)
    if runtime is None:
        return Decision(
            Verdict.FAIL,
            f"GlueVersion {glue_version!r} is not an AWS Glue version for Spark jobs "
            f"(there are {', '.join(GLUE_RUNTIMES)})",
        )
    if glue_version in matching:
        return Decision(Verdict.RUN)
    if _release(runtime.spark, 1) != _release(local.spark, 1):
        retired = (
            f"; AWS Glue has not started runs of Glue {glue_version} since its end of life on "
            f"{runtime.end_of_life}"
            if runtime.end_of_life
            else ""
        )
        return Decision(
            Verdict.FAIL,
            f"Glue {glue_version} runs {runtime.description}, which the local cloud does not "
            f"have (it has {has}){retired}{advice}",
        )
    return Decision(
        Verdict.WARN,
        f"Glue {glue_version} runs {runtime.description} in AWS, but the local cloud has "
        f"{has}: this run uses them, so it may behave differently from AWS",
    )
