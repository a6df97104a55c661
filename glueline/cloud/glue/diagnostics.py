"""Turns a finished driver's exit status and stderr into Glue's one-line ``ErrorMessage``.

AWS Glue reports the exception that ended the script (``ValueError: bad input``), not the
whole log, so the last Python traceback in stderr is what counts; Spark's log lines that
surround it are noise. For a JVM error surfaced through Py4J the Java exception line is
the useful one, since the Python side only says which call failed.

A driver that dies (out of memory, killed) is different: the script's Python side then fails
talking to its JVM (``BrokenPipeError``), which is a symptom. The cause is the JVM's
``OutOfMemoryError`` or the signal, so those come first, with where the full log is.
"""

from __future__ import annotations

import re
import signal

TRACEBACK_HEADER = "Traceback (most recent call last):"
#: AWS truncates long messages; keep ours readable in a console too.
MAX_MESSAGE_LENGTH = 2048
_EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$")
_PY4J_ERROR = "Py4JJavaError"
_OUT_OF_MEMORY = re.compile(r"java\.lang\.OutOfMemoryError(?::[^\n]*)?")
#: Shells and PySpark report a child killed by signal N as exit code 128 + N.
SIGNAL_EXIT_BASE = 128


def error_from_traceback(stderr: str) -> str | None:
    """``Type: message`` of the last traceback in ``stderr``; ``None`` if there is none.

    Module prefixes are dropped (``pyspark.errors...AnalysisException`` reads as
    ``AnalysisException``), as Glue's console shows it.
    """
    lines = stderr.splitlines()
    starts = [index for index, line in enumerate(lines) if line.strip() == TRACEBACK_HEADER]
    if not starts:
        return None
    for index in range(starts[-1] + 1, len(lines)):
        line = lines[index]
        if not line or line[0].isspace():
            continue
        match = _EXCEPTION_LINE.match(line.strip())
        if match is None:
            continue
        type_name = match["type"].rsplit(".", 1)[-1]
        message = (match["message"] or "").strip()
        if type_name == _PY4J_ERROR:
            java_line = _java_exception_line(lines[index + 1 :])
            if java_line:
                return _truncate(java_line)
        return _truncate(f"{type_name}: {message}" if message else type_name)
    return None


def _java_exception_line(lines: list[str]) -> str | None:
    """Py4J prints the Java exception on the line after its own, prefixed with ``: ``."""
    for line in lines:
        if line.startswith(": "):
            return line[2:].strip()
        if line.startswith("\tat "):
            return None
    return None


def failure_message(return_code: int, stderr: str, stdout: str = "", run_id: str = "") -> str:
    """Why a driver that exited with ``return_code`` (non-zero) failed, in one line.

    stdout is searched too because PySpark merges the script's stderr into its stdout when
    the script runs without glueline's driver (as in the Glue image).
    """
    full_log = f"; full log: /aws-glue/jobs/error, stream {run_id}" if run_id else ""
    ending = _how_it_ended(return_code)
    out_of_memory = _OUT_OF_MEMORY.search(stderr) or _OUT_OF_MEMORY.search(stdout)
    if out_of_memory:
        return _truncate(
            f"Driver ran out of memory: {out_of_memory.group(0).strip()} ({ending}){full_log}"
        )
    if ending.startswith("killed"):
        return f"Driver process was {ending} before the job finished{full_log}"
    from_traceback = error_from_traceback(stderr) or error_from_traceback(stdout)
    if from_traceback:
        return from_traceback
    return f"Driver process {ending} without a Python traceback{full_log}"


def _how_it_ended(return_code: int) -> str:
    """``killed by signal SIGKILL``, ``killed by signal SIGKILL (exit code 137)`` or
    ``exited with code 3``: a negative code is Popen's signal, 128+N the JVM's or a shell's."""
    if return_code < 0:
        return f"killed by signal {_signal_name(-return_code) or -return_code}"
    if return_code > SIGNAL_EXIT_BASE and _signal_name(return_code - SIGNAL_EXIT_BASE):
        name = _signal_name(return_code - SIGNAL_EXIT_BASE)
        return f"killed by signal {name} (exit code {return_code})"
    return f"exited with code {return_code}"


def _signal_name(number: int) -> str | None:
    try:
        return signal.Signals(number).name
    except ValueError:
        return None


def _truncate(message: str) -> str:
    if len(message) <= MAX_MESSAGE_LENGTH:
        return message
    return message[: MAX_MESSAGE_LENGTH - 3] + "..."
