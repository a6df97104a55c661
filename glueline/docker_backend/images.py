"""Every image the Docker setup runs: pulled where a registry answers, built where none does.

``make docker-images`` (``python -m glueline.docker_backend images``) goes through the images
``docker-compose.yml`` names, the Lambda runtime images LocalStack starts for the stacks'
runtimes, and glueline's own Glue service image:

- glueline's image is always built here (docker/glueline.Dockerfile), and rebuilt when its
  inputs change;
- every other image is pulled. Only where the pull fails (no registry reachable: air-gapped CI)
  is a stand-in built from ``docker/standins/``, from reachable sources only (Debian's mirror
  through ``debootstrap``, PyPI, npm, Maven Central, the Go module proxy), and tagged with the
  real image's exact name. A stand-in carries the label ``glueline.stand-in`` with the digest of
  its build inputs, so it is rebuilt when they change and never mistaken for the real image.

LocalStack pulls a function's runtime image every time it creates the function, even when the
image is present, so Lambda runtime stand-ins are also pushed to a registry on the host's
loopback interface (a stand-in of ``registry:3.0.0``, the CNCF Distribution registry built from
its Go module) and LocalStack is pointed at those copies (``docker/compose.offline.yml``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import selectors
import shutil
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from glueline.cloud.glue.launcher import GLUE_LIBS_IMAGE, S3A_JARS, jars_dir
from glueline.docker_backend.engine import install_debian_package
from glueline.docker_backend.errors import DockerBackendError

#: Label of a stand-in: the digest of everything its build used.
STANDIN_LABEL = "glueline.stand-in"
#: Label of glueline's own image: the digest of its build inputs.
INPUTS_LABEL = "glueline.inputs"
#: How long a pull may take to start (the registry answering with the manifest) before the
#: registry counts as unreachable. Downloads that have started are never cut short.
PULL_START_TIMEOUT_SECONDS = float(os.environ.get("GLUELINE_PULL_TIMEOUT", "20"))
#: Builds the Debian base image where no registry serves it.
DEBOOTSTRAP_PACKAGE = "debootstrap"
DEBIAN_MIRROR = os.environ.get("GLUELINE_DEBIAN_MIRROR", "http://deb.debian.org/debian")
#: The registry that serves Lambda runtime stand-ins to the engine, on the host's loopback
#: interface (which Docker trusts without TLS). docker/compose.offline.yml names these copies.
LOCAL_REGISTRY = "127.0.0.1:5000"
REGISTRY_CONTAINER = "glueline-registry"
REGISTRY_VOLUME = "glueline-registry"
#: Where the CA bundle the host's pip trusts goes inside a build context.
BUILD_CA_BUNDLE = "build-ca.crt"
IGNORED_NAMES = ("__pycache__", ".pytest_cache")

ContextFiles = Callable[[Path], Mapping[str, Path]]


@dataclass(frozen=True)
class DebianBase:
    """A Debian image the builds start from; its stand-in is ``debootstrap --variant=minbase``
    of the same release, slimmed the way Debian's official ``-slim`` images are."""

    name: str
    suite: str


@dataclass(frozen=True)
class Image:
    """One image the Docker setup runs, and how its stand-in (or glueline's own image) builds."""

    name: str
    dockerfile: str
    base: DebianBase
    #: Context path -> repository path (a file, or a directory copied whole).
    files: Mapping[str, str] = field(default_factory=dict)
    #: Context files that are not in the repository (jars, a built program).
    extra_files: ContextFiles | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)
    #: glueline's own image: never pulled, always built here.
    own: bool = False
    #: For Lambda runtime stand-ins: the repository path of their copy in the local registry.
    registry_copy: str = ""

    @property
    def local_registry_name(self) -> str:
        return f"{LOCAL_REGISTRY}/{self.registry_copy}"


@dataclass(frozen=True)
class Outcome:
    """What happened to one image, for the summary (and the figures in docs/docker.md)."""

    name: str
    action: str
    seconds: float


def s3a_jars(project_dir: Path) -> dict[str, Path]:
    """The S3A jars ``make setup`` fetched from Maven Central, for the Glue stand-in."""
    directory = jars_dir(cwd=project_dir)
    jars = {f"jars/{name}": directory / name for name in S3A_JARS}
    missing = [str(path) for path in jars.values() if not path.is_file()]
    if missing:
        raise DockerBackendError(f"S3A jars missing: {', '.join(missing)}; run `make setup`")
    return jars


BOOKWORM = DebianBase(name="debian:12.15-slim", suite="bookworm")
TRIXIE = DebianBase(name="debian:13.8-slim", suite="trixie")

STANDINS_DIR = "docker/standins"

GLUELINE = Image(
    name="glueline/glue-service:0.1.0",
    dockerfile="docker/glueline.Dockerfile",
    base=BOOKWORM,
    files={
        path: path
        for path in (
            "pyproject.toml",
            "README.md",
            "glueline",
            "stack",
            "lambdas",
            "glue_jobs",
            "docker/glueline-requirements.txt",
        )
    },
    own=True,
)
LOCALSTACK = Image(
    name="localstack/localstack:4.14",
    dockerfile=f"{STANDINS_DIR}/localstack.Dockerfile",
    base=TRIXIE,
    files={"build/localstack-requirements.txt": f"{STANDINS_DIR}/localstack-requirements.txt"},
)
GLUE_LIBS = Image(
    name=GLUE_LIBS_IMAGE,
    dockerfile=f"{STANDINS_DIR}/glue-libs.Dockerfile",
    base=BOOKWORM,
    files={
        "build/glue-libs-requirements.txt": f"{STANDINS_DIR}/glue-libs-requirements.txt",
        "build/awsglue_local/awsglue": "glueline/awsglue_local/awsglue",
    },
    extra_files=s3a_jars,
)


def lambda_python(version: str, base: DebianBase) -> Image:
    return Image(
        name=f"public.ecr.aws/lambda/python:{version}",
        dockerfile=f"{STANDINS_DIR}/lambda-python.Dockerfile",
        base=base,
        files={
            "build/lambda-python-requirements.txt": (
                f"{STANDINS_DIR}/lambda-python-requirements.txt"
            ),
            "build/bootstrap": f"{STANDINS_DIR}/lambda-python-bootstrap",
        },
        build_args={"DEBIAN_IMAGE": base.name, "PYTHON_VERSION": version},
        registry_copy=f"lambda/python:{version}",
    )


#: The runtimes the stacks' functions use (the trigger; CDK's bucket-notification and
#: auto-delete-objects handlers), as LocalStack names their images.
LAMBDA_RUNTIMES: dict[str, Image] = {
    "python3.11": lambda_python("3.11", BOOKWORM),
    "python3.13": lambda_python("3.13", TRIXIE),
    "nodejs24.x": Image(
        name="public.ecr.aws/lambda/nodejs:24",
        dockerfile=f"{STANDINS_DIR}/lambda-nodejs.Dockerfile",
        base=TRIXIE,
        files={
            "build/package.json": f"{STANDINS_DIR}/lambda-nodejs/package.json",
            "build/package-lock.json": f"{STANDINS_DIR}/lambda-nodejs/package-lock.json",
            "build/bootstrap": f"{STANDINS_DIR}/lambda-nodejs-bootstrap",
        },
        registry_copy="lambda/nodejs:24",
    ),
}
REGISTRY = Image(
    name="registry:3.0.0",
    dockerfile=f"{STANDINS_DIR}/registry.Dockerfile",
    base=TRIXIE,
    files={"build/config.yml": f"{STANDINS_DIR}/registry-config.yml"},
)
#: Everything ``make docker-images`` provides, in build order.
IMAGES = (GLUELINE, LOCALSTACK, GLUE_LIBS, *LAMBDA_RUNTIMES.values())


# --- the engine's view of an image ----------------------------------------------------------


def labels(name: str) -> dict[str, str] | None:
    """The image's labels, or None when the engine has no image by that name."""
    inspected = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", name],
        capture_output=True,
        text=True,
    )
    if inspected.returncode != 0:
        return None
    return json.loads(inspected.stdout) or {}


def image_id(name: str) -> str:
    inspected = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", name],
        capture_output=True,
        text=True,
        check=True,
    )
    return inspected.stdout.strip()


def is_standin(name: str) -> bool:
    found = labels(name)
    return found is not None and STANDIN_LABEL in found


def lambda_runtimes_are_standins() -> bool:
    """Whether LocalStack must be pointed at the local registry's runtime images."""
    return any(is_standin(image.name) for image in LAMBDA_RUNTIMES.values())


def pull(name: str, timeout: float = PULL_START_TIMEOUT_SECONDS) -> str | None:
    """Pull ``name``; returns None on success, else why it could not be pulled.

    The timeout covers only the start (until the registry has answered); a download that
    has started runs to its end, however large the image.
    """
    process = subprocess.Popen(
        ["docker", "pull", name],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    output: list[str] = []
    started = False
    while not started:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not selector.select(remaining):
            process.kill()
            process.wait()
            return f"the registry did not answer within {timeout:.0f} s"
        line = process.stdout.readline()
        if not line:
            break
        output.append(line.strip())
        started = "Pulling from" in line or line.startswith(("Digest:", "Status:"))
    selector.close()
    output.extend(line.strip() for line in process.stdout)
    if process.wait() != 0:
        return output[-1] if output else f"docker pull exited with {process.returncode}"
    return None


# --- building -------------------------------------------------------------------------------


def build_ca_bundle(environ: Mapping[str, str]) -> bytes:
    """The CA bundle the host's pip trusts (``PIP_CERT``), for pip, npm and curl in builds on
    machines whose TLS goes through an inspecting proxy; empty where none is configured."""
    path = environ.get("PIP_CERT", "")
    if not path:
        return b""
    bundle = Path(path)
    if not bundle.is_file():
        raise DockerBackendError(f"PIP_CERT={path} names no file; fix or unset PIP_CERT")
    return bundle.read_bytes()


def context_files(image: Image, project_dir: Path) -> dict[str, Path]:
    """Every file of the image's build context: context path -> file on disk."""
    sources = {target: project_dir / source for target, source in image.files.items()}
    if image.extra_files is not None:
        sources.update(image.extra_files(project_dir))
    files: dict[str, Path] = {}
    for target, source in sources.items():
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                relative = path.relative_to(source)
                if path.is_file() and not any(part in IGNORED_NAMES for part in relative.parts):
                    files[f"{target}/{relative.as_posix()}"] = path
        elif source.is_file():
            files[target] = source
        else:
            raise DockerBackendError(f"{image.name}: build input {source} does not exist")
    return files


def inputs_digest(
    image: Image, files: Mapping[str, Path], dockerfile: bytes, ca_bundle: bytes, base_id: str
) -> str:
    """A digest of everything a build reads, so that an unchanged image is not rebuilt."""
    digest = hashlib.sha256()
    for part in (dockerfile, ca_bundle, base_id.encode(), repr(sorted(image.build_args.items()))):
        digest.update(part if isinstance(part, bytes) else part.encode())
    for target in sorted(files):
        digest.update(target.encode())
        digest.update(hashlib.sha256(files[target].read_bytes()).digest())
    return digest.hexdigest()[:32]


def docker_build(
    image: Image,
    files: Mapping[str, Path],
    dockerfile: bytes,
    ca_bundle: bytes,
    label: tuple[str, str],
    log_file: Path,
) -> None:
    """``docker build`` from a context assembled here and streamed on stdin: exactly the files
    the Dockerfile uses (never .venv or node_modules), with the host network for the
    downloads (containers on the engine's bridge may not reach the internet)."""
    command = ["docker", "build", "--force-rm", "--network", "host", "--tag", image.name]
    command += ["--label", f"{label[0]}={label[1]}"]
    for key, value in image.build_args.items():
        command += ["--build-arg", f"{key}={value}"]
    command.append("-")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w") as log:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log, stderr=log)
        assert process.stdin is not None
        try:
            with tarfile.open(fileobj=process.stdin, mode="w|") as archive:
                write_context(archive, image, files, dockerfile, ca_bundle)
        except BrokenPipeError:
            pass
        finally:
            process.stdin.close()
        returncode = process.wait()
    if returncode != 0:
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-25:])
        raise DockerBackendError(f"building {image.name} failed (log: {log_file}):\n{tail}")


def write_context(
    archive: tarfile.TarFile,
    image: Image,
    files: Mapping[str, Path],
    dockerfile: bytes,
    ca_bundle: bytes,
) -> None:
    """The build context: the Dockerfile, the CA bundle (empty when the host has none) and the
    declared files, at their context paths."""
    _add_bytes(archive, "Dockerfile", dockerfile)
    _add_bytes(archive, ca_bundle_path(image), ca_bundle)
    for target, path in sorted(files.items()):
        archive.add(path, arcname=target, recursive=False)


def ca_bundle_path(image: Image) -> str:
    """glueline's Dockerfile copies from repository paths; the stand-ins from ``build/``."""
    return f"docker/{BUILD_CA_BUNDLE}" if image.own else f"build/{BUILD_CA_BUNDLE}"


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


# --- Debian bases ---------------------------------------------------------------------------

#: What Debian's official ``-slim`` images leave out (debuerreotype's slimify list).
SLIM_DPKG_CONFIG = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
"""


def debian_sources(suite: str, mirror: str) -> str:
    """The deb822 sources of Debian's own images: the release, its updates and security."""
    security = mirror.rsplit("/", 1)[0] + "/debian-security"
    return (
        f"Types: deb\nURIs: {mirror}\nSuites: {suite} {suite}-updates\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
        f"Types: deb\nURIs: {security}\nSuites: {suite}-security\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )


def build_debian_base(base: DebianBase, log_file: Path, mirror: str = DEBIAN_MIRROR) -> None:
    """``debootstrap --variant=minbase`` of the release, slimmed, then ``docker import``.
    As root with apt-get, debootstrap is installed when missing, as dockerd is."""
    if shutil.which("debootstrap") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        install_debian_package(DEBOOTSTRAP_PACKAGE)
    if os.geteuid() != 0 or shutil.which("debootstrap") is None:
        raise DockerBackendError(
            f"{base.name} can neither be pulled nor built here: building it needs root and "
            "debootstrap (`apt-get install -y debootstrap`)"
        )
    with tempfile.TemporaryDirectory(prefix="glueline-rootfs-") as scratch:
        rootfs = Path(scratch) / base.suite
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("w") as log:
            bootstrapped = subprocess.run(
                ["debootstrap", "--variant=minbase", base.suite, str(rootfs), mirror],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if bootstrapped.returncode != 0:
            tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-15:])
            raise DockerBackendError(f"debootstrap {base.suite} failed (log: {log_file}):\n{tail}")
        _slim(rootfs, base.suite, mirror)
        tar = subprocess.Popen(
            ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
        )
        imported = subprocess.run(
            [
                "docker",
                "import",
                "--change",
                'CMD ["bash"]',
                "--change",
                f"LABEL {STANDIN_LABEL}={base.suite}",
                "-",
                base.name,
            ],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
        )
        tar.wait()
        if imported.returncode != 0:
            raise DockerBackendError(f"docker import {base.name} failed: {imported.stderr}")


def _slim(rootfs: Path, suite: str, mirror: str) -> None:
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker").write_text(SLIM_DPKG_CONFIG)
    (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
    (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(debian_sources(suite, mirror))
    for directory in ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale"):
        for path in (rootfs / directory).glob("*"):
            keep = path.name == "locale.alias" or (path / "copyright").is_file()
            if keep and path.is_dir():
                for inner in path.iterdir():
                    if inner.name != "copyright":
                        _remove(inner)
            elif not keep:
                _remove(path)
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for path in (rootfs / cache).glob("*"):
            if path.is_file():
                path.unlink()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


# --- the local registry for Lambda runtime stand-ins ---------------------------------------


def registry_answers() -> bool:
    try:
        with urllib.request.urlopen(f"http://{LOCAL_REGISTRY}/v2/", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_registry(timeout: float = 30.0) -> None:
    """The registry container on the host network, restarted with the engine, and replaced
    when its image was rebuilt (its storage volume stays)."""
    running_image = subprocess.run(
        ["docker", "container", "inspect", "--format", "{{.Image}}", REGISTRY_CONTAINER],
        capture_output=True,
        text=True,
    )
    exists = running_image.returncode == 0
    if exists and running_image.stdout.strip() != image_id(REGISTRY.name):
        subprocess.run(["docker", "rm", "--force", REGISTRY_CONTAINER], capture_output=True)
        exists = False
    if exists and registry_answers():
        return
    if exists:
        subprocess.run(["docker", "start", REGISTRY_CONTAINER], capture_output=True, check=True)
    else:
        subprocess.run(
            [
                "docker",
                "run",
                "--detach",
                "--name",
                REGISTRY_CONTAINER,
                "--restart",
                "unless-stopped",
                "--network",
                "host",
                "--env",
                f"REGISTRY_HTTP_ADDR={LOCAL_REGISTRY}",
                "--volume",
                f"{REGISTRY_VOLUME}:/var/lib/registry",
                REGISTRY.name,
            ],
            capture_output=True,
            check=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if registry_answers():
            return
        time.sleep(0.5)
    logs = subprocess.run(
        ["docker", "logs", "--tail", "20", REGISTRY_CONTAINER], text=True, capture_output=True
    )
    raise DockerBackendError(
        f"the local registry did not answer on http://{LOCAL_REGISTRY}/v2/ within "
        f"{timeout:.0f} s (is the port taken?):\n{logs.stdout}{logs.stderr}"
    )


def push_to_local_registry(image: Image) -> None:
    subprocess.run(["docker", "tag", image.name, image.local_registry_name], check=True)
    pushed = subprocess.run(
        ["docker", "push", image.local_registry_name], capture_output=True, text=True
    )
    if pushed.returncode != 0:
        raise DockerBackendError(
            f"docker push {image.local_registry_name} failed: {pushed.stderr.strip()}"
        )


# --- the whole set --------------------------------------------------------------------------


class ImageProvider:
    """Pulls or builds images, once each, and records what it did."""

    def __init__(
        self,
        project_dir: Path,
        say: Callable[[str], None] = print,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.project_dir = project_dir
        self.say = say
        self.ca_bundle = build_ca_bundle(os.environ if environ is None else environ)
        self.log_dir = project_dir / ".glueline" / "docker"
        self.outcomes: list[Outcome] = []

    def ensure_all(self, images: tuple[Image, ...] = IMAGES) -> list[Outcome]:
        for image in images:
            self.ensure(image)
        standins = [image for image in LAMBDA_RUNTIMES.values() if is_standin(image.name)]
        if standins:
            self.ensure(REGISTRY)
            with self._timed(f"{LOCAL_REGISTRY} (Lambda runtime stand-ins)", "pushed"):
                start_registry()
                for image in standins:
                    push_to_local_registry(image)
        return self.outcomes

    def ensure(self, image: Image) -> None:
        found = labels(image.name)
        if image.own:
            self._build(image, INPUTS_LABEL, found)
            return
        if found is not None and STANDIN_LABEL not in found:
            self.outcomes.append(Outcome(image.name, "present", 0.0))
            return
        started = time.monotonic()
        why_not = pull(image.name)
        if why_not is None:
            self.outcomes.append(Outcome(image.name, "pulled", time.monotonic() - started))
            return
        self.say(f"{image.name}: cannot be pulled ({why_not}); using a stand-in")
        self._build(image, STANDIN_LABEL, found)

    def _build(self, image: Image, label: str, found: Mapping[str, str] | None) -> None:
        self.ensure_base(image.base)
        files = context_files(image, self.project_dir)
        dockerfile = (self.project_dir / image.dockerfile).read_bytes()
        digest = inputs_digest(image, files, dockerfile, self.ca_bundle, image_id(image.base.name))
        if found is not None and found.get(label) == digest:
            self.outcomes.append(Outcome(image.name, "up to date", 0.0))
            return
        action = "built" if found is None else "rebuilt"
        self.say(f"{image.name}: building from {image.dockerfile}")
        with self._timed(image.name, action):
            docker_build(
                image, files, dockerfile, self.ca_bundle, (label, digest), self._log(image.name)
            )
        # The image this build replaced, now untagged, would otherwise stay in the engine.
        subprocess.run(
            ["docker", "image", "prune", "--force", "--filter", f"label={label}"],
            capture_output=True,
        )

    def ensure_base(self, base: DebianBase) -> None:
        if labels(base.name) is not None:
            return
        started = time.monotonic()
        why_not = pull(base.name)
        if why_not is None:
            self.outcomes.append(Outcome(base.name, "pulled", time.monotonic() - started))
            return
        self.say(f"{base.name}: cannot be pulled ({why_not}); debootstrap {base.suite}")
        with self._timed(base.name, "built"):
            build_debian_base(base, self._log(base.name))

    def _log(self, name: str) -> Path:
        return self.log_dir / f"build-{name.replace('/', '_').replace(':', '_')}.log"

    @contextlib.contextmanager
    def _timed(self, name: str, action: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        seconds = time.monotonic() - started
        self.outcomes.append(Outcome(name, action, seconds))
        self.say(f"{name}: {action} in {seconds:.0f} s")


def summary(outcomes: list[Outcome]) -> Iterator[str]:
    width = max((len(outcome.name) for outcome in outcomes), default=0)
    for outcome in outcomes:
        yield f"  {outcome.name.ljust(width)}  {outcome.action:<10}  {outcome.seconds:6.1f} s"
