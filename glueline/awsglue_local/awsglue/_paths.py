"""Glue field paths (``address.city``, ``` `a.b`.c ```) applied to Spark DataFrame columns.

DynamicFrame transforms name nested fields by dotted path, with backticks around a name
that itself contains a dot. These helpers turn such paths into Spark column expressions
over a DataFrame's schema, so each transform in ``dynamicframe`` stays a few lines.
"""

from collections.abc import Sequence

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, StructField, StructType

PathTree = dict[str, "PathTree | None"]


def split_path(path: str) -> list[str]:
    """Split a field path on dots outside backticks; backticks are removed from the names."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in path:
        if char == "`":
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise ValueError(f"unbalanced backtick in field path {path!r}")
    parts.append("".join(current))
    if any(not part for part in parts):
        raise ValueError(f"empty name in field path {path!r}")
    return parts


def top_column(name: str) -> Column:
    """Return a column reference for a top-level name, whatever characters it contains."""
    return F.col("`" + name.replace("`", "``") + "`")


def find_field(struct: StructType, name: str) -> StructField | None:
    """Find a field by name, exactly if possible, else case-insensitively as Spark resolves."""
    for field in struct:
        if field.name == name:
            return field
    lowered = name.lower()
    return next((field for field in struct if field.name.lower() == lowered), None)


def resolve(schema: StructType, parts: Sequence[str]) -> tuple[Column, DataType] | None:
    """Return the column expression and type at a path, or ``None`` when the path is absent."""
    struct: DataType = schema
    column: Column | None = None
    for part in parts:
        if not isinstance(struct, StructType):
            return None
        field = find_field(struct, part)
        if field is None:
            return None
        column = top_column(field.name) if column is None else column.getField(field.name)
        struct = field.dataType
    if column is None:
        return None
    return column, struct


def path_tree(paths: Sequence[str]) -> PathTree:
    """Merge paths into a tree; a ``None`` leaf means the whole field below that name."""
    tree: PathTree = {}
    for path in paths:
        node = tree
        parts = split_path(path)
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if child is None:
                break
            node = child
        else:
            node[parts[-1]] = None
    return tree


def project(column: Column | None, struct: StructType, tree: PathTree) -> list[Column]:
    """Return the fields of ``struct`` selected by ``tree``, in schema order, nested kept nested."""
    selected = []
    for field in struct:
        if field.name not in tree:
            continue
        child = top_column(field.name) if column is None else column.getField(field.name)
        subtree = tree[field.name]
        if subtree is None:
            selected.append(child.alias(field.name))
        elif isinstance(field.dataType, StructType):
            inner = project(child, field.dataType, subtree)
            if inner:
                selected.append(F.struct(*inner).alias(field.name))
    return selected


def rename_in(
    column: Column | None, struct: StructType, parts: Sequence[str], new_name: str
) -> list[Column]:
    """Return the fields of ``struct`` with the field at ``parts`` renamed, order kept."""
    renamed = []
    for field in struct:
        child = top_column(field.name) if column is None else column.getField(field.name)
        if field.name != parts[0]:
            renamed.append(child.alias(field.name))
        elif len(parts) == 1:
            renamed.append(child.alias(new_name))
        elif isinstance(field.dataType, StructType):
            inner = rename_in(child, field.dataType, parts[1:], new_name)
            renamed.append(F.struct(*inner).alias(field.name))
        else:
            renamed.append(child.alias(field.name))
    return renamed


def nest(leaves: Sequence[tuple[Sequence[str], Column]]) -> list[Column]:
    """Build top-level columns from (destination path, value) pairs, grouping shared parents."""
    tree: dict[str, object] = {}
    for parts, value in leaves:
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"field {part!r} is mapped both as a value and as a struct")
            node = child
        if parts[-1] in node:
            raise ValueError(f"field {'.'.join(parts)!r} is mapped more than once")
        node[parts[-1]] = value
    return _build(tree)


def _build(tree: dict[str, object]) -> list[Column]:
    """Turn a destination tree into aliased columns and structs."""
    columns = []
    for name, node in tree.items():
        if isinstance(node, dict):
            columns.append(F.struct(*_build(node)).alias(name))
        else:
            assert isinstance(node, Column)
            columns.append(node.alias(name))
    return columns
