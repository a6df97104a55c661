"""The image set of the Docker setup, checked without a daemon: the stand-ins carry the names
the rest of the setup uses, their Dockerfiles start from the bases they are built on, and a
build's context holds exactly the inputs it declares (tests/docker builds and runs them)."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import pytest
import yaml

from glueline.cloud.glue.launcher import GLUE_LIBS_IMAGE
from glueline.docker_backend import images
from glueline.docker_backend.errors import DockerBackendError

REPO = Path(__file__).resolve().parents[3]


def compose(name: str) -> dict:
    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


def from_lines(dockerfile: str) -> list[str]:
    """The images a Dockerfile starts from; its own build stages (``FROM x AS y``) count once."""
    return sorted(set(re.findall(r"^FROM\s+(\S+)", (REPO / dockerfile).read_text(), re.MULTILINE)))


def test_the_images_are_the_ones_compose_and_the_glue_runtime_name() -> None:
    services = compose("docker-compose.yml")["services"]

    assert images.LOCALSTACK.name == services["localstack"]["image"]
    assert images.GLUE_LIBS.name == services["glue-libs"]["image"] == GLUE_LIBS_IMAGE
    assert images.GLUELINE.name == services["glueline"]["image"]
    assert images.GLUELINE.dockerfile == services["glueline"]["build"]["dockerfile"]
    assert {image.name for image in images.IMAGES} >= {
        service["image"] for service in services.values()
    }


def test_the_lambda_runtime_images_are_the_ones_localstack_starts_for_the_stacks() -> None:
    names = {runtime: image.name for runtime, image in images.LAMBDA_RUNTIMES.items()}

    assert names == {
        "python3.11": "public.ecr.aws/lambda/python:3.11",
        "python3.13": "public.ecr.aws/lambda/python:3.13",
        "nodejs24.x": "public.ecr.aws/lambda/nodejs:24",
    }


def test_localstack_is_pointed_at_the_registry_copies_of_the_runtime_stand_ins() -> None:
    localstack = compose("docker/compose.offline.yml")["services"]["localstack"]
    mapping = json.loads(localstack["environment"]["LAMBDA_RUNTIME_IMAGE_MAPPING"])

    assert mapping == {
        runtime: image.local_registry_name for runtime, image in images.LAMBDA_RUNTIMES.items()
    }
    assert all(name.startswith("127.0.0.1:5000/") for name in mapping.values())


@pytest.mark.parametrize("image", [*images.IMAGES, images.REGISTRY], ids=lambda image: image.name)
def test_every_build_starts_from_the_debian_base_it_declares(image: images.Image) -> None:
    bases = from_lines(image.dockerfile)

    if bases == ["${DEBIAN_IMAGE}"]:
        assert image.build_args["DEBIAN_IMAGE"] == image.base.name
    else:
        assert bases == [image.base.name]
    assert image.base in (images.BOOKWORM, images.TRIXIE)


def test_python_runtime_stand_ins_use_the_debian_release_with_that_python() -> None:
    assert images.LAMBDA_RUNTIMES["python3.11"].base == images.BOOKWORM
    assert images.LAMBDA_RUNTIMES["python3.13"].base == images.TRIXIE
    assert images.LOCALSTACK.base == images.TRIXIE  # localstack-core 4.14 needs Python 3.12+


def test_every_declared_build_input_exists(tmp_path: Path) -> None:
    for image in (*images.IMAGES, images.REGISTRY):
        for source in image.files.values():
            assert (REPO / source).exists(), f"{image.name}: {source}"


def test_glueline_context_is_what_its_dockerignore_admits() -> None:
    ignore = (REPO / "docker" / "glueline.Dockerfile.dockerignore").read_text(encoding="utf-8")
    admitted = {line[1:] for line in ignore.splitlines() if line.startswith("!")}

    assert set(images.GLUELINE.files) == admitted


def test_a_context_holds_the_declared_files_without_caches(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "__pycache__").mkdir(parents=True)
    (package / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (package / "mod.py").write_text("VALUE = 1\n")
    (tmp_path / "requirements.txt").write_text("boto3==1.44.5\n")
    image = images.Image(
        name="example:1",
        dockerfile="Dockerfile",
        base=images.BOOKWORM,
        files={"build/pkg": "pkg", "build/requirements.txt": "requirements.txt"},
    )

    files = images.context_files(image, tmp_path)

    assert sorted(files) == ["build/pkg/mod.py", "build/requirements.txt"]


def test_a_missing_build_input_is_named(tmp_path: Path) -> None:
    image = images.Image("example:1", "Dockerfile", images.BOOKWORM, files={"a": "nowhere.txt"})

    with pytest.raises(DockerBackendError, match=r"example:1: build input .*nowhere.txt"):
        images.context_files(image, tmp_path)


def test_the_inputs_digest_follows_every_input(tmp_path: Path) -> None:
    source = tmp_path / "requirements.txt"
    source.write_text("boto3==1.44.5\n")
    image = images.Image("example:1", "Dockerfile", images.BOOKWORM, build_args={"A": "1"})
    files = {"build/requirements.txt": source}

    first = images.inputs_digest(image, files, b"FROM x", b"", "sha256:1")
    same = images.inputs_digest(image, files, b"FROM x", b"", "sha256:1")
    other_base = images.inputs_digest(image, files, b"FROM x", b"", "sha256:2")
    other_ca = images.inputs_digest(image, files, b"FROM x", b"CA", "sha256:1")
    other_args = images.inputs_digest(
        images.Image("example:1", "Dockerfile", images.BOOKWORM, build_args={"A": "2"}),
        files,
        b"FROM x",
        b"",
        "sha256:1",
    )
    source.write_text("boto3==1.44.6\n")
    other_file = images.inputs_digest(image, files, b"FROM x", b"", "sha256:1")

    assert first == same
    assert len({first, other_base, other_ca, other_args, other_file}) == 5


def test_builds_trust_the_ca_bundle_pip_trusts_on_the_host(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.crt"
    bundle.write_bytes(b"-----BEGIN CERTIFICATE-----\n")

    assert images.build_ca_bundle({"PIP_CERT": str(bundle)}) == bundle.read_bytes()
    assert images.build_ca_bundle({}) == b""
    with pytest.raises(DockerBackendError, match="PIP_CERT=/nowhere names no file"):
        images.build_ca_bundle({"PIP_CERT": "/nowhere"})


@pytest.mark.parametrize("image", [*images.IMAGES, images.REGISTRY], ids=lambda image: image.name)
def test_every_build_copies_the_ca_bundle_from_where_the_context_puts_it(
    image: images.Image,
) -> None:
    copies = re.findall(r"^COPY\s+(.+)\s+\S+$", (REPO / image.dockerfile).read_text(), re.MULTILINE)
    sources = [source for line in copies for source in line.split()]
    directory, _, name = images.ca_bundle_path(image).rpartition("/")

    assert f"{directory}/" in sources or f"{directory}/{name[:-1]}[{name[-1]}]" in sources


def test_debian_bases_get_the_sources_of_debians_own_images() -> None:
    sources = images.debian_sources("bookworm", "http://deb.debian.org/debian")

    assert "Suites: bookworm bookworm-updates" in sources
    assert "URIs: http://deb.debian.org/debian-security\nSuites: bookworm-security" in sources


def test_a_context_streams_as_the_tar_docker_build_reads(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("boto3==1.44.5\n")
    image = images.Image(
        "example:1", "Dockerfile", images.BOOKWORM, files={"build/r.txt": "requirements.txt"}
    )
    archive_path = tmp_path / "context.tar"

    with tarfile.open(archive_path, "w") as archive:
        images.write_context(
            archive, image, images.context_files(image, tmp_path), b"FROM x\n", b"CA"
        )

    with tarfile.open(archive_path) as archive:
        assert sorted(archive.getnames()) == ["Dockerfile", "build/build-ca.crt", "build/r.txt"]
        ca = archive.extractfile("build/build-ca.crt")
        assert ca is not None and ca.read() == b"CA"
