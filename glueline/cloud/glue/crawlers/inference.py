"""The schema of one data file, as AWS Glue's built-in classifiers report it: no I/O.

A crawler classifies each file (CSV, JSON lines, Parquet), infers its columns with Hive type
names, and merges the files of one table. Types come from pyarrow, whose CSV and JSON
inference recognises the same families Glue's classifiers do (bigint, double, boolean, date,
timestamp, string; structs and arrays in JSON), so parsing stays in C++ and off the GIL.

Glue's CSV classifier decides on a header the way its documentation states: the first row is
a header only if it is "sufficiently different" from the data rows, meaning at least one
column of the other rows parses as something other than a string and the first row's value
there does not. Without a header the columns are named ``col0``, ``col1``, ...
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

CSV = "csv"
JSON = "json"
PARQUET = "parquet"

#: The catalog's input and output formats and SerDe per classification, as crawlers write.
STORAGE_FORMATS: dict[str, dict[str, object]] = {
    CSV: {
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
            "Parameters": {"field.delim": ","},
        },
    },
    JSON: {
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
            "Parameters": {"paths": ""},
        },
    },
    PARQUET: {
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": ("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"),
            "Parameters": {"serialization.format": "1"},
        },
    },
}


class UnclassifiableFile(ValueError):
    """No built-in classifier recognises the file (Glue then skips it, and so does this)."""


@dataclass(frozen=True)
class FileSchema:
    """What a classifier found in one file."""

    classification: str
    #: ``(name, Hive type)`` in file order.
    columns: tuple[tuple[str, str], ...]
    has_header: bool = False
    record_count: int = 0
    #: Classification-specific table parameters (``skip.header.line.count`` for CSV).
    parameters: dict[str, str] = field(default_factory=dict)


def classification_of(key: str, head: bytes) -> str:
    """The classifier that takes a file: Parquet's magic number, JSON's opening brace, or CSV."""
    name = key.lower()
    if head.startswith(b"PAR1") or name.endswith(".parquet"):
        return PARQUET
    if name.endswith((".json", ".jsonl", ".ndjson")) or head.lstrip().startswith(b"{"):
        return JSON
    if name.endswith((".csv", ".txt", ".tsv")) or b"," in head.split(b"\n", 1)[0]:
        return CSV
    raise UnclassifiableFile(f"no classifier recognises {key}")


def infer(key: str, body: bytes) -> FileSchema:
    """Classify one file and infer its columns."""
    classification = classification_of(key, body[:4096])
    try:
        if classification == PARQUET:
            return _parquet(body)
        if classification == JSON:
            return _json_lines(body)
        return _csv(body)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, csv.Error) as exc:
        raise UnclassifiableFile(f"{key} is not valid {classification}: {exc}") from exc


def hive_type(data_type: pa.DataType) -> str:
    """The catalog's name for an Arrow type (Glue writes Hive DDL type names)."""
    simple = {
        pa.int8(): "tinyint",
        pa.int16(): "smallint",
        pa.int32(): "int",
        pa.int64(): "bigint",
        pa.uint8(): "smallint",
        pa.uint16(): "int",
        pa.uint32(): "bigint",
        pa.uint64(): "bigint",
        pa.float16(): "float",
        pa.float32(): "float",
        pa.float64(): "double",
        pa.bool_(): "boolean",
        pa.date32(): "date",
        pa.date64(): "date",
        pa.binary(): "binary",
        pa.large_binary(): "binary",
    }
    if data_type in simple:
        return simple[data_type]
    if pa.types.is_timestamp(data_type):
        return "timestamp"
    if pa.types.is_decimal(data_type):
        return f"decimal({data_type.precision},{data_type.scale})"
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        return f"array<{hive_type(data_type.value_type)}>"
    if pa.types.is_struct(data_type):
        fields = ",".join(f"{f.name}:{hive_type(f.type)}" for f in data_type)
        return f"struct<{fields}>"
    if pa.types.is_map(data_type):
        return f"map<{hive_type(data_type.key_type)},{hive_type(data_type.item_type)}>"
    # Strings, and columns that held only nulls: Glue types what it cannot tell as string.
    return "string"


def merge_columns(
    first: tuple[tuple[str, str], ...], second: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """One table's columns from two files: the union in first-seen order, a column whose
    types disagree widened (integers to double, anything else to string)."""
    merged = dict(first)
    for name, column_type in second:
        if name not in merged:
            merged[name] = column_type
        elif merged[name] != column_type:
            merged[name] = _wider(merged[name], column_type)
    return tuple(merged.items())


_NUMERIC_WIDTH = ("tinyint", "smallint", "int", "bigint", "float", "double")


def _wider(one: str, other: str) -> str:
    if one in _NUMERIC_WIDTH and other in _NUMERIC_WIDTH:
        return max(one, other, key=_NUMERIC_WIDTH.index)
    return "string"


def _parquet(body: bytes) -> FileSchema:
    parquet_file = pq.ParquetFile(io.BytesIO(body))
    schema = parquet_file.schema_arrow
    columns = tuple((f.name.lower(), hive_type(f.type)) for f in schema)
    return FileSchema(PARQUET, columns, record_count=parquet_file.metadata.num_rows)


def _json_lines(body: bytes) -> FileSchema:
    table = pa_json.read_json(io.BytesIO(body))
    columns = tuple((f.name.lower(), hive_type(f.type)) for f in table.schema)
    return FileSchema(JSON, columns, record_count=table.num_rows)


def _csv(body: bytes) -> FileSchema:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8", errors="replace"))))
    rows = [row for row in rows if row]
    if not rows:
        raise UnclassifiableFile("an empty CSV file has no schema")
    generated = pa_csv.ReadOptions(autogenerate_column_names=True)
    data = pa_csv.read_csv(
        io.BytesIO(body),
        read_options=pa_csv.ReadOptions(autogenerate_column_names=True, skip_rows=1),
    )
    data_types = [hive_type(f.type) for f in data.schema] if data.num_rows else []
    first_row = rows[0]
    if _is_header(first_row, data_types):
        names = [name.strip().lower() for name in first_row]
        return FileSchema(
            CSV,
            tuple(zip(names, data_types, strict=False)),
            has_header=True,
            record_count=data.num_rows,
            parameters={"skip.header.line.count": "1"},
        )
    whole = pa_csv.read_csv(io.BytesIO(body), read_options=generated)
    columns = tuple((f"col{i}", hive_type(f.type)) for i, f in enumerate(whole.schema))
    return FileSchema(CSV, columns, record_count=whole.num_rows)


def _is_header(first_row: list[str], data_types: list[str]) -> bool:
    """Glue's rule: some data column is not a string and the first row's value there does
    not parse as that column's type; the names must also be usable (present, distinct)."""
    if len(first_row) != len(data_types) or not all(cell.strip() for cell in first_row):
        return False
    if len({cell.strip().lower() for cell in first_row}) != len(first_row):
        return False
    return any(
        column_type != "string" and not _parses_as(cell.strip(), column_type)
        for cell, column_type in zip(first_row, data_types, strict=True)
    )


def _parses_as(value: str, column_type: str) -> bool:
    parsers = {
        "bigint": int,
        "double": float,
        "boolean": _boolean,
        "date": date.fromisoformat,
        "timestamp": datetime.fromisoformat,
    }
    parser = parsers.get(column_type)
    if parser is None:
        return True
    try:
        parser(value)
    except ValueError:
        return False
    return True


def _boolean(value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise ValueError(value)
    return value.lower() == "true"


def table_parameters(files: list[FileSchema], size: int) -> dict[str, str]:
    """The ``Parameters`` a crawler writes on a table made of ``files`` (``size`` bytes)."""
    first = files[0]
    csv_parameters = {"delimiter": ",", "areColumnsQuoted": "false"}
    return {
        "classification": first.classification,
        "compressionType": "none",
        "typeOfData": "file",
        "objectCount": str(len(files)),
        "recordCount": str(sum(schema.record_count for schema in files)),
        "sizeKey": str(size),
        **(csv_parameters if first.classification == CSV else {}),
        **first.parameters,
    }


def storage_format(classification: str) -> dict[str, object]:
    """A deep copy of the format block, so each table owns its own dictionaries."""
    return json.loads(json.dumps(STORAGE_FORMATS[classification]))
