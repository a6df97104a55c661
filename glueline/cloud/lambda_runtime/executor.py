"""Runs one Lambda invocation as a local process, the way AWS's runtimes would.

Python functions run on the kit's own interpreter, Node.js functions on ``node``. The
function's code (and its layers) are unpacked once per code version; each invocation gets
the function's environment plus the variables AWS sets, a deadline from the function's
timeout, and its output lands in CloudWatch Logs under ``/aws/lambda/<function>``.

As in AWS, an invocation is over when the handler returns, even if it started a process
that lives on (that process is ended at the function's timeout); the sandbox's memory is
its ``MemorySize`` (``Runtime.OutOfMemory`` beyond it), and a runtime that exits without
an answer is reported with its exit status or signal.
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

from glueline.cloud import process_groups
from glueline.cloud.iam.credentials import CredentialsCache
from glueline.cloud.lambda_runtime import opt_mount
from glueline.cloud.settings import CloudSettings, client_environment

log = logging.getLogger("glueline.lambda")

NODE_BOOTSTRAP = Path(__file__).parent.parent / "node" / "lambda_bootstrap.js"
#: AWS returns the last 4 KB of the log when a caller asks for ``LogType=Tail``.
LOG_TAIL_BYTES = 4096
#: How often a running invocation's memory and deadline are checked.
WATCH_SECONDS = 0.05
MEBIBYTE = 1024 * 1024
#: Go's names for signals, which AWS's runtime errors use ("signal: killed").
_SIGNAL_WORDS = {
    signal.SIGKILL: "killed",
    signal.SIGTERM: "terminated",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGINT: "interrupt",
}


@dataclass(frozen=True)
class _ProcessOutcome:
    """How the runtime process ended, and what it printed."""

    output: str
    return_code: int
    timed_out: bool = False
    out_of_memory: bool = False
    max_memory_bytes: int = 0


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
        self._groups = process_groups.ProcessGroups()
        self._credentials = CredentialsCache()

    def shutdown(self) -> None:
        """End every function process still alive, including those left behind by handlers
        that returned."""
        self._groups.end_all()

    def invoke(self, function: Any, event: str) -> InvocationResult:
        """Run ``function`` (a moto ``LambdaFunction``) on ``event`` and wait for it."""
        request_id = str(uuid.uuid4())
        stream_name = _log_stream_name(function.version)
        started = time.monotonic()
        try:
            command = self._command_for(function.run_time)
            task_root = self._unpack(function.function_name, function.code_bytes)
            layer_roots = [self._unpack_layer(function, layer) for layer in function.layers]
            opt = self._layers_folder(layer_roots)
        except (UnsupportedRuntimeError, zipfile.BadZipFile, OSError) as exc:
            error = {"errorType": "Runtime.InvalidEntrypoint", "errorMessage": str(exc)}
            result = InvocationResult(request_id, json.dumps(error).encode(), "Unhandled", "")
            self._write_logs(function, stream_name, request_id, [f"ERROR {exc}"], 0.0)
            return result

        with tempfile.TemporaryDirectory(prefix="invoke-", dir=self._settings.work_dir) as tmp:
            result_file = Path(tmp) / "result.json"
            opt_seen_as = opt
            if opt is not None and opt_mount.private_opt_available():
                command = [*opt_mount.namespace_prefix(opt), *command]
                opt_seen_as = opt_mount.OPT
            env = self._environment(
                function, task_root, (opt, opt_seen_as), request_id, stream_name
            )
            env["GLUELINE_RESULT_FILE"] = str(result_file)
            outcome = self._run(
                command,
                task_root,
                env,
                event,
                timeout=float(function.timeout),
                memory_limit_bytes=int(function.memory_size) * MEBIBYTE,
                scratch=Path(tmp),
            )
            duration_ms = (time.monotonic() - started) * 1000
            lines = outcome.output.splitlines()
            if outcome.timed_out:
                message = f"Task timed out after {float(function.timeout):.2f} seconds"
                lines.append(f"{_now_iso()} {request_id} {message}")
                error = {"errorType": "Sandbox.Timedout", "errorMessage": message}
                payload, function_error = json.dumps(error).encode(), "Unhandled"
            elif outcome.out_of_memory:
                message = (
                    f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"
                )
                lines.append(f"{message}\nRuntime.OutOfMemory")
                error = {"errorType": "Runtime.OutOfMemory", "errorMessage": message}
                payload, function_error = json.dumps(error).encode(), "Unhandled"
            else:
                payload, function_error = _read_outcome(
                    result_file, lines, request_id, outcome.return_code
                )
        log_text = self._write_logs(
            function, stream_name, request_id, lines, duration_ms, outcome.max_memory_bytes
        )
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
                    _extract_keeping_modes(archive, staging)
                staging.rename(target)
        return target

    def _unpack_layer(self, function: Any, layer: dict[str, Any]) -> Path:
        from moto.awslambda.utils import get_backend

        backend = get_backend(function.account_id, function.region)
        version = backend.layers_versions_by_arn(layer["Arn"])
        if version is None:
            raise OSError(f"layer {layer['Arn']} does not exist in the local cloud")
        return self._unpack(f"_layers/{version.name}", version.code_bytes)

    def _layers_folder(self, layer_roots: list[Path]) -> Path | None:
        """The function's layers merged into one folder, the function's ``/opt``."""
        if not layer_roots:
            return None
        key = hashlib.sha256("\n".join(str(root) for root in layer_roots).encode()).hexdigest()
        folder = self._code_root / "_opt" / key[:16]
        folder.parent.mkdir(parents=True, exist_ok=True)
        return opt_mount.merge_layers(layer_roots, folder)

    def _environment(
        self,
        function: Any,
        task_root: Path,
        opt: tuple[Path | None, Path | None],
        request_id: str,
        stream_name: str,
    ) -> dict[str, str]:
        """``opt`` is the merged layers folder and where the function sees it (``/opt``)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key in ("PATH", "HOME", "LANG", "JAVA_HOME", "TMPDIR")
        }
        env.update({key: str(value) for key, value in function.environment_vars.items()})
        env.update(client_environment(self._settings.endpoint_url, function.region))
        role = self._credentials.for_role(
            function.account_id, function.region, function.role, function.function_name
        )
        if role is not None:
            env.update(role.environment())
        env.update(process_groups.owner_environment(self._settings.state_dir))
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
        merged, seen_as = opt
        python_paths = opt_mount.python_path(merged, seen_as) if merged and seen_as else []
        if python_paths:
            env["PYTHONPATH"] = os.pathsep.join(python_paths)
        if seen_as is not None:
            env["PATH"] = os.pathsep.join(filter(None, (env.get("PATH"), str(seen_as / "bin"))))
        node_paths = opt_mount.node_path(merged, seen_as) if merged and seen_as else []
        if self._node_modules is not None:
            node_paths.append(str(self._node_modules))
        env["NODE_PATH"] = os.pathsep.join(node_paths)
        return env

    def _run(
        self,
        command: list[str],
        cwd: Path,
        env: dict[str, str],
        event: str,
        *,
        timeout: float,
        memory_limit_bytes: int,
        scratch: Path,
    ) -> _ProcessOutcome:
        """Run the runtime until it exits, times out or outgrows its memory.

        Output goes to a file, not a pipe: a child the handler started may hold the pipe open
        long after the handler returned, and the invocation must not wait for it.
        """
        event_file, output_file = scratch / "event.json", scratch / "output.log"
        event_file.write_text(event, encoding="utf-8")
        with event_file.open("rb") as stdin, output_file.open("wb") as stdout:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=stdin,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._groups.add(process.pid)
        deadline = time.monotonic() + timeout
        peak = 0
        timed_out = out_of_memory = False
        while True:
            try:
                process.wait(timeout=WATCH_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            peak = max(peak, process_groups.group_rss_bytes(process.pid))
            out_of_memory = peak > memory_limit_bytes
            timed_out = time.monotonic() >= deadline
            if out_of_memory or timed_out:
                self._groups.end(process.pid)
                process.wait()
                break
        if process_groups.group_members(process.pid) and not (timed_out or out_of_memory):
            self._groups.end_later(process.pid, deadline - time.monotonic())
        else:
            self._groups.end(process.pid)
        output = output_file.read_text(encoding="utf-8", errors="replace")
        return _ProcessOutcome(output, process.returncode, timed_out, out_of_memory, peak)

    @staticmethod
    def _write_logs(
        function: Any,
        stream_name: str,
        request_id: str,
        lines: list[str],
        duration_ms: float,
        max_memory_bytes: int = 0,
    ) -> str:
        version = function.version
        framed = [
            f"START RequestId: {request_id} Version: {version}",
            *lines,
            f"END RequestId: {request_id}",
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Memory Size: {function.memory_size} MB\t"
            f"Max Memory Used: {max(1, round(max_memory_bytes / MEBIBYTE))} MB",
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


def _read_outcome(
    result_file: Path, lines: list[str], request_id: str, return_code: int
) -> tuple[bytes, str | None]:
    """Turn the bootstrap's result file into a payload, or explain why there is none."""
    if not result_file.exists():
        message = (
            f"RequestId: {request_id} Error: Runtime exited with error: {_exit_status(return_code)}"
        )
        lines.append(f"{_now_iso()} {message}")
        error = {"errorType": "Runtime.ExitError", "errorMessage": message}
        return json.dumps(error).encode(), "Unhandled"
    outcome = json.loads(result_file.read_text(encoding="utf-8"))
    if outcome["ok"]:
        return outcome["payload"].encode(), None
    return json.dumps(outcome["error"]).encode(), "Unhandled"


def _extract_keeping_modes(archive: zipfile.ZipFile, target: Path) -> None:
    """Extract with each file's Unix permissions, as Lambda does (``zipfile`` drops them, so
    a layer's ``bin/`` tools would not be executable)."""
    for member in archive.infolist():
        extracted = Path(archive.extract(member, target))
        mode = (member.external_attr >> 16) & 0o777
        if mode and not member.is_dir():
            extracted.chmod(mode)


def _exit_status(return_code: int) -> str:
    """``exit status 3`` or ``signal: killed``, as AWS's runtime reports a process's end."""
    if return_code >= 0:
        return f"exit status {return_code}"
    number = -return_code
    try:
        word = _SIGNAL_WORDS.get(signal.Signals(number), f"signal {number}")
    except ValueError:
        word = f"signal {number}"
    return f"signal: {word}"


def _log_stream_name(version: str) -> str:
    today = datetime.now(UTC)
    return f"{today:%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
