"""Every change the local cloud makes to moto, made explicit: named, justified, listable, undoable.

moto is a dependency, not a fork. Where the kit needs moto to behave differently it patches an
attribute of one of moto's classes or modules, and every such patch goes through this module:

- :func:`wrap` replaces a function, method or classmethod and hands the replacement the
  original as its first argument;
- :func:`replace` swaps any attribute for another value (a property, a function that never
  calls the original);
- :func:`add` gives moto something it lacks (an API action, an attribute).

A patch refuses a target that is not there (``replace``/``wrap``) or that already is (``add``),
so a moto upgrade that renames, removes or implements a patched attribute fails when the
local cloud starts, naming the patch, instead of misbehaving at request time. Each patch
records the shape of what it replaced (a function's signature), so a test can pin those
too and a moto upgrade that changes a patched function's parameters fails in milliseconds.
Patching one attribute twice is refused. :func:`applied` lists what is in effect (tests pin
that list) and :func:`undo_all` restores moto.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_ABSENT = object()


class PatchError(Exception):
    """A patch cannot apply: its target is missing, or an addition's target already exists."""


@dataclass
class Patch:
    """One attribute of one moto class or module, changed for a stated reason."""

    owner: Any
    name: str
    value: Any
    reason: str
    adds: bool = False
    #: What the patch replaced: a function's signature (``classmethod`` or ``property``
    #: noted), None for additions.
    replaced_shape: str | None = None
    _previous: Any = field(default=_ABSENT, repr=False)
    _applied: bool = field(default=False, repr=False)

    @property
    def target(self) -> str:
        """``module.Class.attribute`` (or ``module.attribute``), for listings and errors."""
        owner_name = getattr(self.owner, "__qualname__", None)
        module = getattr(self.owner, "__module__", None) if owner_name else None
        if owner_name is None or module is None:
            return f"{self.owner.__name__}.{self.name}"
        return f"{module}.{owner_name}.{self.name}"

    def apply(self) -> None:
        exists = _has_attribute(self.owner, self.name)
        if self.adds and exists:
            raise PatchError(
                f"cannot add {self.target}: moto already has it, so glueline's addition "
                f"({self.reason}) should be removed"
            )
        if not self.adds and not exists:
            raise PatchError(
                f"cannot patch {self.target}: moto has no such attribute; the patch "
                f"({self.reason}) needs updating for this moto version"
            )
        if exists:
            self.replaced_shape = shape_of(inspect.getattr_static(self.owner, self.name))
        self._previous = vars(self.owner).get(self.name, _ABSENT)
        setattr(self.owner, self.name, self.value)
        self._applied = True

    def undo(self) -> None:
        if not self._applied:
            return
        if self._previous is _ABSENT:
            delattr(self.owner, self.name)
        else:
            setattr(self.owner, self.name, self._previous)
        self._applied = False


_registry: list[Patch] = []
_registry_lock = threading.Lock()


def _has_attribute(owner: Any, name: str) -> bool:
    try:
        inspect.getattr_static(owner, name)
    except AttributeError:
        return False
    return True


def shape_of(attribute: Any) -> str:
    """``(self, bucket_name, ...)``-style signature of a function, with its kind."""
    if isinstance(attribute, classmethod | staticmethod):
        return f"{type(attribute).__name__}{inspect.signature(attribute.__func__)}"
    if isinstance(attribute, property):
        return "property"
    if callable(attribute):
        return str(inspect.signature(attribute))
    return type(attribute).__name__


def _register(patch: Patch) -> Patch:
    with _registry_lock:
        if any(p.owner is patch.owner and p.name == patch.name for p in _registry):
            raise PatchError(f"{patch.target} is already patched ({patch.reason})")
        patch.apply()
        _registry.append(patch)
    return patch


def replace(owner: Any, name: str, value: Any, *, reason: str) -> Patch:
    """Swap an existing attribute for ``value``."""
    return _register(Patch(owner, name, value, reason))


def add(owner: Any, name: str, value: Any, *, reason: str) -> Patch:
    """Give ``owner`` an attribute moto does not define."""
    return _register(Patch(owner, name, value, reason, adds=True))


def wrap(owner: Any, name: str, *, reason: str) -> Callable[[F], F]:
    """Decorator: replace a function or method with one that receives the original first.

    Methods get ``(original, self, ...)``, classmethods ``(original, cls, ...)`` with the
    original unbound, plain module functions ``(original, ...)``. The replacement keeps the
    kind of the original, so a classmethod stays a classmethod.
    """

    def decorate(replacement: F) -> F:
        if not _has_attribute(owner, name):
            raise PatchError(
                f"cannot patch {getattr(owner, '__qualname__', owner)}.{name}: moto has no "
                f"such attribute; the patch ({reason}) needs updating for this moto version"
            )
        static = inspect.getattr_static(owner, name)
        if isinstance(static, classmethod):
            original = static.__func__

            @functools.wraps(original)
            def call_classmethod(cls: type, *args: Any, **kwargs: Any) -> Any:
                return replacement(original, cls, *args, **kwargs)

            value: Any = classmethod(call_classmethod)
        elif isinstance(static, staticmethod):
            original = static.__func__
            value = staticmethod(lambda *args, **kwargs: replacement(original, *args, **kwargs))
        else:
            original = static

            @functools.wraps(original)
            def call(*args: Any, **kwargs: Any) -> Any:
                return replacement(original, *args, **kwargs)

            value = call
        _register(Patch(owner, name, value, reason))
        return replacement

    return decorate


def applied() -> list[Patch]:
    """The patches in effect, in the order they were applied."""
    with _registry_lock:
        return list(_registry)


def undo_all() -> None:
    """Restore moto: undo every patch, newest first (later patches may wrap earlier ones)."""
    with _registry_lock:
        while _registry:
            _registry.pop().undo()
