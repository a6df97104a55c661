"""Glue ``format`` and ``format_options`` translated into Spark data source settings.

Glue names formats and options differently from Spark (``glueparquet`` for ``parquet``,
``withHeader`` for ``header``). The translation lives in this one module so that an option
either means locally what it means on Glue, or is reported in the log as not emulated; it is
never silently reinterpreted. Performance-only options (``optimizePerformance``,
``useGlueParquetWriter``, ``groupFiles``) have no local meaning and are accepted quietly.
"""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_LOG = logging.getLogger(__name__)

_SPARK_SOURCES = {
    "csv": "csv",
    "json": "json",
    "parquet": "parquet",
    "glueparquet": "parquet",
    "orc": "orc",
}
_PERFORMANCE_ONLY = frozenset({"optimizePerformance", "useGlueParquetWriter"})
_JSON_PATH = re.compile(r"^\$((?:\.[A-Za-z_]\w*)*)\[\*\]$")


@dataclass(frozen=True)
class ReadSpec:
    """How to read one format: Spark source, its options, and Glue-specific post-processing."""

    source: str
    options: dict[str, str] = field(default_factory=dict)
    glue_column_names: bool = False
    json_array_path: tuple[str, ...] | None = None


@dataclass(frozen=True)
class WriteSpec:
    """How to write one format: Spark source and its options."""

    source: str
    options: dict[str, str] = field(default_factory=dict)


def flag(value: Any) -> bool:
    """Read a Glue boolean option, which scripts pass either as a bool or as a string."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def spark_source(glue_format: str) -> str:
    """Return the Spark data source for a Glue format name."""
    source = _SPARK_SOURCES.get(glue_format.lower())
    if source is None:
        supported = ", ".join(sorted(_SPARK_SOURCES))
        raise NotImplementedError(
            f"format {glue_format!r} is not emulated (supported: {supported})"
        )
    return source


def read_spec(glue_format: str, format_options: Mapping[str, Any]) -> ReadSpec:
    """Translate a Glue read format and its ``format_options``."""
    source = spark_source(glue_format)
    options = dict(format_options)
    if source == "csv":
        return _csv_read(options)
    if source == "json":
        return _json_read(options)
    _warn_unsupported(glue_format, options)
    return ReadSpec(source)


def write_spec(glue_format: str, format_options: Mapping[str, Any]) -> WriteSpec:
    """Translate a Glue write format and its ``format_options`` (Glue's defaults included)."""
    source = spark_source(glue_format)
    options = dict(format_options)
    spark: dict[str, str] = {}
    if "compression" in options:
        spark["compression"] = str(options.pop("compression"))
    if source == "csv":
        spark["header"] = str(flag(options.pop("writeHeader", True))).lower()
        spark.update(_csv_common(options))
    elif source == "parquet":
        spark.setdefault("compression", "snappy")
        if "blockSize" in options:
            spark["parquet.block.size"] = str(options.pop("blockSize"))
        if "pageSize" in options:
            spark["parquet.page.size"] = str(options.pop("pageSize"))
    _warn_unsupported(glue_format, options)
    return WriteSpec(source, spark)


def _csv_read(options: dict[str, Any]) -> ReadSpec:
    """CSV as Glue reads it: no header unless asked, types inferred, ``colN`` names otherwise."""
    with_header = flag(options.pop("withHeader", False))
    skip_first = flag(options.pop("skipFirst", False))
    spark = {"header": str(with_header or skip_first).lower(), "inferSchema": "true"}
    if flag(options.pop("multiLine", False)):
        spark["multiLine"] = "true"
    spark.update(_csv_common(options))
    _warn_unsupported("csv", options)
    return ReadSpec("csv", spark, glue_column_names=not with_header)


def _csv_common(options: dict[str, Any]) -> dict[str, str]:
    """The separator, quote and escape options shared by CSV reads and writes."""
    spark: dict[str, str] = {}
    if "separator" in options:
        spark["sep"] = str(options.pop("separator"))
    if "quoteChar" in options:
        quote = str(options.pop("quoteChar"))
        spark["quote"] = "" if quote == "-1" else quote
    if "escaper" in options:
        spark["escape"] = str(options.pop("escaper"))
    return spark


def _json_read(options: dict[str, Any]) -> ReadSpec:
    """JSON as Glue reads it; ``jsonPath`` is emulated for ``$[*]`` and ``$.a.b[*]``."""
    spark = {"multiLine": "true"} if flag(options.pop("multiLine", False)) else {}
    array_path = None
    if "jsonPath" in options:
        json_path = str(options.pop("jsonPath"))
        match = _JSON_PATH.match(json_path)
        if match is None:
            raise NotImplementedError(
                f"jsonPath {json_path!r} is not emulated (supported: '$[*]', '$.a.b[*]')"
            )
        array_path = tuple(part for part in match.group(1).split(".") if part)
    _warn_unsupported("json", options)
    return ReadSpec("json", spark, json_array_path=array_path or None)


def _warn_unsupported(glue_format: str, remaining: Mapping[str, Any]) -> None:
    """Log the options left after translation, except the performance-only ones."""
    ignored = sorted(set(remaining) - _PERFORMANCE_ONLY)
    if ignored:
        _LOG.warning("%s format options not emulated locally, ignored: %s", glue_format, ignored)
