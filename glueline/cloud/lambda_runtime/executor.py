"""Runs one Lambda invocation as a local process, the way AWS's runtimes would.

Python functions run on the kit's own interpreter, Node.js functions on ``node``. The
function's code (and its layers) are unpacked once per code version; each invocation gets
the function's environment plus the variables AWS sets, a deadline from the function's
timeout, and its output lands in CloudWatch Logs under ``/aws/lambda/<function>``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from glueline.cloud.settings import CloudSettings, client_environment

log = logging.getLogger("glueline.lambda")

NODE_BOOTSTRAP = Path(__file__).parent.parent / "node" / "lambda_bootstrap.js"
#: AWS returns the last 4 KB of the log when a caller asks for ``LogType=Tail``.
LOG_TAIL_BYTES = 4096


@dataclass(frozen=True)
class InvocationResult:
    """What one invocation returned, in the terms of the Invoke API."""

    request_id: str
    payload: bytes
    #: ``"Unhandled"`` when the function raised, timed out or could not start, as in AWS.
    function_error: str | None
    log: str

    @property
    def log_tail_base64(self) -> str:
        return base64.b64encode(self.log.encode()[-LOG_TAIL_BYTES:]).decode()

    def error_message(self) -> str:
        try:
            return str(json.loads(self.payload).get("errorMessage", ""))
        except (ValueError, AttributeError):
            return self.payload.decode(errors="replace")


class UnsupportedRuntimeError(Exception):
    """The function's runtime is not one the local executor can run."""


class LocalLambdaExecutor:
    """Executes functions from moto's Lambda backend as child processes."""

    def __init__(self, settings: CloudSettings, node_modules: Path | None = None) -> None:
        self._settings = settings
        self._code_root = settings.work_dir / "lambda"
        self._node_modules = node_modules
        self._unpack_lock = threading.Lock()

    def invoke(self, function: Any, event: str) -> InvocationResult:
        """Run ``function`` (a moto ``LambdaFunction``) on ``event`` and wait for it."""
        request_id = str(uuid.uuid4())
        stream_name = _log_stream_name(function.version)
        started = time.monotonic()
        try:
            command = self._command_for(function.run_time)
            task_root = self._unpack(function.function_name, function.code_bytes)
            layer_roots = [self._unpack_layer(function, layer) for layer in function.layers]
        except (UnsupportedRuntimeError, zipfile.BadZipFile, OSError) as exc:
            error = {"errorType": "Runtime.InvalidEntrypoint", "errorMessage": str(exc)}
            result = InvocationResult(request_id, json.dumps(error).encode(), "Unhandled", "")
            self._write_logs(function, stream_name, request_id, [f"ERROR {exc}"], 0.0)
            return result

        with tempfile.TemporaryDirectory(prefix="invoke-", dir=self._settings.work_dir) as tmp:
            result_file = Path(tmp) / "result.json"
            env = self._environment(function, task_root, layer_roots, request_id, stream_name)
            env["GLUELINE_RESULT_FILE"] = str(result_file)
            output, timed_out = self._run(command, task_root, env, event, float(function.timeout))
            duration_ms = (time.monotonic() - started) * 1000
            lines = output.splitlines()
            if timed_out:
                message = f"Task timed out after {float(function.timeout):.2f} seconds"
                lines.append(f"{_now_iso()} {request_id} {message}")
                error = {"errorType": "Sandbox.Timedout", "errorMessage": message}
                payload, function_error = json.dumps(error).encode(), "Unhandled"
            else:
                payload, function_error = _read_outcome(result_file, lines)
        log_text = self._write_logs(function, stream_name, request_id, lines, duration_ms)
        return InvocationResult(request_id, payload, function_error, log_text)

    def _command_for(self, runtime: str | None) -> list[str]:
        runtime = runtime or ""
        if runtime.startswith("python"):
            return [sys.executable, "-m", "glueline.cloud.lambda_runtime.python_bootstrap"]
        if runtime.startswith("nodejs"):
            return ["node", str(NODE_BOOTSTRAP)]
        raise UnsupportedRuntimeError(
            f"runtime {runtime!r} is not supported by the glueline local cloud "
            "(it runs python3.x and nodejs runtimes)"
        )

    def _unpack(self, name: str, code: bytes) -> Path:
        """Unpack a zip once per content hash; concurrent invocations share the directory."""
        target = self._code_root / name / hashlib.sha256(code).hexdigest()[:16]
        with self._unpack_lock:
            if not target.is_dir():
                staging = target.with_name(target.name + ".partial")
                with zipfile.ZipFile(io.BytesIO(code)) as archive:
                    archive.extractall(staging)
                staging.rename(target)
        return target

    def _unpack_layer(self, function: Any, layer: dict[str, Any]) -> Path:
        from moto.awslambda.utils import get_backend

        backend = get_backend(function.account_id, function.region)
        version = backend.layers_versions_by_arn(layer["Arn"])
        if version is None:
            raise OSError(f"layer {layer['Arn']} does not exist in the local cloud")
        return self._unpack(f"_layers/{version.name}", version.code_bytes)

    def _environment(
        self,
        function: Any,
        task_root: Path,
        layer_roots: list[Path],
        request_id: str,
        stream_name: str,
    ) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key in ("PATH", "HOME", "LANG", "JAVA_HOME", "TMPDIR")
        }
        env.update({key: str(value) for key, value in function.environment_vars.items()})
        env.update(client_environment(self._settings.endpoint_url, function.region))
        env.update(
            {
                "_HANDLER": function.handler or "",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
                "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout),
                "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name,
                "AWS_LAMBDA_LOG_STREAM_NAME": stream_name,
                "AWS_LAMBDA_RUNTIME_API": "localhost",
                "LAMBDA_TASK_ROOT": str(task_root),
                "LAMBDA_RUNTIME_DIR": str(Path(__file__).parent),
                "TZ": ":UTC",
                "PYTHONUNBUFFERED": "1",
                "GLUELINE_FUNCTION_ARN": function.function_arn,
                "GLUELINE_REQUEST_ID": request_id,
                "GLUELINE_ENDPOINT_PORT": str(self._settings.port),
            }
        )
        python_paths = [str(root / "python") for root in layer_roots]
        if python_paths:
            env["PYTHONPATH"] = os.pathsep.join(python_paths)
        node_paths = [str(root / "nodejs" / "node_modules") for root in layer_roots]
        if self._node_modules is not None:
            node_paths.append(str(self._node_modules))
        env["NODE_PATH"] = os.pathsep.join(node_paths)
        return env

    @staticmethod
    def _run(
        command: list[str], cwd: Path, env: dict[str, str], event: str, timeout: float
    ) -> tuple[str, bool]:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(event.encode(), timeout=timeout)
            return output.decode(errors="replace"), False
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return output.decode(errors="replace"), True

    @staticmethod
    def _write_logs(
        function: Any, stream_name: str, request_id: str, lines: list[str], duration_ms: float
    ) -> str:
        version = function.version
        framed = [
            f"START RequestId: {request_id} Version: {version}",
            *lines,
            f"END RequestId: {request_id}",
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Memory Size: {function.memory_size} MB",
        ]
        logs = function.logs_backend
        logs.ensure_log_group(function.logs_group_name)
        logs.create_log_stream(function.logs_group_name, stream_name)
        now = int(time.time() * 1000)
        logs.put_log_events(
            function.logs_group_name,
            stream_name,
            [{"timestamp": now, "message": line} for line in framed],
        )
        return "\n".join(framed)


def _read_outcome(result_file: Path, lines: list[str]) -> tuple[bytes, str | None]:
    """Turn the bootstrap's result file into a payload, or explain why there is none."""
    if not result_file.exists():
        message = "Runtime exited without providing a reason"
        lines.append(f"{_now_iso()} {message}")
        error = {"errorType": "Runtime.ExitError", "errorMessage": message}
        return json.dumps(error).encode(), "Unhandled"
    outcome = json.loads(result_file.read_text(encoding="utf-8"))
    if outcome["ok"]:
        return outcome["payload"].encode(), None
    return json.dumps(outcome["error"]).encode(), "Unhandled"


def _log_stream_name(version: str) -> str:
    today = datetime.now(UTC)
    return f"{today:%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
