"""Register commands import only what they need, so they start quickly.

``aims --help`` lists every command from the command index without importing a command
module; a register command imports its own module and the register, never the web app,
the exporters, the scanner or the migration tool. Timings are measured by
``benchmarks/startup.py``, not asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Modules no register command needs: the web app, exporters, the scanner, the linter,
#: readiness and frameworks, the migration tool (only when a register migrates), Markdown
#: help rendering.
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "authlib",
    "httpx",
    "reportlab",
    "openpyxl",
    "cyclonedx",
    "spdx_python_model",
    "jsonschema",
    "alembic",
    "mako",
    "celery",
    "hyperscan",
    "yaml",
    "pygments",
    "rich.markdown",
    "typer.rich_utils",
    "openaims.web",
    "openaims.discovery",
    "openaims.policy",
    "openaims.lint",
    "openaims.bom",
    "openaims.reports",
    "openaims.readiness",
    "openaims.frameworks",
    "cryptography",
    "openaims.register.exchange",
    "openaims.register.integrity",
    "openaims.register.checkpoints",
)

_PROBE = """
import json, sys
from openaims.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _run(args: list[str], env: dict[str, str], *, prelude: str = "") -> tuple[str, int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", prelude + _PROBE, *args], env=env, capture_output=True, text=True, check=False
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return done.stdout, int(report["code"] or 0), set(report["modules"])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("startup")
    values = {
        **os.environ,
        "AIMS_DATABASE_URL": f"sqlite:///{folder / 'aims.db'}",
        "AIMS_EVIDENCE_DIR": str(folder / "evidence"),
        "AIMS_CONFIG_DIR": str(folder / "config"),
        "AIMS_ACTOR": "mia",
        "COLUMNS": "100",
    }
    values.pop("AIMS_TOKEN", None)
    for step in (["init"], ["risk", "add", "--title", "Prompt injection", "--owner", "mia"]):
        _out, code, _modules = _run(step, values)
        assert code == 0, step
    return values


def _loaded(modules: set[str], name: str) -> bool:
    return name in modules or any(m.startswith(name + ".") for m in modules)


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--help"],
        ["risk", "list"],
        ["risk", "show", "RISK-1"],
        ["system", "list", "--format", "json"],
        ["whoami"],
        ["user", "list"],
        ["history", "log"],
        ["history", "show", "RISK-1"],
        ["risk", "--help"],
    ],
    ids=" ".join,
)
def test_a_register_command_imports_nothing_it_does_not_need(env: dict[str, str], args: list[str]) -> None:
    _out, code, modules = _run(args, env)

    assert code == 0
    needless = [name for name in HEAVY if _loaded(modules, name)]
    if "--help" in args:  # help is rendered with rich's Markdown support
        needless = [n for n in needless if n not in ("typer.rich_utils", "rich.markdown", "pygments")]
    assert needless == []


def test_help_lists_every_command_without_importing_command_modules(env: dict[str, str]) -> None:
    lazy, code, modules = _run(["--help"], env)
    full, full_code, _ = _run(["--help"], env, prelude="from openaims.cli.main import load_commands\nload_commands()\n")

    assert code == full_code == 0
    assert lazy == full
    assert {m for m in modules if m.startswith("openaims.cli.")} <= {"openaims.cli.main", "openaims.cli.console", "openaims.cli.help", "openaims.cli.params"}
    assert not _loaded(modules, "sqlalchemy")


def test_the_command_index_is_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_command_index.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_a_command_missing_from_the_index_still_runs(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from openaims.cli import main as cli_main

    index = {name: entry for name, entry in cli_main.command_index().items() if name != "whoami"}
    monkeypatch.setattr(cli_main, "command_index", lambda: index)
    for name in ("AIMS_DATABASE_URL", "AIMS_EVIDENCE_DIR", "AIMS_CONFIG_DIR", "AIMS_ACTOR"):
        monkeypatch.setenv(name, env[name])

    with pytest.raises(SystemExit) as exit_:
        cli_main.main(["whoami"])

    assert exit_.value.code == 0
    assert "Mode: personal" in capsys.readouterr().out


def test_every_record_service_module_is_listed_for_the_registry() -> None:
    """registry() imports the listed modules; a record service in a module missing from the
    list would be missing from every command, page and export."""
    import importlib
    import pkgutil

    from openaims.register import services
    from openaims.register.services.base import RecordService

    defining = set()
    for info in pkgutil.iter_modules(services.__path__):
        module = importlib.import_module(f"openaims.register.services.{info.name}")
        if any(
            isinstance(v, type) and issubclass(v, RecordService) and "model" in v.__dict__ and v.__module__ == module.__name__
            for v in vars(module).values()
        ):
            defining.add(info.name)
    assert defining == set(services.RECORD_SERVICE_MODULES)


def test_a_write_with_one_record_family_imported_still_orders_its_rows(tmp_path: Path) -> None:
    """Model modules load on use; a flush loads the rest first, since an incident refers to nonconformities."""
    settings = f"""Settings(database_url="sqlite:///{tmp_path / 'aims.db'}", evidence_dir="{tmp_path / 'evidence'}")"""
    created = subprocess.run(
        [sys.executable, "-c", f"from openaims.register import init_register\nfrom openaims.settings import Settings\n"
         f"init_register({settings})"], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    script = f"""
import sys
from openaims.register import open_register
from openaims.register.actors import Actor, Role
from openaims.register.services.incidents import IncidentService
from openaims.settings import Settings

db = open_register({settings})
assert "openaims.register.models.nonconformities" not in sys.modules
with db.session() as session:
    incident = IncidentService(session, Actor(name="mia", roles=frozenset({{Role.ADMIN}}))).create(
        {{"title": "Chatbot quoted a wrong interest rate", "owner": "mia"}}
    )
print(incident.id)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "INC-1"


_ENTRY_PROBE = """
import gc, json, sys
from openaims.register.services import base

seen = []
listing = base.RecordService.list

def watched(self, *args, **kwargs):
    seen.append(gc.isenabled())
    return listing(self, *args, **kwargs)

base.RecordService.list = watched
from openaims.cli.main import entry
sys.argv = ["aims", *sys.argv[1:]]
try:
    entry()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "collecting_during_command": seen, "collecting_at_exit": gc.isenabled()}), file=sys.stderr)
"""


@pytest.mark.parametrize(("args", "code"), [(["risk", "list"], 0), (["risk", "show", "RISK-404"], 2), (["--version"], 0)])
def test_the_console_script_loads_without_collecting_but_runs_the_command_with_collection(
    env: dict[str, str], args: list[str], code: int
) -> None:
    """The collector is off only while the command loads: a long scan still frees its garbage."""
    done = subprocess.run([sys.executable, "-c", _ENTRY_PROBE, *args], env=env, capture_output=True, text=True, check=False)
    report = json.loads(done.stderr.strip().splitlines()[-1])

    assert report["code"] == code
    assert all(report["collecting_during_command"])
    assert report["collecting_at_exit"] is True
    if args == ["risk", "list"]:
        assert report["collecting_during_command"] == [True]
        assert "Prompt injection" in done.stdout


def test_a_scan_of_an_empty_directory_imports_no_pydantic_nor_the_register(env: dict[str, str], tmp_path: Path) -> None:
    """Typer's converters are pydantic TypeAdapters; the scan's options are converted without them."""
    out, code, modules = _run(["scan", str(tmp_path)], env)

    assert code == 0
    assert "0 files seen" in out
    assert [name for name in ("pydantic", "sqlalchemy", "openaims.register") if _loaded(modules, name)] == []
