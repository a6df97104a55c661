"""ErrorMessage from a driver's stderr: the exception, not the log around it."""

from __future__ import annotations

import pytest

from glueline.cloud.glue.diagnostics import (
    MAX_MESSAGE_LENGTH,
    error_from_traceback,
    failure_message,
)

SPARK_NOISE = """\
26/11/29 10:49:45 WARN NativeCodeLoader: Unable to load native-hadoop library
26/11/29 10:49:46 INFO ShutdownHookManager: Shutdown hook called
"""

VALUE_ERROR = """\
Traceback (most recent call last):
  File "/work/glue/jr_1/code/job.py", line 5, in <module>
    check("row 7")
  File "/work/glue/jr_1/code/job.py", line 3, in check
    raise ValueError(f"bad input: {value}")
ValueError: bad input: row 7
"""

CHAINED = """\
Traceback (most recent call last):
  File "job.py", line 2, in <module>
    int("x")
ValueError: invalid literal for int() with base 10: 'x'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "job.py", line 4, in <module>
    raise RuntimeError("could not parse the header")
RuntimeError: could not parse the header
"""

ANALYSIS = """\
Traceback (most recent call last):
  File "job.py", line 9, in <module>
    spark.read.csv("s3://in/missing.csv")
  File "/venv/pyspark/errors/exceptions/captured.py", line 185, in deco
    raise converted from None
pyspark.errors.exceptions.captured.AnalysisException: [PATH_NOT_FOUND] Path does not exist: \
s3://in/missing.csv.
"""

PY4J = """\
Traceback (most recent call last):
  File "job.py", line 9, in <module>
    frame.write.parquet("s3://out/x")
  File "/venv/py4j/protocol.py", line 326, in get_return_value
    raise Py4JJavaError(
py4j.protocol.Py4JJavaError: An error occurred while calling o52.parquet.
: java.nio.file.AccessDeniedException: s3://out/x: getFileStatus on s3://out/x: 403 Forbidden
\tat org.apache.hadoop.fs.s3a.S3AUtils.translateException(S3AUtils.java:255)
\tat org.apache.hadoop.fs.s3a.S3AFileSystem.getFileStatus(S3AFileSystem.java:3796)
"""

SYSTEM_EXIT_LIKE = """\
Traceback (most recent call last):
  File "job.py", line 1, in <module>
    raise KeyboardInterrupt
KeyboardInterrupt
"""


def test_plain_exception_is_type_and_message() -> None:
    assert error_from_traceback(SPARK_NOISE + VALUE_ERROR + SPARK_NOISE) == (
        "ValueError: bad input: row 7"
    )


def test_the_last_exception_of_a_chain_counts() -> None:
    assert error_from_traceback(CHAINED) == "RuntimeError: could not parse the header"


def test_module_prefix_is_dropped() -> None:
    assert error_from_traceback(ANALYSIS) == (
        "AnalysisException: [PATH_NOT_FOUND] Path does not exist: s3://in/missing.csv."
    )


def test_py4j_error_reports_the_java_exception() -> None:
    assert error_from_traceback(PY4J) == (
        "java.nio.file.AccessDeniedException: s3://out/x: getFileStatus on s3://out/x: "
        "403 Forbidden"
    )


def test_exception_without_message_is_its_type() -> None:
    assert error_from_traceback(SYSTEM_EXIT_LIKE) == "KeyboardInterrupt"


def test_no_traceback_means_no_message() -> None:
    assert error_from_traceback(SPARK_NOISE) is None


def test_long_messages_are_truncated() -> None:
    message = error_from_traceback(VALUE_ERROR.replace("row 7", "x" * 5000))

    assert message is not None
    assert len(message) == MAX_MESSAGE_LENGTH
    assert message.endswith("...")


def test_failure_prefers_the_traceback() -> None:
    assert failure_message(1, VALUE_ERROR) == "ValueError: bad input: row 7"


def test_traceback_on_stdout_is_found_when_stderr_has_none() -> None:
    assert failure_message(1, SPARK_NOISE, VALUE_ERROR) == "ValueError: bad input: row 7"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            -9,
            "Driver process was killed by signal SIGKILL before the job finished; "
            "full log: /aws-glue/jobs/error, stream jr_1",
        ),
        (
            137,
            "Driver process was killed by signal SIGKILL (exit code 137) before the job "
            "finished; full log: /aws-glue/jobs/error, stream jr_1",
        ),
        (
            3,
            "Driver process exited with code 3 without a Python traceback; "
            "full log: /aws-glue/jobs/error, stream jr_1",
        ),
    ],
)
def test_failure_without_traceback_says_how_the_driver_ended(code: int, expected: str) -> None:
    assert failure_message(code, SPARK_NOISE, run_id="jr_1") == expected


BROKEN_PIPE = """\
Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/py4j/clientserver.py", line 503, in send_command
    self.socket.sendall(command.encode("utf-8"))
BrokenPipeError: [Errno 32] Broken pipe
"""


def test_a_killed_driver_is_reported_as_killed_not_as_the_broken_pipe_it_caused() -> None:
    assert failure_message(-9, BROKEN_PIPE) == (
        "Driver process was killed by signal SIGKILL before the job finished"
    )


def test_a_jvm_out_of_memory_is_the_cause_whatever_python_said() -> None:
    stderr = (
        SPARK_NOISE
        + "Terminating due to java.lang.OutOfMemoryError: Java heap space\n"
        + BROKEN_PIPE
    )
    assert failure_message(3, stderr, run_id="jr_2") == (
        "Driver ran out of memory: java.lang.OutOfMemoryError: Java heap space "
        "(exited with code 3); full log: /aws-glue/jobs/error, stream jr_2"
    )
