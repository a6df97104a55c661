"""The ``glueline`` command: start, stop and inspect the local cloud."""

from __future__ import annotations

import argparse
import sys

from glueline.cloud import process
from glueline.cloud.settings import CloudSettings


def _up(settings: CloudSettings) -> int:
    already = process.status(settings).running
    current = process.start(settings)
    verb = "already running" if already else "started"
    print(f"glueline local cloud {verb} on {settings.endpoint_url} (pid {current.pid})")
    return 0


def _down(settings: CloudSettings) -> int:
    stopped = process.stop(settings)
    print("glueline local cloud stopped" if stopped else "glueline local cloud was not running")
    return 0


def _status(settings: CloudSettings) -> int:
    current = process.status(settings)
    print(current.describe())
    return 0 if current.running else 3


COMMANDS = {
    "up": (_up, "start the local cloud in the background on http://localhost:4566"),
    "down": (_down, "stop the local cloud and every process it started"),
    "status": (_status, "say whether the local cloud runs, and where its log and state live"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glueline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        commands.add_parser(name, help=help_text)
    args = parser.parse_args(argv)
    settings = CloudSettings.from_environment()
    try:
        return COMMANDS[args.command][0](settings)
    except process.CloudError as error:
        print(f"glueline: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
