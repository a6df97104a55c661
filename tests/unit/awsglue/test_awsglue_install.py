"""The ``.pth`` install contract: the local ``awsglue`` is found, and never shadows a real one."""

import subprocess
import sys
from pathlib import Path

AWSGLUE_LOCAL = Path(__file__).resolve().parents[3] / "glueline" / "awsglue_local"
PROBE = (
    "import site, sys; site.addsitedir(sys.argv[1]); import awsglue.utils; print(awsglue.__file__)"
)


def _imported_from(site_dir: Path, *extra_path: Path) -> str:
    """Return where ``awsglue`` is imported from in a fresh interpreter using ``site_dir``."""
    env_path = ":".join(str(p) for p in extra_path)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(site_dir)],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": env_path} if env_path else {},
    )
    return result.stdout.strip()


def test_path_entry_is_not_a_package() -> None:
    assert (AWSGLUE_LOCAL / "awsglue" / "__init__.py").is_file()
    assert not (AWSGLUE_LOCAL / "__init__.py").exists()


def test_pth_line_makes_awsglue_importable(tmp_path: Path) -> None:
    (tmp_path / "glueline-awsglue-local.pth").write_text(f"{AWSGLUE_LOCAL}\n")

    assert _imported_from(tmp_path) == str(AWSGLUE_LOCAL / "awsglue" / "__init__.py")


def test_a_real_awsglue_earlier_on_the_path_wins(tmp_path: Path) -> None:
    site_dir, real = tmp_path / "site", tmp_path / "real"
    site_dir.mkdir()
    (site_dir / "glueline-awsglue-local.pth").write_text(f"{AWSGLUE_LOCAL}\n")
    (real / "awsglue").mkdir(parents=True)
    (real / "awsglue" / "__init__.py").write_text("")
    (real / "awsglue" / "utils.py").write_text("")

    assert _imported_from(site_dir, real) == str(real / "awsglue" / "__init__.py")
