"""Where the local cloud listens and keeps its files, in one place.

Every value can be overridden by an environment variable so that tests and benchmarks can
run a second cloud next to a developer's without touching their state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 4566
LOCAL_ACCOUNT_ID = "000000000000"
LOCAL_REGION = "us-east-1"
#: moto resolves template URLs by host name, so clients must say ``localhost``.
ENDPOINT_HOST = "localhost"
#: The only interface the server listens on.
BIND_ADDRESS = "127.0.0.1"
#: Static credentials the local cloud accepts; never valid anywhere else.
LOCAL_ACCESS_KEY_ID = "test"
LOCAL_SECRET_ACCESS_KEY = "test"


@dataclass(frozen=True)
class CloudSettings:
    """Address and state directory of one local cloud."""

    port: int
    state_dir: Path

    @property
    def endpoint_url(self) -> str:
        return f"http://{ENDPOINT_HOST}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "cloud.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "cloud.log"

    @property
    def work_dir(self) -> Path:
        """Scratch space for unpacked Lambda code, job scripts and run outputs."""
        return self.state_dir / "work"

    @classmethod
    def from_environment(cls) -> CloudSettings:
        port = int(os.environ.get("GLUELINE_PORT", DEFAULT_PORT))
        state_dir = Path(os.environ.get("GLUELINE_STATE_DIR", ".glueline")).resolve()
        return cls(port=port, state_dir=state_dir)


def client_environment(endpoint_url: str, region: str = LOCAL_REGION) -> dict[str, str]:
    """Environment variables that point AWS SDKs and CLIs at the local cloud."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
