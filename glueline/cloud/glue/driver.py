"""Runs a job script as ``__main__`` with the script's stderr kept apart from its stdout.

PySpark's ``PythonRunner`` starts the driver's Python with stderr merged into stdout, so a
traceback would land in ``/aws-glue/jobs/output``. AWS Glue also wraps scripts in a runner
(its tracebacks show ``/tmp/runscript.py``); this one points file descriptor 2 at the file
named by ``GLUELINE_DRIVER_STDERR`` first, so errors reach ``/aws-glue/jobs/error``.

Usage (by spark-submit): ``driver.py <script> [script arguments...]``.
"""

from __future__ import annotations

import os
import runpy
import sys

STDERR_VARIABLE = "GLUELINE_DRIVER_STDERR"


def main() -> None:
    stderr_path = os.environ.get(STDERR_VARIABLE)
    if stderr_path:
        sys.stderr.flush()
        descriptor = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(descriptor, 2)
        os.close(descriptor)
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
