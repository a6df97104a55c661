"""``--additional-python-modules``: parsing, the cache's key, pip's command line, and the
cache itself with a stand-in for pip (no network)."""

from __future__ import annotations

import sys
import textwrap
import threading
from pathlib import Path

import pytest

from glueline.cloud.glue import launcher, python_modules
from glueline.cloud.glue.python_modules import ModuleCache, ModuleRequest, ModuleSpecError
from glueline.cloud.glue.runs import GlueJobRunner
from glueline.cloud.settings import CloudSettings
from tests.unit.glue_runtime.test_runs import SCRIPT, FakeHooks, job, python_command, run_to_end


@pytest.mark.parametrize(
    ("value", "modules"),
    [
        ("tabulate", ("tabulate",)),
        ("tabulate==0.9.0, pyfiglet>=1.0,,", ("tabulate==0.9.0", "pyfiglet>=1.0")),
        ("scikit-learn~=1.5 ,zope.interface", ("scikit-learn~=1.5", "zope.interface")),
        ("requests[socks]==2.32.3", ("requests[socks]==2.32.3",)),
        ("pandas<3; python_version >= '3.9'", ("pandas<3; python_version >= '3.9'",)),
        ("", ()),
        (" , ", ()),
    ],
)
def test_the_modules_are_the_comma_separated_requirements(
    value: str, modules: tuple[str, ...]
) -> None:
    assert python_modules.parse_modules(value) == modules


def test_a_wheel_in_s3_is_refused_saying_what_to_do_instead() -> None:
    with pytest.raises(ModuleSpecError, match=r"s3://wheels/a-1\.0-py3-none-any\.whl.*PyPI"):
        python_modules.parse_modules("tabulate,s3://wheels/a-1.0-py3-none-any.whl")


@pytest.mark.parametrize("value", ["tabulate 0.9", "-e .", "--index-url=x", "==1.0"])
def test_what_is_not_a_requirement_is_refused_naming_it(value: str) -> None:
    with pytest.raises(ModuleSpecError, match="not a requirement pip reads"):
        python_modules.parse_modules(value)


def test_installer_options_are_split_as_a_shell_would() -> None:
    value = "--upgrade --index-url 'https://pypi.example/simple'"
    assert python_modules.parse_installer_options(value) == (
        "--upgrade",
        "--index-url",
        "https://pypi.example/simple",
    )
    with pytest.raises(ModuleSpecError, match="--python-modules-installer-option"):
        python_modules.parse_installer_options("--index-url 'unclosed")


def test_a_run_asks_for_modules_only_when_it_names_some() -> None:
    assert python_modules.request_of({"--input": "s3://a/b"}) is None
    assert python_modules.request_of({"--additional-python-modules": " "}) is None
    assert python_modules.request_of(
        {
            "--additional-python-modules": "tabulate==0.9.0",
            "--python-modules-installer-option": "--no-deps",
        }
    ) == ModuleRequest(("tabulate==0.9.0",), ("--no-deps",))


def test_the_cache_key_changes_with_modules_options_and_python() -> None:
    request = ModuleRequest(("tabulate==0.9.0",))
    key = python_modules.cache_key(request, "cpython-3.11")
    assert key == python_modules.cache_key(ModuleRequest(("tabulate==0.9.0",)), "cpython-3.11")
    assert key != python_modules.cache_key(ModuleRequest(("tabulate==0.8.10",)), "cpython-3.11")
    assert key != python_modules.cache_key(
        ModuleRequest(("tabulate==0.9.0",), ("--no-deps",)), "cpython-3.11"
    )
    assert key != python_modules.cache_key(request, "cpython-3.12")


def test_pip_installs_into_the_target_with_the_runs_options_last() -> None:
    request = ModuleRequest(("tabulate==0.9.0", "pyfiglet"), ("--index-url", "https://x/simple"))
    command = python_modules.pip_command("/venv/bin/python", Path("/cache/.k.tmp"), request)
    assert command[:6] == ["/venv/bin/python", "-m", "pip", "install", "--target", "/cache/.k.tmp"]
    assert command[-4:] == ["--index-url", "https://x/simple", "tabulate==0.9.0", "pyfiglet"]


def test_a_failed_install_names_the_modules_and_pips_last_error() -> None:
    output = (
        "Collecting nothing\n"
        "ERROR: Could not find a version that satisfies the requirement nope==1.0\n"
        "ERROR: No matching distribution found for nope==1.0\n"
    )
    message = python_modules.install_failure(ModuleRequest(("nope==1.0", "tabulate")), output)
    assert message == (
        "--additional-python-modules could not be installed: nope==1.0, tabulate. "
        "pip: ERROR: No matching distribution found for nope==1.0"
    )
    assert python_modules.install_failure(ModuleRequest(("x",)), "").endswith("pip gave no output")


def test_top_level_names_are_the_importable_entries() -> None:
    entries = [
        "tabulate",
        "tabulate-0.9.0.dist-info",
        "bin",
        "six.py",
        "_cffi_backend.cpython-311-x86_64-linux-gnu.so",
        "__pycache__",
        "distutils-precedence.pth",
        "README.txt",
    ]
    assert python_modules.top_level_names(entries) == ("_cffi_backend", "six", "tabulate")


def test_a_cold_driver_gets_the_modules_first_on_its_pythonpath() -> None:
    spec = launcher.LaunchSpec(
        job_name="j",
        run_id="jr_1",
        code_dir=Path("/code"),
        script_name="j.py",
        script_arguments=(),
        python_path=(Path("/cache/abc"),),
    )
    assert launcher.python_path_environment(spec, {}) == {"PYTHONPATH": "/cache/abc"}
    assert launcher.python_path_environment(spec, {"PYTHONPATH": "/mine"}) == {
        "PYTHONPATH": "/cache/abc:/mine"
    }
    plain = launcher.LaunchSpec("j", "jr_1", Path("/code"), "j.py", ())
    assert launcher.python_path_environment(plain, {"PYTHONPATH": "/mine"}) == {}


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    """Stands in for ``python -m pip install --target DIR ... modules``: writes one module
    per requirement, fails for names starting with ``missing``, and records each call."""
    script = tmp_path / "fake-python"
    calls = tmp_path / "calls.txt"
    script.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(
            f"""
            import os, re, sys, time
            args = sys.argv[1:]
            with open({str(calls)!r}, "a") as calls:
                calls.write(" ".join(args) + "\\n")
            target = args[args.index("--target") + 1]
            modules = [a for a in args[args.index("--target") + 2:] if not a.startswith("-")]
            os.makedirs(target, exist_ok=True)
            time.sleep(0.2)
            for module in modules:
                name = re.split("[=<>~!]", module)[0]
                if name.startswith("missing"):
                    print("Collecting " + module)
                    print("ERROR: No matching distribution found for " + module)
                    sys.exit(1)
                with open(os.path.join(target, name + ".py"), "w") as file:
                    file.write("NAME = %r\\n" % name)
            print("Successfully installed " + " ".join(modules))
            """
        )
    )
    script.chmod(0o755)
    return script


def calls_of(fake_python: Path) -> list[str]:
    calls = fake_python.with_name("calls.txt")
    return calls.read_text().splitlines() if calls.exists() else []


def test_the_cache_installs_once_and_then_reuses(tmp_path: Path, fake_python: Path) -> None:
    cache = ModuleCache(tmp_path / "cache", python=str(fake_python))
    request = ModuleRequest(("tabulate==0.9.0",))
    first = cache.ensure(request)
    assert not first.reused
    assert "Successfully installed tabulate==0.9.0" in first.output
    assert (first.directory / "tabulate.py").read_text() == "NAME = 'tabulate'\n"
    second = cache.ensure(request)
    assert second == python_modules.Installed(first.directory, reused=True)
    assert len(calls_of(fake_python)) == 1
    assert cache.ensure(ModuleRequest(("tabulate==0.9.0",), ("--no-deps",))).reused is False
    assert len(calls_of(fake_python)) == 2


def test_concurrent_runs_install_the_same_modules_once(tmp_path: Path, fake_python: Path) -> None:
    cache = ModuleCache(tmp_path / "cache", python=str(fake_python))
    request = ModuleRequest(("pyfiglet",))
    results: list[python_modules.Installed] = []

    def install() -> None:
        results.append(cache.ensure(request))

    threads = [threading.Thread(target=install) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(result.reused for result in results) == [False, True, True]
    assert len(calls_of(fake_python)) == 1
    leftovers = [p.name for p in (tmp_path / "cache").iterdir() if not p.name.endswith(".lock")]
    assert leftovers == [results[0].directory.name]


def test_a_failed_install_leaves_nothing_and_is_retried(tmp_path: Path, fake_python: Path) -> None:
    cache = ModuleCache(tmp_path / "cache", python=str(fake_python))
    request = ModuleRequest(("tabulate", "missing-package==1.0"))
    with pytest.raises(python_modules.InstallError) as failure:
        cache.ensure(request)
    assert str(failure.value) == (
        "--additional-python-modules could not be installed: tabulate, missing-package==1.0. "
        "pip: ERROR: No matching distribution found for missing-package==1.0"
    )
    assert "Collecting missing-package==1.0" in failure.value.output
    assert [p.name for p in (tmp_path / "cache").iterdir() if not p.name.endswith(".lock")] == []
    with pytest.raises(python_modules.InstallError):
        cache.ensure(request)
    assert len(calls_of(fake_python)) == 2


def test_names_the_kits_python_already_has_are_shadowed(tmp_path: Path) -> None:
    (tmp_path / "six.py").write_text("")
    (tmp_path / "tabulate").mkdir()
    (tmp_path / "tabulate-0.9.0.dist-info").mkdir()
    assert python_modules.shadowed(tmp_path, lambda name: name == "six") == ("six",)


@pytest.fixture
def runner_with_fake_pip(tmp_path: Path, fake_python: Path) -> GlueJobRunner:
    runner = GlueJobRunner(
        CloudSettings(port=1, state_dir=tmp_path / "state"),
        command_builder=python_command,
        seconds_per_minute=0.5,
    )
    runner._module_cache = ModuleCache(tmp_path / "cache", python=str(fake_python))
    return runner


IMPORTING_SCRIPT = """
    import tabulate
    print("module says", tabulate.NAME)
"""


def test_a_run_imports_its_modules_and_the_next_run_reuses_them(
    runner_with_fake_pip: GlueJobRunner, fake_python: Path
) -> None:
    hooks = FakeHooks({SCRIPT: IMPORTING_SCRIPT})
    definition = job(default_arguments={"--additional-python-modules": "tabulate==0.9.0"})
    first = run_to_end(runner_with_fake_pip, hooks, definition)
    second = run_to_end(runner_with_fake_pip, hooks, definition)
    assert (first.state, second.state) == ("SUCCEEDED", "SUCCEEDED")
    out, err = hooks.logs[first.job_run_id]
    assert "module says tabulate" in out
    assert "Successfully installed tabulate==0.9.0" in err
    assert "--additional-python-modules: installed into" in err
    out, err = hooks.logs[second.job_run_id]
    assert "module says tabulate" in out
    assert "reused the modules installed by an earlier run" in err
    assert len(calls_of(fake_python)) == 1


def test_a_module_that_cannot_be_installed_fails_the_run_before_its_script(
    runner_with_fake_pip: GlueJobRunner,
) -> None:
    hooks = FakeHooks({SCRIPT: "print('the script ran')"})
    definition = job(default_arguments={"--additional-python-modules": "missing-thing==1.0"})
    run = run_to_end(runner_with_fake_pip, hooks, definition)
    assert run.state == "FAILED"
    assert run.error_message == (
        "--additional-python-modules could not be installed: missing-thing==1.0. "
        "pip: ERROR: No matching distribution found for missing-thing==1.0"
    )
    out, err = hooks.logs[run.job_run_id]
    assert "the script ran" not in out
    assert "Collecting missing-thing==1.0" in err


def test_a_wheel_in_s3_fails_the_run_saying_so(runner_with_fake_pip: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: "print('the script ran')"})
    arguments = {"--additional-python-modules": "s3://wheels/a-1.0-py3-none-any.whl"}
    run = run_to_end(runner_with_fake_pip, hooks, job(), arguments=arguments)
    assert run.state == "FAILED"
    assert "wheels in S3 are not installed by the local cloud" in (run.error_message or "")
