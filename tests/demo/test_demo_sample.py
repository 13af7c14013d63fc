"""aims demo-data scans the sample repository shipped in the package, from any working directory."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from openaims.register.demo_sample import ARCHIVE, files, sample_repository

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-monorepo"
INVENTORY = re.compile(r"Inventory: sample-monorepo: (\d+) new")


def test_the_packed_sample_is_examples_sample_monorepo() -> None:
    on_disk = {p.relative_to(SAMPLE).as_posix(): p.read_bytes() for p in SAMPLE.rglob("*") if p.is_file()}
    packed = files()
    assert sorted(packed) == sorted(on_disk), "run scripts/pack_sample.py after changing examples/sample-monorepo"
    changed = [name for name in on_disk if packed[name] != on_disk[name]]
    assert changed == [], "run scripts/pack_sample.py after changing examples/sample-monorepo"


def test_the_sample_unpacks_with_its_hidden_files_and_is_removed_afterwards() -> None:
    with sample_repository() as folder:
        assert (folder / ".cursor" / "mcp.json").is_file()
        assert (folder / ".github" / "workflows" / "ci.yml").is_file()
    assert not folder.exists()


def _wheel(tmp_path: Path) -> Path:
    """A wheel built from a copy of the package's sources (the checkout is left as it is)."""
    source = tmp_path / "source"
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(dist), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return next(dist.glob("openaims-*.whl"))


def _demo_data(cwd: Path, register: Path, *args: str, site: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env["AIMS_DATABASE_URL"] = f"sqlite:///{register / 'aims.db'}"
    env["AIMS_ACTOR"] = "maria"
    if site is not None:
        env["PYTHONPATH"] = str(site)
    for command in (["init"], ["demo-data", "--today", "2026-05-04", *args]):
        done = subprocess.run(
            [sys.executable, "-m", "openaims", *command], cwd=cwd, env=env, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_demo_data_from_an_installed_wheel_scans_the_sample_from_any_directory(tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(_wheel(tmp_path)) as wheel:
        assert f"openaims/register/{ARCHIVE.name}" in wheel.namelist()
        wheel.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [sys.executable, "-c", "import openaims; print(openaims.__file__)"],
        cwd=elsewhere, env={**os.environ, "PYTHONPATH": str(site)}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.strip().startswith(str(site))

    packaged = INVENTORY.search(_demo_data(elsewhere, tmp_path / "packaged", site=site))
    from_checkout = INVENTORY.search(_demo_data(ROOT, tmp_path / "checkout"))  # as `make demo` runs it
    plain_tree = INVENTORY.search(_demo_data(ROOT, tmp_path / "plain", "--scan", str(SAMPLE)))
    assert packaged is not None
    assert from_checkout is not None
    assert plain_tree is not None
    assert int(packaged.group(1)) > 0
    assert packaged.group(1) == from_checkout.group(1)
    # --scan scans the tree as it is; the packaged sample also holds the hard-coded key the demo plants.
    assert int(plain_tree.group(1)) == int(packaged.group(1)) - 1
    assert (tmp_path / "packaged" / "evidence").is_dir()
    assert not (elsewhere / ".aims").exists()
