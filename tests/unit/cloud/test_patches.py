"""The patch registry, and the exact list of moto attributes the local cloud changes.

The pinned list fails when a patch is added, dropped or retargeted without this test being
updated, so every change to moto stays deliberate and visible in review.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from glueline.cloud import patches
from glueline.cloud.settings import CloudSettings


class Target:
    greeting = "hello"

    def method(self, name: str) -> str:
        return f"method {name}"

    @classmethod
    def make(cls, name: str) -> str:
        return f"{cls.__name__} {name}"


class Child(Target):
    pass


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    yield
    patches.undo_all()


def test_wrap_hands_the_original_to_the_replacement_and_undo_restores_it() -> None:
    @patches.wrap(Target, "method", reason="test")
    def shout(original, self, name):  # type: ignore[no-untyped-def]
        return original(self, name).upper()

    assert Target().method("x") == "METHOD X"
    patches.undo_all()
    assert Target().method("x") == "method x"


def test_wrap_keeps_a_classmethod_a_classmethod() -> None:
    @patches.wrap(Target, "make", reason="test")
    def make(original, cls, name):  # type: ignore[no-untyped-def]
        return original(cls, name) + "!"

    assert Child.make("y") == "Child y!"
    patches.undo_all()
    assert Child.make("y") == "Child y"


def test_patching_an_inherited_attribute_is_undone_by_removing_the_override() -> None:
    patches.replace(Child, "greeting", "hi", reason="test")
    assert Child.greeting == "hi"
    patches.undo_all()
    assert Child.greeting == "hello"
    assert "greeting" not in vars(Child)


def test_patching_an_attribute_twice_is_refused() -> None:
    patches.replace(Target, "greeting", "hi", reason="first")
    with pytest.raises(patches.PatchError, match=r"Target\.greeting is already patched"):
        patches.replace(Target, "greeting", "hey", reason="second")
    assert Target.greeting == "hi"


def test_a_missing_target_is_refused_with_the_patch_named() -> None:
    with pytest.raises(patches.PatchError, match=r"Target\.nothing.*needs updating"):
        patches.replace(Target, "nothing", 1, reason="test")
    with pytest.raises(patches.PatchError, match="no such attribute"):
        patches.wrap(Target, "nothing", reason="test")(lambda original: None)
    assert patches.applied() == []


def test_an_addition_is_refused_once_moto_has_the_attribute() -> None:
    with pytest.raises(patches.PatchError, match="already has it"):
        patches.add(Target, "method", lambda self: None, reason="test")
    added = patches.add(Target, "extra", 42, reason="test")
    assert Target.extra == 42  # type: ignore[attr-defined]
    assert [p.target for p in patches.applied()] == [added.target]
    patches.undo_all()
    assert not hasattr(Target, "extra")


#: Every moto attribute the local cloud changes, with the shape of what it replaced (None for
#: additions). A moto upgrade that renames, removes, implements or changes the parameters of
#: any of them fails here. Update deliberately, with the reason.
EXPECTED_PATCHES: dict[str, str | None] = json.loads(
    Path(__file__).with_name("pinned_moto_patches.json").read_text()
)


def test_the_local_cloud_changes_exactly_the_pinned_moto_attributes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.s3.models import S3Backend

    from glueline.cloud import extensions

    monkeypatch.setenv("GLUELINE_WARM_DRIVERS", "0")
    original_listing = S3Backend.list_objects
    cloud = extensions.install(CloudSettings(port=4599, state_dir=tmp_path))
    assert extensions.install(CloudSettings(port=4599, state_dir=tmp_path)) is cloud
    applied = {patch.target: patch.replaced_shape for patch in patches.applied()}
    assert len(applied) == len(patches.applied()), "an attribute is patched twice"
    assert applied == EXPECTED_PATCHES
    assert all(patch.reason for patch in patches.applied())
    assert S3Backend.list_objects is not original_listing

    extensions.uninstall()
    assert S3Backend.list_objects is original_listing
