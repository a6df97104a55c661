"""The one exception type the Docker backend's commands turn into a message and exit code 1."""

from __future__ import annotations


class DockerBackendError(Exception):
    """Something the user can act on; the message says what and where."""
