"""The transform classes job scripts get from ``from awsglue.transforms import *``.

Each is the class-style spelling of a ``DynamicFrame`` method: ``ApplyMapping.apply(frame=f,
mappings=m)`` is ``f.apply_mapping(m)``. Only the transforms listed in ``__all__`` are
emulated; scripts that use another one fail at import, not halfway through a run.
"""

from collections.abc import Callable, Sequence
from typing import Any

from awsglue.dynamicframe import DynamicFrame

__all__ = ["ApplyMapping", "DropFields", "Filter", "GlueTransform", "RenameField", "SelectFields"]


class GlueTransform:
    """Base class: ``apply`` builds the transform and calls it, as Glue's transforms do."""

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> DynamicFrame:
        """Run the transform on ``frame`` with the given arguments."""
        return cls()(*args, **kwargs)

    @classmethod
    def name(cls) -> str:
        """Return the transform's name."""
        return cls.__name__


class ApplyMapping(GlueTransform):
    """Select, rename, nest and cast fields by mapping tuples."""

    def __call__(
        self, frame: DynamicFrame, mappings: Sequence[tuple[str, str, str, str]], **kwargs: Any
    ) -> DynamicFrame:
        return frame.apply_mapping(mappings, **kwargs)


class SelectFields(GlueTransform):
    """Keep only the given field paths."""

    def __call__(self, frame: DynamicFrame, paths: Sequence[str], **kwargs: Any) -> DynamicFrame:
        return frame.select_fields(paths, **kwargs)


class DropFields(GlueTransform):
    """Remove the given field paths."""

    def __call__(self, frame: DynamicFrame, paths: Sequence[str], **kwargs: Any) -> DynamicFrame:
        return frame.drop_fields(paths, **kwargs)


class RenameField(GlueTransform):
    """Rename one field path."""

    def __call__(
        self, frame: DynamicFrame, old_name: str, new_name: str, **kwargs: Any
    ) -> DynamicFrame:
        return frame.rename_field(old_name, new_name, **kwargs)


class Filter(GlueTransform):
    """Keep the records for which a predicate is true."""

    def __call__(
        self, frame: DynamicFrame, f: Callable[[dict[str, Any]], bool], **kwargs: Any
    ) -> DynamicFrame:
        return frame.filter(f, **kwargs)
