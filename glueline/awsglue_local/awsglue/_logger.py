"""The logger ``GlueContext.get_logger()`` returns.

On Glue that is the driver's log4j logger, whose output lands in the job's CloudWatch log
streams. Locally it is the ``awsglue`` Python logger writing to stderr, which the kit's Glue
runtime forwards the same way. It keeps log4j's method names (``warn``), because scripts
written for Glue call them.
"""

import logging
import sys

_ROOT = logging.getLogger("awsglue")
if not _ROOT.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _ROOT.addHandler(_handler)
    _ROOT.setLevel(logging.INFO)
    _ROOT.propagate = False


class GlueLogger:
    """A log4j-shaped facade (``info``, ``warn``, ``error``) over a Python logger."""

    def __init__(self, logger: logging.Logger = _ROOT) -> None:
        self._logger = logger

    def debug(self, message: object) -> None:
        """Log at DEBUG."""
        self._logger.debug("%s", message)

    def info(self, message: object) -> None:
        """Log at INFO."""
        self._logger.info("%s", message)

    def warn(self, message: object) -> None:
        """Log at WARN (log4j's spelling)."""
        self._logger.warning("%s", message)

    def warning(self, message: object) -> None:
        """Log at WARN (Python's spelling)."""
        self._logger.warning("%s", message)

    def error(self, message: object) -> None:
        """Log at ERROR."""
        self._logger.error("%s", message)
