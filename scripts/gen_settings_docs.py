"""Generate docs/settings.md from ``openaims.settings.Settings`` and the command options.

Run ``python scripts/gen_settings_docs.py`` after adding or changing a setting; the test
suite fails when the page is out of date, or when a command option reads an environment
variable that is not a setting.
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "settings.md"

#: Read by the make targets and the test suite, not by the ``aims`` package.
OUTSIDE_THE_PACKAGE: tuple[tuple[str, str], ...] = (
    ("AIMS_PORT", "`make demo` serves the dashboard on this port (default 8000)."),
    ("AIMS_DEMO_DIR", "`make demo` keeps its register here (default `.demo`)."),
    (
        "AIMS_TEST_DATABASE_URL",
        "`make test` uses this PostgreSQL server instead of starting a throw-away one.",
    ),
)


def option_variables() -> dict[str, list[str]]:
    """Every environment variable a command option reads -> the ``aims CMD --option`` using it."""
    import typer.main

    from openaims.cli.main import app

    used: dict[str, list[str]] = {}

    def walk(command: Any, path: list[str]) -> None:
        for param in getattr(command, "params", []):
            envvar = getattr(param, "envvar", None)
            names = [envvar] if isinstance(envvar, str) else list(envvar or [])
            flag = max(getattr(param, "opts", [param.name]), key=len)
            for name in names:
                used.setdefault(name, []).append(f"`{' '.join(path)} {flag}`")
        subcommands = getattr(command, "commands", None)
        if isinstance(subcommands, dict):
            for name in sorted(subcommands):
                walk(subcommands[name], [*path, name])

    walk(typer.main.get_command(app), ["aims"])
    return used


def _type_text(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(annotation))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and len(args) == 1:
        return _type_text(args[0])
    if isinstance(annotation, type):
        import enum

        if issubclass(annotation, enum.Enum):
            return " \\| ".join(f"`{m.value}`" for m in annotation)
        return {
            "str": "text",
            "int": "whole number",
            "bool": "true/false",
            "Path": "path",
        }.get(annotation.__name__, annotation.__name__)
    return str(annotation)


def _default_text(field: Any) -> str:
    if field.default_factory is not None:
        return "(see meaning)"
    value = field.default
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{getattr(value, 'value', value)}`"


def _options_text(uses: list[str]) -> str:
    """``aims scan --format``; many commands sharing an option are named by a few examples."""
    by_flag: dict[str, list[str]] = {}
    for use in uses:
        command, flag = use.strip("`").rsplit(" ", 1)
        by_flag.setdefault(flag, []).append(command)
    texts = []
    for flag, commands in by_flag.items():
        if len(commands) <= 3:
            texts.extend(f"`{command} {flag}`" for command in commands)
        else:
            shown = ", ".join(f"`{command}`" for command in commands[:3])
            texts.append(f"`{flag}` of {len(commands)} commands ({shown}, ...)")
    return ", ".join(texts)


def render() -> str:
    from openaims.settings import Settings, variable

    used = option_variables()
    groups: dict[str, list[str]] = {}
    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        group = str(extra.get("group", "Other"))
        options = _options_text(used.get(variable(name), []))
        meaning = (field.description or "").replace("|", "\\|")
        if options:
            meaning += f" Options: {options}."
        row = f"| `{variable(name)}` | {_type_text(field.annotation)} | {_default_text(field)} | {meaning} |"
        groups.setdefault(group, []).append(row)
    parts = [
        "# Settings\n",
        "Generated from `openaims.settings.Settings` by `scripts/gen_settings_docs.py`; do not edit by hand.\n",
        "Every setting is an environment variable. A command option that has one reads it when the option is "
        "not given, so `AIMS_SCAN_FORMAT=json aims scan` is `aims scan --format json`. Invalid values stop "
        "the command with one line naming the variable and what is allowed (exit 2). True/false settings "
        "accept `true`/`false`, `1`/`0`, `yes`/`no` and `on`/`off`.\n",
    ]
    for group, rows in groups.items():
        parts.append(f"## {group}\n\n| variable | values | default | meaning |\n|---|---|---|---|\n" + "\n".join(rows))
    parts.append(
        "## Used by the make targets\n\n| variable | meaning |\n|---|---|\n"
        + "\n".join(f"| `{name}` | {meaning} |" for name, meaning in OUTSIDE_THE_PACKAGE)
    )
    from openaims.cli.main import RETIRED

    parts.append(
        "## No longer read\n\n`aims` warns when one of these is set.\n\n| variable | instead |\n|---|---|\n"
        + "\n".join(f"| `{name}` | {instead} |" for name, instead in RETIRED.items())
    )
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("docs/settings.md is out of date: run python scripts/gen_settings_docs.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
