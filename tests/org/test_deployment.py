"""The team deployment: compose.yaml runs the web application, scan workers, PostgreSQL and
Redis with health checks; what it configures is documented and what it runs exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from openaims.cli.main import load_commands
from openaims.settings import Settings, variable

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_services_and_their_health_checks(compose: dict) -> None:  # type: ignore[type-arg]
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "init", "web", "worker"}
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["init"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["init"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["init"]["command"] == ["aims", "init"]
    assert services["worker"]["healthcheck"]["test"][1:4] == ["aims", "worker", "--ping"]
    assert "replicas" in services["worker"]["deploy"]


def test_every_aims_variable_it_sets_is_a_documented_setting(compose: dict) -> None:  # type: ignore[type-arg]
    known = {variable(name) for name in Settings.model_fields}
    text = (ROOT / "compose.yaml").read_text() + (ROOT / ".env.example").read_text()
    used = set(re.findall(r"\bAIMS_[A-Z0-9_]+", text))
    assert used, "compose.yaml sets no AIMS_ variable"
    assert used <= known, sorted(used - known)
    settings_doc = (ROOT / "docs" / "settings.md").read_text()
    for name in used:
        assert f"`{name}`" in settings_doc, name


def _commands(compose: dict) -> list[list[str]]:  # type: ignore[type-arg]
    out = []
    for service in compose["services"].values():
        for command in (service.get("command"), (service.get("healthcheck") or {}).get("test")):
            if isinstance(command, list):
                args = command[1:] if command[0] == "CMD" else command
                if args and args[0] == "aims":
                    out.append(args[1:])
    return out


def test_the_commands_it_runs_exist_with_their_options(compose: dict) -> None:  # type: ignore[type-arg]
    runner = CliRunner()
    app = load_commands()
    commands = _commands(compose)
    assert {c[0] for c in commands} == {"init", "serve", "worker"}
    for command in commands:
        words = [w for w in command if not w.startswith("-") and "$" not in w and "@" not in w and "." not in w]
        options = [w for w in command if w.startswith("--")]
        shown = runner.invoke(app, [*words[:1], "--help"], env={"COLUMNS": "200"})
        assert shown.exit_code == 0, shown.output
        for option in options:
            assert option in shown.output, (command, option)


def test_the_image_installs_the_server_lock() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/server.lock" in dockerfile
    assert (ROOT / "requirements" / "server.lock").is_file()
    assert "USER aims" in dockerfile


def test_the_deployment_is_documented() -> None:
    doc = (ROOT / "docs" / "org.md").read_text()
    for needle in ("compose.yaml", "--scale worker=", "AIMS_BROKER_URL", "AIMS_VISIBILITY_TIMEOUT", "health"):
        assert needle in doc, needle
