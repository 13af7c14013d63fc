"""``aims scan``: find AI in a tree and report it (table, JSON, CycloneDX, SPDX)."""

from __future__ import annotations

import enum
import io
import re
import sys
from collections import Counter
from pathlib import Path
from typing import assert_never

import typer
from rich.console import Console
from rich.table import Table

from openaims.cli.console import console, err_console, plain, scan_progress
from openaims.discovery.interface import Finding, FindingKind, ScanOptions
from openaims.errors import UsageError


class ScanFormat(enum.StrEnum):
    """What ``aims scan`` writes."""

    TABLE = "table"
    JSON = "json"
    CYCLONEDX = "cyclonedx"
    CYCLONEDX_XML = "cyclonedx-xml"
    SPDX = "spdx"


class CycloneDxVersion(enum.StrEnum):
    V1_6 = "1.6"
    V1_7 = "1.7"


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}

#: Order of the kinds in the table.
_KIND_TITLES: dict[FindingKind, str] = {
    FindingKind.DEPENDENCY: "Dependencies",
    FindingKind.IMPORT: "Imports",
    FindingKind.MODEL: "Model references",
    FindingKind.SECRET: "AI provider secrets",
    FindingKind.MCP_SERVER: "MCP servers",
    FindingKind.AGENT_INSTRUCTIONS: "Agent instruction files",
    FindingKind.MODEL_FILE: "Model files",
    FindingKind.AI_WORKFLOW: "AI in CI",
}


def parse_size(text: str) -> int:
    """``"2MB"``, ``"512k"``, ``"1.5GiB"`` or a number of bytes (K, M, G, T are powers of 1024)."""
    match = _SIZE.match(text)
    if match is None:
        raise UsageError(f"--max-file-size {text!r} is not a size; use e.g. 2MB, 512KB or 1048576")
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * _UNITS[unit])


def _location(finding: Finding) -> str:
    return finding.path if finding.line is None else f"{finding.path}:{finding.line}"


def _detail(finding: Finding) -> str:
    """The column that says the most about a finding of its kind."""
    if finding.kind is FindingKind.SECRET:
        return finding.redacted or ""
    if finding.kind is FindingKind.MODEL_FILE:
        flag = {True: "UNSAFE", False: "safe"}.get(finding.unsafe, "") if finding.unsafe is not None else ""
        if finding.unsafe is None and finding.details.get("unscanned"):
            flag = "UNSCANNED"
        return " ".join(part for part in (finding.format or "", flag) if part)
    if finding.kind is FindingKind.MCP_SERVER:
        details = finding.details
        return str(details.get("package") or details.get("url") or details.get("command") or "")
    return finding.version or ""


def print_table(findings: list[Finding], stats: dict[str, object], out: Console) -> None:
    """Findings grouped by kind, then a summary by kind and by provider."""
    by_kind: dict[FindingKind, list[Finding]] = {}
    for finding in findings:
        by_kind.setdefault(finding.kind, []).append(finding)
    for kind, title in _KIND_TITLES.items():
        rows = by_kind.get(kind)
        if not rows:
            continue
        table = Table(title=f"{title} ({len(rows)})", title_justify="left", expand=False)
        table.add_column("Name", overflow="fold")
        table.add_column("Provider")
        table.add_column("Category")
        table.add_column("Version / detail", overflow="fold")
        table.add_column("Where", overflow="fold")
        for finding in rows:
            table.add_row(
                plain(finding.name),
                plain(finding.provider or ""),
                plain(finding.category or ""),
                plain(_detail(finding)),
                plain(_location(finding)),
            )
        out.print(table)
    _print_summary(findings, stats, out)


def _print_summary(findings: list[Finding], stats: dict[str, object], out: Console) -> None:
    kinds = Counter(f.kind for f in findings)
    providers = Counter(f.provider or "(none)" for f in findings)
    summary = Table(title="Summary", title_justify="left", show_header=True)
    summary.add_column("Kind")
    summary.add_column("Findings", justify="right")
    for kind, title in _KIND_TITLES.items():
        if kinds.get(kind):
            summary.add_row(title, str(kinds[kind]))
    summary.add_row("[b]Total[/b]", f"[b]{len(findings)}[/b]")
    out.print(summary)
    if findings:
        by_provider = Table(title="By provider", title_justify="left")
        by_provider.add_column("Provider")
        by_provider.add_column("Findings", justify="right")
        for provider, count in sorted(providers.items(), key=lambda item: (-item[1], item[0])):
            by_provider.add_row(plain(provider), str(count))
        out.print(by_provider)
    seen = stats.get("files_seen", 0)
    scanned = stats.get("files_scanned", 0)
    size = _human_size(int(str(stats.get("bytes_scanned", 0))))
    duration = stats.get("duration_s", 0)
    out.print(
        f"{seen} files seen, {scanned} read ({size}) in {duration}s.",
        markup=False,
        highlight=False,
    )
    unparsed = stats.get("unparsed") or []
    if isinstance(unparsed, list) and unparsed:
        paths = sorted({str(item.get("path", "")) for item in unparsed if isinstance(item, dict)})
        out.print(
            f"[yellow]{len(paths)} manifest(s) could not be read fully; what they declare may be missing "
            "(see the JSON report's stats.unparsed):[/]"
        )
        for item in unparsed[:20]:
            if isinstance(item, dict):
                out.print(plain(f"  {item.get('path')}: {item.get('reason')}"))
        if len(unparsed) > 20:
            out.print(f"  ... and {len(unparsed) - 20} more", markup=False, highlight=False)
    errors = int(str(stats.get("error_count", 0)))
    if errors:
        out.print(f"[yellow]{errors} detector error(s); the scan went on (see the JSON report's stats.errors).[/]")


def _human_size(size: int) -> str:
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"cannot write {path}: its directory does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"cannot write {path}: it is a directory") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def _table_text(findings: list[Finding], stats: dict[str, object]) -> str:
    buffer = io.StringIO()
    print_table(findings, stats, Console(file=buffer, width=160, no_color=True, highlight=False))
    return buffer.getvalue()


def scan(
    path: Path = typer.Argument(
        Path("."), help="Directory or git work tree to scan.", envvar="AIMS_SCAN_PATH", show_default=True
    ),
    fmt: ScanFormat = typer.Option(
        ScanFormat.TABLE,
        "--format",
        "-f",
        envvar="AIMS_SCAN_FORMAT",
        case_sensitive=False,
        help="table (for people), json (the versioned scan report), cyclonedx / cyclonedx-xml "
        "(ML-BOM), spdx (SPDX 3 with the AI profile).",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", envvar="AIMS_SCAN_OUTPUT", help="Write the output to this file instead of stdout."
    ),
    since: str | None = typer.Option(
        None,
        "--since",
        envvar="AIMS_SINCE",
        help="Scan only files changed since this git revision (plus untracked files).",
    ),
    include_vendored: bool = typer.Option(
        False,
        "--include-vendored",
        envvar="AIMS_INCLUDE_VENDORED",
        help="Also scan vendored and build directories (node_modules, vendor, .venv, dist, build...).",
    ),
    max_file_size: str = typer.Option(
        "2MB",
        "--max-file-size",
        envvar="AIMS_MAX_FILE_SIZE",
        help="Largest file the text detectors read (e.g. 2MB, 512KB). Manifests and lock files are read "
        "up to 64 MB, model files at any size.",
    ),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", envvar="AIMS_JOBS", help="Worker processes (default: one per CPU)."
    ),
    cyclonedx_version: CycloneDxVersion = typer.Option(
        CycloneDxVersion.V1_6,
        "--cyclonedx-version",
        envvar="AIMS_CYCLONEDX_VERSION",
        help="CycloneDX specification version of the ML-BOM.",
    ),
    no_progress: bool = typer.Option(
        False,
        "--no-progress",
        envvar="AIMS_NO_PROGRESS",
        help="No progress bar (it only shows on a terminal).",
    ),
    to_register: bool = typer.Option(
        False,
        "--register",
        envvar="AIMS_SCAN_REGISTER",
        help="Also record the components in the register (as 'aims inventory sync' does).",
    ),
) -> None:
    """Find AI in a tree: SDK dependencies and imports, models, provider keys, MCP servers,
    agent instruction files, model files and AI steps in CI. Exit 0 when the scan completed."""
    from openaims.discovery import sanitise
    from openaims.discovery.gitdiff import changed_paths
    from openaims.discovery.report import render_json
    from openaims.discovery.scanner import Scanner

    if not path.exists():
        raise UsageError(f"{path} does not exist; give the directory to scan")
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory; give the directory to scan")
    max_bytes = parse_size(max_file_size)
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1 (got {jobs})")
    paths = changed_paths(path, since) if since is not None else None
    scanner = Scanner(ScanOptions(root=path, max_text_bytes=max_bytes, include_vendored=include_vendored), jobs=jobs)
    with scan_progress(not no_progress) as progress:
        result = scanner.scan(paths, progress=progress)
    result.since = since
    report = result.to_report()
    stats = report["stats"]
    root_name = sanitise.text(path.resolve().name or "root")
    if to_register:
        from openaims.cli.inventory import ingest

        summary = ingest(path, result.findings).summary()
        err_console.print(plain(f"Register: {summary}"), soft_wrap=True)

    text: str
    if fmt is ScanFormat.TABLE:
        if output is None:
            print_table(result.findings, stats, console)
            return
        text = _table_text(result.findings, stats)
    elif fmt is ScanFormat.JSON:
        text = render_json(report)
    elif fmt is ScanFormat.CYCLONEDX or fmt is ScanFormat.CYCLONEDX_XML:
        from openaims.bom.cyclonedx import render_cyclonedx

        text = render_cyclonedx(
            result.findings,
            root_name=root_name,
            spec_version=cyclonedx_version.value,
            fmt="xml" if fmt is ScanFormat.CYCLONEDX_XML else "json",
        )
    elif fmt is ScanFormat.SPDX:
        from openaims.bom.spdx import render_spdx  # type: ignore[import-not-found,unused-ignore]

        text = str(render_spdx(result.findings, root_name=root_name))
    else:
        assert_never(fmt)

    if not text.endswith("\n"):
        text += "\n"
    if output is not None:
        _write(output, text)
        err_console.print(
            f"Wrote {len(result.findings)} findings ({fmt.value}) to {output}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
