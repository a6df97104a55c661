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
#: Owner-only: other users on the machine have no business in the cloud's files.
STATE_DIR_MODE = 0o700


#: Set to 1 to keep the cloud's AWS state in memory only, forgotten at ``down``.
EPHEMERAL_VARIABLE = "GLUELINE_EPHEMERAL"


@dataclass(frozen=True)
class CloudSettings:
    """Address and state directory of one local cloud, and whether its AWS state is kept."""

    port: int
    state_dir: Path
    #: In memory only: nothing is loaded at start or saved while running.
    ephemeral: bool = False

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

    @property
    def saved_state_dir(self) -> Path:
        """The AWS state kept across restarts: moto's snapshot and the S3 object bodies."""
        return self.state_dir / "saved"

    def make_state_dir(self) -> None:
        """Create the state directory readable by its owner only: it holds job scripts, Lambda
        code, logs and the data that passes through the cloud."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(STATE_DIR_MODE)

    @classmethod
    def from_environment(cls) -> CloudSettings:
        port = int(os.environ.get("GLUELINE_PORT", DEFAULT_PORT))
        state_dir = Path(os.environ.get("GLUELINE_STATE_DIR", ".glueline")).resolve()
        ephemeral = os.environ.get(EPHEMERAL_VARIABLE, "").lower() in ("1", "true", "yes", "on")
        return cls(port=port, state_dir=state_dir, ephemeral=ephemeral)


def client_environment(endpoint_url: str, region: str = LOCAL_REGION) -> dict[str, str]:
    """Environment variables that point AWS SDKs and CLIs at the local cloud."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
