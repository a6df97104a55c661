"""Which tables and partitions an S3 target holds, from its object keys alone: no I/O.

AWS Glue's crawler makes one table of an include path whose files sit in it directly or in
partition folders below it, and one table per folder when the include path holds several
folders of data (``s3://bucket/data/`` with ``orders/`` and ``customers/``). Folders below a
table's root are partitions: ``key=value`` folders (Hive style) name their partition key,
other folders become ``partition_0``, ``partition_1``, ... as Glue names them. Files whose
names start with ``_`` or ``.`` (Spark's ``_SUCCESS``, checksum files) hold no data and are
skipped, as are keys matching the target's ``Exclusions``, which are glob patterns relative
to the include path (AWS Glue, "Include and exclude patterns").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class S3Object:
    key: str
    size: int


@dataclass
class PartitionPlan:
    """One partition folder and the files in it."""

    values: tuple[str, ...]
    location: str
    files: list[S3Object] = field(default_factory=list)


@dataclass
class TablePlan:
    """One table a target yields: its root folder, keys, files and partitions."""

    name: str
    location: str
    partition_keys: tuple[str, ...] = ()
    files: list[S3Object] = field(default_factory=list)
    partitions: dict[tuple[str, ...], PartitionPlan] = field(default_factory=dict)


def split_s3_path(path: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix")``."""
    if not path.startswith(("s3://", "s3a://")):
        raise ValueError(f"S3 target path {path!r} is not an s3:// path")
    bucket, _, prefix = path.split("://", 1)[1].partition("/")
    if not bucket:
        raise ValueError(f"S3 target path {path!r} names no bucket")
    return bucket, prefix


def table_name(raw: str, prefix: str = "") -> str:
    """A catalog table name as Glue derives it: lowercase, other characters as ``_``."""
    return prefix + re.sub(r"[^a-z0-9_]", "_", raw.lower())


def plan_tables(
    path: str,
    objects: Iterable[S3Object],
    exclusions: Sequence[str] = (),
    table_prefix: str = "",
) -> list[TablePlan]:
    """The tables an S3 target's objects make, in name order."""
    bucket, prefix = split_s3_path(path)
    base = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    files: list[tuple[list[str], S3Object]] = []
    for item in objects:
        if not item.key.startswith(base) or item.key.endswith("/"):
            continue
        relative = item.key[len(base) :]
        *folders, name = relative.split("/")
        if name.startswith(("_", ".")) or any(_excluded(relative, p) for p in exclusions):
            continue
        files.append((folders, item))
    if not files:
        return []
    root_name = base.rstrip("/").rsplit("/", 1)[-1] if base else bucket
    root_location = f"s3://{bucket}/{base}"
    data_folders = {folders[0] for folders, _ in files if folders and "=" not in folders[0]}
    at_root = [(folders, item) for folders, item in files if not folders or "=" in folders[0]]
    if not data_folders:
        return [_table(table_name(root_name, table_prefix), root_location, files)]
    tables = []
    if at_root:
        tables.append(_table(table_name(root_name, table_prefix), root_location, at_root))
    for folder in sorted(data_folders):
        inside = [(folders[1:], item) for folders, item in files if folders[:1] == [folder]]
        tables.append(_table(table_name(folder, table_prefix), f"{root_location}{folder}/", inside))
    return sorted(tables, key=lambda table: table.name)


def _table(name: str, location: str, files: list[tuple[list[str], S3Object]]) -> TablePlan:
    """A table whose files sit at ``folders`` below its root: the shallowest depth decides how
    many partition levels it has (deeper folders belong to their partition)."""
    depth = min(len(folders) for folders, _ in files)
    plan = TablePlan(name=name, location=location)
    if depth == 0:
        plan.files = [item for _, item in files]
        return plan
    first = min(files, key=lambda entry: entry[1].key)[0][:depth]
    plan.partition_keys = tuple(
        folder.split("=", 1)[0].lower() if "=" in folder else f"partition_{index}"
        for index, folder in enumerate(first)
    )
    for folders, item in files:
        levels = folders[:depth]
        values = tuple(folder.split("=", 1)[1] if "=" in folder else folder for folder in levels)
        partition = plan.partitions.get(values)
        if partition is None:
            partition = PartitionPlan(values, location + "/".join(levels) + "/")
            plan.partitions[values] = partition
        partition.files.append(item)
        plan.files.append(item)
    return plan


def _excluded(relative: str, pattern: str) -> bool:
    return _glob(pattern).fullmatch(relative) is not None


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """Glue's exclude globs: ``*`` within one folder level, ``**`` across levels, ``?`` one
    character, ``[...]`` a class, ``{a,b}`` alternatives, ``\\`` escapes."""
    regex, index, depth = [], 0, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            regex.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if pattern.startswith("**", index):
            regex.append(".*")
            index += 2
            continue
        if char == "*":
            regex.append("[^/]*")
        elif char == "?":
            regex.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                regex.append(re.escape(char))
            else:
                body = pattern[index + 1 : end]
                regex.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                index = end
        elif char == "{":
            regex.append("(?:")
            depth += 1
        elif char == "}" and depth:
            regex.append(")")
            depth -= 1
        elif char == "," and depth:
            regex.append("|")
        else:
            regex.append(re.escape(char))
        index += 1
    return re.compile("".join(regex))
