"""The local cloud's AWS state on disk: one snapshot of moto's backends, S3 bodies beside it.

moto keeps every service's state in plain Python objects (``BackendDict`` per service, then
account, then region). They are pickled together, in one ``pickle`` call so that objects
shared between services (a stack's resources are the buckets and roles themselves) stay
shared when loaded. What pickle cannot carry is handled here, explicitly:

- locks and conditions (S3 keys, SQS queues, Glue run records) are recreated empty;
- ``defaultdict``s are rebuilt without their class's ``__init__``, and a lambda factory is
  replaced by one that copies what the lambda made;
- AWS managed IAM policies, the same in every account, are carried by name;
- KMS keys' private keys (``cryptography`` objects) are carried as DER bytes;
- weak dictionaries (Lambda's index of functions by ARN) are rebuilt from their contents;
- a bucket's keys, which map each name to all its versions but list only the latest, are
  carried with every version;
- S3 object bodies are not pickled: each body is written once to its own file under
  ``objects/`` and the loaded key reads it from there on demand, so a snapshot stays small
  however much data is stored, and loading does not read the data into memory;
- references to moto's module-level registries (``s3_backends`` ...) are resolved to the
  live ones of the loading process.

A snapshot starts with a header naming its format and the moto version it was written
with: classes pickled by one moto need not load into another, so any other version is
refused as a whole, never half-loaded. Writes are atomic (temporary file, fsync, rename),
so a crash at any moment leaves the previous or the next snapshot, both complete.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import os
import pickle
import shutil
import threading
import time
import uuid
import weakref
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from glueline.cloud.settings import LOCAL_REGION

#: Bumped whenever what is pickled, or how, changes incompatibly.
FORMAT_VERSION = 1
MAGIC = b"glueline-state\n"
#: moto's services whose state the stacks, the data flow and the CDK CLI use.
SERVICES = (
    "s3",
    "cloudformation",
    "iam",
    "sts",
    "lambda",
    "glue",
    "sqs",
    "sns",
    "events",
    "logs",
    "kms",
    "ssm",
    "cloudwatch",
    "ecr",
)
#: The partition the local cloud's ARNs and regions are in.
COMMERCIAL_PARTITION = "aws"
#: Attribute a saved S3 key carries: the name of the file that holds its body.
BODY_ATTRIBUTE = "_glueline_body"
#: Attempts at pickling while requests change the state being pickled.
PICKLE_ATTEMPTS = 5


class IncompatibleState(Exception):
    """A snapshot this glueline cannot load; the message names the file and what to do."""


@dataclass(frozen=True)
class StoredState:
    """What a snapshot holds, as ``glueline status`` reports it."""

    saved_at: float
    counts: dict[str, int]
    bytes_on_disk: int

    def describe(self) -> str:
        counted = ", ".join(f"{count} {what}" for what, count in self.counts.items())
        saved = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.saved_at))
        return f"{counted}; {_human_size(self.bytes_on_disk)} on disk, saved {saved}"


class StateStore:
    """The snapshot and the S3 bodies of one state directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.snapshot = directory / "backends.pickle"
        self.objects = directory / "objects"
        self.manifest = directory / "manifest.json"
        self._lock = threading.Lock()

    def exists(self) -> bool:
        return self.snapshot.exists()

    def check(self) -> None:
        """Refuse a snapshot of another format or moto version (reads the header only)."""
        if self.exists():
            with self.snapshot.open("rb") as stream:
                _read_header(stream, self.snapshot)

    def save(self) -> StoredState:
        """Write moto's current state; bodies first, then the snapshot naming them.

        Requests go on while the snapshot is written, so what it holds is counted before
        it is written, not after: counted after, it would include what arrived meanwhile
        (a crash then loads fewer objects than ``status`` reported saved). Objects that
        arrive while a save runs are in that snapshot or the next one.
        """
        with self._lock:
            self.objects.mkdir(parents=True, exist_ok=True)
            payload = {name: _accounts_of(name) for name in SERVICES}
            counts = summarize(payload)
            written = self._write_snapshot(payload)
            _fsync_directory(self.directory)
            self._remove_unreferenced(written.bodies)
            state = StoredState(time.time(), counts, self.size())
            _write_atomically(self.manifest, json.dumps(state.__dict__).encode())
            return state

    def load(self) -> StoredState | None:
        """Replace moto's state with the snapshot's; None when there is none.

        The snapshot is unpickled completely before anything live changes, so a failure
        leaves the cloud empty rather than half-loaded.
        """
        self._remove_leftovers()
        if not self.exists():
            return None
        with self.snapshot.open("rb") as stream:
            _read_header(stream, self.snapshot)
            try:
                payload = _Unpickler(stream, self.objects).load()
            except Exception as exc:
                raise IncompatibleState(
                    f"the saved state {self.snapshot} cannot be loaded ({exc!r}). {_WHAT_TO_DO}"
                ) from exc
        from moto.backends import get_backend

        for name, accounts in payload.items():
            live = get_backend(name)
            for account_id, regions in accounts.items():
                account_backends = live[account_id]
                for region, backend in regions.items():
                    dict.__setitem__(account_backends, region, backend)
        return StoredState(self.snapshot.stat().st_mtime, summarize(payload), self.size())

    def stored(self) -> StoredState | None:
        """What the last save wrote, from its manifest (no unpickling)."""
        try:
            recorded = json.loads(self.manifest.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return StoredState(recorded["saved_at"], recorded["counts"], self.size())

    def size(self) -> int:
        return sum(path.stat().st_size for path in _files_under(self.directory))

    def wipe(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def _write_snapshot(self, payload: dict[str, Any]) -> _Pickler:
        temporary = self.snapshot.with_name(f".{self.snapshot.name}.{uuid.uuid4().hex}")
        try:
            with temporary.open("wb") as stream:
                pickler = self._pickle_with_retries(stream, payload)
                stream.flush()
                os.fsync(stream.fileno())
            _fsync_directory(self.objects)
            os.replace(temporary, self.snapshot)
        finally:
            temporary.unlink(missing_ok=True)
        return pickler

    def _pickle_with_retries(self, stream: BinaryIO, payload: dict[str, Any]) -> _Pickler:
        """Pickle while request threads may be changing a dict being pickled: moto has no
        lock around its state, so a "changed size during iteration" is retried."""
        for attempt in range(PICKLE_ATTEMPTS):
            stream.seek(0)
            stream.truncate()
            stream.write(_header())
            pickler = _Pickler(stream, self.objects)
            try:
                pickler.dump(payload)
                return pickler
            except RuntimeError:
                if attempt == PICKLE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def _remove_leftovers(self) -> None:
        """Temporary files of saves a crash interrupted: never renamed, so never part of the
        state, but as large as a snapshot each. Only the cloud that loads the state saves
        it, so none of them is being written now."""
        if self.directory.is_dir():
            for name in (self.snapshot.name, self.manifest.name):
                for path in self.directory.glob(f".{name}.*"):
                    path.unlink(missing_ok=True)

    def _remove_unreferenced(self, referenced: set[str]) -> None:
        """Bodies of deleted objects go once a snapshot that no longer names them is safe."""
        for path in self.objects.iterdir():
            if path.name not in referenced:
                path.unlink(missing_ok=True)


def summarize(payload: dict[str, dict[str, dict[str, Any]]]) -> dict[str, int]:
    """Counts a person recognises: buckets, objects, stacks, functions, jobs, runs, tables."""
    counts = dict.fromkeys(
        ("buckets", "objects", "stacks", "functions", "jobs", "job runs", "tables"), 0
    )
    for name, backend in _backends_in(payload):
        if name == "s3":
            for bucket in backend.buckets.values():
                counts["buckets"] += 1
                counts["objects"] += len(bucket.keys)
        elif name == "cloudformation":
            counts["stacks"] += sum(
                1 for stack in backend.stacks.values() if stack.status != "DELETE_COMPLETE"
            )
        elif name == "lambda":
            counts["functions"] += len(list(backend.list_functions()))
        elif name == "glue":
            counts["jobs"] += len(backend.jobs)
            counts["job runs"] += sum(len(job.job_runs) for job in backend.jobs.values())
            counts["tables"] += sum(len(db.tables) for db in backend.databases.values())
    return counts


def _backends_in(payload: dict[str, dict[str, dict[str, Any]]]) -> Iterator[tuple[str, Any]]:
    for name, accounts in payload.items():
        for regions in accounts.values():
            for backend in regions.values():
                yield name, backend


def _accounts_of(service: str) -> dict[str, dict[str, Any]]:
    """A service's backends as plain dicts (account, region), detached from moto's classes
    that create backends on access.

    Only AWS's commercial partition: moto creates IAM's backends of every partition (China,
    GovCloud, ISO) at once, a megabyte of unused managed policies that nothing here reaches.
    """
    from moto.backends import get_backend
    from moto.utilities.utils import get_partition

    return {
        account_id: {
            region: backend
            for region, backend in regions.items()
            if get_partition(region) == COMMERCIAL_PARTITION
        }
        for account_id, regions in get_backend(service).items()
    }


class _Pickler(pickle.Pickler):
    """Pickles moto's state with S3 bodies written beside it and locks left behind."""

    def __init__(self, stream: BinaryIO, objects: Path) -> None:
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self._objects = objects
        self.bodies: set[str] = set()
        from moto.core.base_backend import AccountSpecificBackend, BackendDict
        from moto.iam.models import AWSManagedPolicy
        from moto.s3.models import FakeKey
        from moto.s3.utils import _VersionedKeyStore

        self._aws_policy_type = AWSManagedPolicy
        self._registries = (AccountSpecificBackend, BackendDict)
        self._key_type = FakeKey
        self._versioned_type = _VersionedKeyStore

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _Body):
            return ("s3-body", obj.name)
        if isinstance(obj, self._registries):
            return ("registry", obj.service_name, getattr(obj, "account_id", None))
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _LOCK_TYPES):
            return _new_lock, (_lock_kind(obj),)
        if isinstance(obj, self._key_type):
            return self._reduce_key(obj)
        if isinstance(obj, self._versioned_type):
            return self._reduce_versioned_keys(obj)
        if isinstance(obj, self._aws_policy_type):
            # ~1,000 AWS managed policies per account, 24 MB pickled: kept by name instead,
            # with the one thing that changes (how many roles, users, groups use it).
            return _aws_managed_policy, (obj.name, obj.account_id, obj.attachment_count)
        if type(obj).__module__.startswith("cryptography.") and hasattr(obj, "private_bytes"):
            return _load_private_key, (_private_key_der(obj),)
        if isinstance(obj, weakref.WeakValueDictionary):
            # Lambda's index of functions by ARN; the functions are pickled elsewhere too.
            return weakref.WeakValueDictionary, (dict(obj.items()),)
        if isinstance(obj, defaultdict):
            return self._reduce_defaultdict(obj)
        return NotImplemented

    @staticmethod
    def _reduce_defaultdict(mapping: defaultdict[Any, Any]) -> Any:
        """A ``defaultdict`` pickles as a call of its class with its factory, which fails for
        a lambda factory (``defaultdict(lambda: {})``) and for subclasses with their own
        ``__init__`` (SSM's ``ParameterDict``): rebuild it without calling ``__init__``, with a
        factory that copies what the lambda made."""
        factory = mapping.default_factory
        if _is_lambda(factory):
            factory = functools.partial(copy.deepcopy, factory())
        state = getattr(mapping, "__dict__", None) or None
        return _new_defaultdict, (type(mapping), factory), state, None, iter(mapping.items())

    @staticmethod
    def _reduce_versioned_keys(keys: dict[str, list[Any]]) -> Any:
        """A bucket's keys map each name to the list of its versions, but their ``items()``
        give only the latest version of each, and setting an item appends a version: pickled
        as a plain dict, a versioned bucket would lose every older version. Carry the lists
        themselves."""
        versions = list(dict.items(keys))
        state = getattr(keys, "__dict__", None) or None
        return _new_mapping, (type(keys),), (state, versions), None, None, _restore_lists

    def _reduce_key(self, key: Any) -> Any:
        state = {name: value for name, value in key.__dict__.items() if name != "lock"}
        name = self._store_body(key)
        state[BODY_ATTRIBUTE] = name
        state["_value_buffer"] = _Body(name)
        self.bodies.add(name)
        return _new_key, (), state, None, None, _restore_key

    def _store_body(self, key: Any) -> str:
        """The body's file, written now if this key has none yet (bodies never change once
        a key exists: moto makes a new key for every write)."""
        name = key.__dict__.get(BODY_ATTRIBUTE)
        if name and (self._objects / name).exists():
            return name
        name = uuid.uuid4().hex
        temporary = self._objects / f".{name}"
        with key.lock, temporary.open("wb") as target:
            source = key._value_buffer
            if not source.closed:
                source.seek(0)
                shutil.copyfileobj(source, target, 1024 * 1024)
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, self._objects / name)
        key.__dict__[BODY_ATTRIBUTE] = name
        return name


class _Unpickler(pickle.Unpickler):
    def __init__(self, stream: BinaryIO, objects: Path) -> None:
        super().__init__(stream)
        self._objects = objects

    def persistent_load(self, pid: Any) -> Any:
        kind = pid[0]
        if kind == "s3-body":
            return StoredBody(self._objects / pid[1])
        if kind == "registry":
            from moto.backends import get_backend

            registry = get_backend(pid[1])
            return registry if pid[2] is None else registry[pid[2]]
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")


@dataclass(frozen=True)
class _Body:
    """Stands for a key's body in the pickle stream."""

    name: str


class StoredBody(io.RawIOBase):
    """A saved S3 body, read from its file when asked, so loaded objects cost no memory.

    moto reads a key's body through ``seek`` and ``read`` only; its bodies are never written
    after the key is made.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._position = offset
        elif whence == io.SEEK_CUR:
            self._position += offset
        else:
            self._position = self.path.stat().st_size + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        with self.path.open("rb") as stream:
            stream.seek(self._position)
            data = stream.read(-1 if size is None else size)
        self._position += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


_LOCK_TYPES = (
    type(threading.Lock()),
    type(threading.RLock()),
    threading.Condition,
    threading.Event,
    threading.Semaphore,
)


def _private_key_der(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _load_private_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_der_private_key(der, password=None)


def _is_lambda(factory: Any) -> bool:
    return getattr(factory, "__name__", None) == "<lambda>"


def _lock_kind(lock: Any) -> str:
    if isinstance(lock, threading.Condition):
        return "condition"
    if isinstance(lock, threading.Event):
        return "event"
    if isinstance(lock, threading.Semaphore):
        return "semaphore"
    return "rlock" if isinstance(lock, type(threading.RLock())) else "lock"


def _new_lock(kind: str) -> Any:
    """A fresh, unheld lock of the kind pickled: nobody holds a lock across a restart."""
    factories: dict[str, Any] = {
        "lock": threading.Lock,
        "rlock": threading.RLock,
        "condition": threading.Condition,
        "event": threading.Event,
        "semaphore": threading.Semaphore,
    }
    return factories[kind]()


def _new_mapping(cls: type[dict[Any, Any]]) -> dict[Any, Any]:
    return cls.__new__(cls)


def _restore_lists(
    mapping: dict[str, list[Any]],
    state: tuple[dict[str, Any] | None, list[tuple[str, list[Any]]]],
) -> None:
    """Fill a bucket's keys with every version of each, bypassing its appending
    ``__setitem__``."""
    attributes, versions = state
    if attributes:
        mapping.__dict__.update(attributes)
    for name, versions_of_name in versions:
        dict.__setitem__(mapping, name, versions_of_name)


def _new_defaultdict(cls: type[defaultdict[Any, Any]], factory: Any) -> defaultdict[Any, Any]:
    mapping = cls.__new__(cls)
    defaultdict.__init__(mapping, factory)
    return mapping


@functools.cache
def _aws_managed_policies_data() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return dict(json.loads(aws_managed_policies_data))


def _aws_managed_policy(name: str, account_id: str, attachment_count: int) -> Any:
    """An AWS managed policy as moto defines it, in its account and with its attachments
    counted."""
    from moto.iam.models import AWSManagedPolicy

    data = _aws_managed_policies_data()[name]
    policy = AWSManagedPolicy.from_data(name, account_id, LOCAL_REGION, data)
    policy.attachment_count = attachment_count
    return policy


def _new_key() -> Any:
    from moto.s3.models import FakeKey

    return FakeKey.__new__(FakeKey)


def _restore_key(key: Any, state: dict[str, Any]) -> None:
    key.__dict__.update(state)
    key.lock = threading.Lock()


_WHAT_TO_DO = (
    "Start the cloud without it (`glueline up --ephemeral`), or delete it with `glueline reset`."
)


def _header() -> bytes:
    from moto import __version__ as moto_version

    fields = {"format": FORMAT_VERSION, "moto": moto_version}
    return MAGIC + json.dumps(fields).encode() + b"\n"


def _read_header(stream: BinaryIO, path: Path) -> None:
    from moto import __version__ as moto_version

    magic = stream.read(len(MAGIC))
    try:
        fields = json.loads(stream.readline()) if magic == MAGIC else None
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        raise IncompatibleState(f"{path} is not a glueline state snapshot. {_WHAT_TO_DO}")
    expected = {"format": FORMAT_VERSION, "moto": moto_version}
    if fields != expected:
        raise IncompatibleState(
            f"the saved state {path} was written in format {fields.get('format')} with moto "
            f"{fields.get('moto')}; this glueline reads format {FORMAT_VERSION} with moto "
            f"{moto_version}. {_WHAT_TO_DO}"
        )


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        with temporary.open("wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    """Make the renames in ``directory`` survive a power loss, not only a crash."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _files_under(directory: Path) -> Iterator[Path]:
    if directory.is_dir():
        yield from (path for path in directory.rglob("*") if path.is_file())


def _human_size(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")
