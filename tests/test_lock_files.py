"""The lock files cover pyproject's dependencies; the runtime lock carries no test tools."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _locked(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", text, flags=re.M)
    assert all("--hash=sha256:" in block for block in re.split(r"\n(?=[A-Za-z0-9])", text) if "==" in block)
    return {canonicalize_name(n): v for n, v in pins}


def _project() -> dict[str, list[Requirement]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"runtime": [Requirement(r) for r in data["dependencies"]]}
    for extra, reqs in data["optional-dependencies"].items():
        groups[extra] = [Requirement(r) for r in reqs]
    return groups


def _check(locked: dict[str, str], requirements: list[Requirement]) -> None:
    for req in requirements:
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is not in the lock file: run make lock"
        assert req.specifier.contains(locked[name], prereleases=True), f"{req} vs locked {locked[name]}: run make lock"


def test_runtime_lock_pins_every_runtime_dependency_with_hashes() -> None:
    project = _project()
    locked = _locked("runtime.lock")
    _check(locked, project["runtime"] + project["hyperscan"])
    for tool in ("pytest", "mypy", "ruff", "playwright", "hypothesis", "schemathesis"):
        assert tool not in locked, f"{tool} is a test tool; the runtime lock must not install it"


def test_dev_lock_pins_everything_make_test_installs() -> None:
    project = _project()
    locked = _locked("dev.lock")
    _check(locked, project["runtime"] + project["dev"] + project["postgres"] + project["workers"] + project["hyperscan"])
    runtime = _locked("runtime.lock")
    shared = set(runtime) & set(locked)
    assert {n: runtime[n] for n in shared} == {n: locked[n] for n in shared}, "the two locks disagree: run make lock"


def test_model_libraries_are_pinned() -> None:
    text = (ROOT / "requirements" / "model-libs.txt").read_text(encoding="utf-8")
    pins = {canonicalize_name(n): v for n, v in re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", text, flags=re.M)}
    for req in _project()["model-libs"]:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in requirements/model-libs.txt: run make lock"
        assert req.specifier.contains(pins[name], prereleases=True)


def test_server_lock_pins_what_the_team_image_installs() -> None:
    project = _project()
    locked = _locked("server.lock")
    _check(locked, project["runtime"] + project["postgres"] + project["workers"] + project["hyperscan"])
    for tool in ("pytest", "mypy", "ruff", "playwright"):
        assert tool not in locked, f"{tool} is a test tool; the server image must not install it"
    dev = _locked("dev.lock")
    shared = set(dev) & set(locked)
    assert {n: locked[n] for n in shared} == {n: dev[n] for n in shared}, "the locks disagree: run make lock"
