"""One settings object: every AIMS_* variable is a typed field, documented in docs/settings.md."""

from __future__ import annotations

import enum
import os
import re
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

from openaims.settings import Settings, load_settings, variable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import gen_settings_docs  # noqa: E402

AIMS = [sys.executable, "-m", "openaims"]


def _options() -> list[tuple[str, Any]]:
    import typer.main

    from openaims.cli.main import app

    found: list[tuple[str, Any]] = []

    def walk(command: Any, path: str) -> None:
        for param in getattr(command, "params", []):
            if getattr(param, "envvar", None):
                found.append((f"{path} {param.opts[0] if param.opts else param.name}", param))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "aims")
    return found


def _members(annotation: Any) -> list[Any]:
    """``X | None`` -> [X]; anything else -> [it]."""
    if typing.get_origin(annotation) is typing.Literal:
        return [annotation]
    return [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]


def test_settings_page_is_current() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_settings_docs.py"), "--check"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


def test_every_setting_is_described_and_on_the_page() -> None:
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"{variable(name)} has no description"
        assert f"`{variable(name)}`" in page, f"{variable(name)} is missing from docs/settings.md"


def test_every_option_variable_is_a_setting_with_the_same_values() -> None:
    fields = {variable(name): field for name, field in Settings.model_fields.items()}
    for where, param in _options():
        name = param.envvar
        assert name in fields, f"{where} reads {name}, which is not a field of openaims.settings.Settings"
        annotation = fields[name].annotation
        args = _members(annotation)
        option_type = param.type_descriptor.annotation
        option_args = [a for a in typing.get_args(option_type) if a is not type(None)] or [option_type]
        option_type = option_args[0]
        if isinstance(option_type, type) and issubclass(option_type, enum.Enum):
            assert typing.get_origin(args[0]) is typing.Literal, f"{where}: {name} should list the allowed values"
            allowed = {str(a) for a in typing.get_args(args[0])}
            assert allowed == {str(m.value) for m in option_type}, f"{where} vs {name}"
        else:
            assert args[0] is option_type, f"{where} is {option_type} but {name} is {annotation}"


def test_nothing_else_reads_aims_variables_from_the_environment() -> None:
    pattern = re.compile(r"""(environ\.get\(|getenv\()\s*f?["']AIMS_|environ\[\s*f?["']AIMS_\w*["']\](?!\s*=(?!=))""")
    offenders = []
    for path in (ROOT / "src" / "openaims").rglob("*.py"):
        if path.name == "settings.py":
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_option_variables_are_listed_on_the_page_with_their_options() -> None:
    uses = gen_settings_docs.option_variables()
    assert "`aims scan --format`" in uses["AIMS_SCAN_FORMAT"]
    assert "`aims check --format`" in uses["AIMS_CHECK_FORMAT"]
    assert "AIMS_FORMAT" not in uses


def test_invalid_setting_names_the_variable_and_what_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from openaims.errors import UsageError

    monkeypatch.setenv("AIMS_OIDC_DEFAULT_ROLE", "owner")
    with pytest.raises(UsageError) as caught:
        load_settings()
    assert "AIMS_OIDC_DEFAULT_ROLE" in caught.value.message
    assert "viewer" in caught.value.message


def test_invalid_option_variable_names_the_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    out = subprocess.run(
        [*AIMS, "scan", str(tmp_path)], env={**env, "AIMS_SCAN_FORMAT": "pdf"}, capture_output=True, text=True
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1
    assert "AIMS_SCAN_FORMAT" in out.stderr
    assert "cyclonedx" in out.stderr  # what is allowed


def test_retired_format_variable_is_named_with_its_replacements(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    out = subprocess.run(
        [*AIMS, "scan", str(tmp_path), "--format", "json"],
        env={**env, "AIMS_FORMAT": "cyclonedx"},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0
    assert "AIMS_FORMAT is no longer read" in out.stderr
    assert "AIMS_SCAN_FORMAT" in out.stderr


def test_list_format_variable_does_not_reach_scan(tmp_path: Path) -> None:
    """The value that suits listings (json) does not change what aims scan prints, and vice versa."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env["AIMS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'aims.db'}"
    subprocess.run([*AIMS, "init"], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*AIMS, "risk", "list"], env={**env, "AIMS_SCAN_FORMAT": "cyclonedx"}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


def test_evidence_store_lives_beside_the_register(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AIMS_EVIDENCE_DIR", raising=False)
    monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{tmp_path / 'registers' / 'team.db'}")
    assert load_settings().evidence_folder() == tmp_path / "registers" / "evidence"
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "elsewhere"))
    assert load_settings().evidence_folder() == tmp_path / "elsewhere"


def test_evidence_store_must_be_configured_with_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    from openaims.errors import UsageError

    monkeypatch.delenv("AIMS_EVIDENCE_DIR", raising=False)
    monkeypatch.setenv("AIMS_DATABASE_URL", "postgresql+psycopg://aims:pw@localhost/aims")
    with pytest.raises(UsageError, match="AIMS_EVIDENCE_DIR is required"):
        load_settings().evidence_folder()
