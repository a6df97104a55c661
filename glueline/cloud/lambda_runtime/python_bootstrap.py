"""The Python runtime interface, run in the function's own process.

Reads one event from stdin, calls the handler named by ``_HANDLER`` and writes the outcome
as JSON to the file named by ``GLUELINE_RESULT_FILE``, so that stdout and stderr stay the
function's log, as in AWS.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The attributes and method AWS's Python runtime gives handlers as ``context``."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = os.environ["GLUELINE_FUNCTION_ARN"]
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.aws_request_id = os.environ["GLUELINE_REQUEST_ID"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _error(exc: BaseException) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": os.environ["GLUELINE_REQUEST_ID"],
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _run_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    module_path, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        module = importlib.import_module(module_path.replace("/", "."))
        handler = getattr(module, function_name)
    except Exception as exc:
        print(f"[ERROR] Runtime.ImportModuleError: {exc}", file=sys.stderr)
        return {"ok": False, "error": {**_error(exc), "errorType": "Runtime.ImportModuleError"}}
    try:
        result = handler(event, context)
    except Exception as exc:
        print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stderr)
        traceback.print_exc()
        return {"ok": False, "error": _error(exc)}
    try:
        return {"ok": True, "payload": json.dumps(result)}
    except TypeError as exc:
        return {"ok": False, "error": {**_error(exc), "errorType": "Runtime.MarshalError"}}


def main() -> None:
    deadline = time.time() + float(os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"])
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    event = json.load(sys.stdin)
    outcome = _run_handler(event, LambdaContext(deadline))
    sys.stdout.flush()
    sys.stderr.flush()
    with open(os.environ["GLUELINE_RESULT_FILE"], "w", encoding="utf-8") as result_file:
        json.dump(outcome, result_file)


if __name__ == "__main__":
    main()
