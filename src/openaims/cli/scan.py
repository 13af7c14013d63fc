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
from rich.text import Text

from openaims.cli.console import console, err_console, plain, scan_progress
from openaims.discovery.interface import DEFAULT_FILE_TIMEOUT, Finding, FindingKind, ScanOptions
from openaims.errors import UsageError
from openaims.layout import Column
from openaims.layout import print_table as print_fitted


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


TIMEOUT_OPTION: float | None = typer.Option(
    None,
    "--timeout",
    metavar="SECONDS",
    envvar="AIMS_TIMEOUT",
    help="Wall-clock budget of the whole scan; past it the scan stops and lists the files it did not scan.",
)
FILE_TIMEOUT_OPTION: float = typer.Option(
    DEFAULT_FILE_TIMEOUT,
    "--file-timeout",
    metavar="SECONDS",
    envvar="AIMS_FILE_TIMEOUT",
    help="Wall-clock budget of one file; a file cut short is reported unscanned with the reason (0: none).",
)


def check_budgets(timeout: float | None, file_timeout: float) -> None:
    """Refuse time budgets that are not numbers of seconds (before any work)."""
    if timeout is not None and not 0 < timeout < float("inf"):
        raise UsageError(f"--timeout must be a positive number of seconds (got {timeout:g})")
    if not 0 <= file_timeout < float("inf"):
        raise UsageError(f"--file-timeout must be 0 (no budget) or a positive number of seconds (got {file_timeout:g})")


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


#: Above this many findings the table output is a summary unless ``--details`` is given.
SUMMARY_ABOVE = 40

_FINDING_COLUMNS = (
    Column("Name", min_width=16),
    Column("Provider", drop=3),
    Column("Category", drop=1),
    Column("Version / detail", min_width=10, drop=2),
    Column("Where", cut="left", under=True, style="dim"),
)


def print_table(findings: list[Finding], stats: dict[str, object], out: Console, *, details: bool = False) -> None:
    """Findings grouped by kind and a summary; only the summary when there are more than
    :data:`SUMMARY_ABOVE` findings and ``details`` is not asked for."""
    if details or len(findings) <= SUMMARY_ABOVE:
        by_kind: dict[FindingKind, list[Finding]] = {}
        for finding in findings:
            by_kind.setdefault(finding.kind, []).append(finding)
        for kind, title in _KIND_TITLES.items():
            rows = by_kind.get(kind)
            if not rows:
                continue
            lines = [(f.name, f.provider or "", f.category or "", _detail(f), _location(f)) for f in rows]
            print_fitted(out, _FINDING_COLUMNS, lines, title=f"{title} ({len(rows)})")
            out.print()
        _print_summary(findings, stats, out, brief=False)
        return
    _print_summary(findings, stats, out, brief=True)


#: Rows of the "needs attention" list and of the provider table in a brief summary.
_BRIEF_ROWS = 5
_BRIEF_PROVIDERS = 8


_ATTENTION_COLUMNS = (
    Column("Kind", min_width=24),
    Column("Name", min_width=12),
    Column("Detail", min_width=14, drop=1),
    Column("Where", min_width=32, cut="left"),
)


def _top(counter: Counter[str], n: int) -> str:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    text = ", ".join(f"{name} {count}" for name, count in ranked[:n])
    return text + (f", +{len(ranked) - n} more" if len(ranked) > n else "")


def _needs_attention(finding: Finding) -> bool:
    if finding.kind is FindingKind.SECRET:
        return True
    return finding.kind is FindingKind.MODEL_FILE and (finding.unsafe is True or bool(finding.details.get("unscanned")))


def _print_summary(findings: list[Finding], stats: dict[str, object], out: Console, *, brief: bool) -> None:
    kinds = Counter(f.kind for f in findings)
    providers_by_kind: dict[FindingKind, Counter[str]] = {}
    for finding in findings:
        providers_by_kind.setdefault(finding.kind, Counter())[finding.provider or "(none)"] += 1
    rows: list[tuple[str, str, str]] = [
        (title, str(kinds[kind]), _top(providers_by_kind[kind], 3))
        for kind, title in _KIND_TITLES.items()
        if kinds.get(kind)
    ]
    rows.append(("Total", str(len(findings)), ""))
    print_fitted(
        out,
        (Column("Kind"), Column("Findings", justify="right"), Column("Top providers", min_width=14, drop=1)),
        rows,
        title="Summary",
    )
    providers = Counter(f.provider or "(none)" for f in findings)
    if findings:
        ranked = sorted(providers.items(), key=lambda item: (-item[1], item[0]))
        shown = ranked[:_BRIEF_PROVIDERS] if brief else ranked
        out.print()
        print_fitted(
            out,
            (Column("Provider", min_width=12), Column("Findings", justify="right")),
            [(name, str(count)) for name, count in shown],
            title="By provider",
        )
        if len(ranked) > len(shown):
            out.print(f"  ... and {len(ranked) - len(shown)} more providers", markup=False, highlight=False)
    if brief:
        attention = [f for f in findings if _needs_attention(f)]
        if attention:
            out.print()
            print_fitted(
                out,
                _ATTENTION_COLUMNS,
                [(_KIND_TITLES[f.kind], f.name, _detail(f), _location(f)) for f in attention[:_BRIEF_ROWS]],
                title=f"Needs attention ({len(attention)})",
            )
            if len(attention) > _BRIEF_ROWS:
                out.print(f"  ... and {len(attention) - _BRIEF_ROWS} more", markup=False, highlight=False)
    out.print()
    seen = stats.get("files_seen", 0)
    scanned = stats.get("files_scanned", 0)
    size = _human_size(int(str(stats.get("bytes_scanned", 0))))
    duration = stats.get("duration_s", 0)
    _say(out, f"{seen} files seen, {scanned} read ({size}) in {duration}s.")
    unparsed = stats.get("unparsed") or []
    if isinstance(unparsed, list) and unparsed:
        paths = sorted({str(item.get("path", "")) for item in unparsed if isinstance(item, dict)})
        _say(
            out,
            f"{len(paths)} manifest(s) could not be read fully; what they declare may be missing "
            "(see the JSON report's stats.unparsed):",
            style="yellow",
        )
        limit = _BRIEF_ROWS if brief else 20
        print_fitted(
            out,
            (Column("Manifest", min_width=24, cut="left"), Column("Reason", min_width=16)),
            [(item.get("path"), item.get("reason")) for item in unparsed[:limit] if isinstance(item, dict)],
            indent=2,
            header=False,
        )
        if len(unparsed) > limit:
            out.print(f"  ... and {len(unparsed) - limit} more", markup=False, highlight=False)
    _print_cut_short(stats, out)
    patterns = stats.get("skipped_patterns") or []
    if isinstance(patterns, list) and patterns:
        _say(
            out,
            f"{len(patterns)} ignore-file line(s) over a bound were not used (see the JSON report's "
            "stats.skipped_patterns):",
            style="yellow",
        )
        print_fitted(
            out,
            (Column("Line", min_width=24, cut="left"), Column("Reason", min_width=16)),
            [(f"{item.get('path')}:{item.get('line')}", item.get("reason")) for item in patterns[:20]
             if isinstance(item, dict)],
            indent=2,
            header=False,
        )  # fmt: skip
    errors = int(str(stats.get("error_count", 0)))
    if errors:
        _say(out, f"{errors} detector error(s); the scan went on (see the JSON report's stats.errors).", style="yellow")
    if brief:
        _say(
            out,
            f"A summary of {len(findings)} findings: --details (or AIMS_SCAN_DETAILS=1) lists every one; "
            "--format json writes them all.",
            style="dim",
        )


def _say(out: Console, text: str, style: str = "") -> None:
    """A sentence wrapped at spaces to the console's width."""
    out.print(Text(text, style=style), highlight=False)


def _print_cut_short(stats: dict[str, object], out: Console) -> None:
    """The scan's budget when it ran out, and the files a bound cut short (never taken for safe)."""
    budget = stats.get("time_budget")
    if isinstance(budget, dict) and budget.get("exhausted"):
        _say(
            out,
            f"The scan stopped at its time budget (--timeout {budget.get('scan_s')}); files it did not reach are "
            "not listed, and those it had started on are listed below as not scanned.",
            style="yellow",
        )
    cut = stats.get("cut_short") or []
    count = int(str(stats.get("cut_short_count", 0)))
    if not isinstance(cut, list) or not count:
        return
    _say(
        out,
        f"{count} file(s) cut short by a bound: reported unscanned, what they hold may be missing "
        "(see the JSON report's stats.cut_short):",
        style="yellow",
    )
    print_fitted(
        out,
        (Column("File", min_width=24, cut="left"), Column("Reason", min_width=16)),
        [(item.get("path"), item.get("reason")) for item in cut[:20] if isinstance(item, dict)],
        indent=2,
        header=False,
    )
    if count > 20:
        out.print(f"  ... and {count - 20} more", markup=False, highlight=False)


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


def _table_text(findings: list[Finding], stats: dict[str, object], details: bool) -> str:
    buffer = io.StringIO()
    print_table(findings, stats, Console(file=buffer, width=160, no_color=True, highlight=False), details=details)
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
    timeout: float | None = TIMEOUT_OPTION,
    file_timeout: float = FILE_TIMEOUT_OPTION,
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
    details: bool = typer.Option(
        False,
        "--details",
        envvar="AIMS_SCAN_DETAILS",
        help=f"List every finding on the terminal; without it a table of more than {SUMMARY_ABOVE} findings is "
        "a one-screen summary (a table written with -o always lists every finding).",
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
    check_budgets(timeout, file_timeout)
    paths = changed_paths(path, since) if since is not None else None
    options = ScanOptions(
        root=path,
        max_text_bytes=max_bytes,
        include_vendored=include_vendored,
        timeout=timeout,
        file_timeout=file_timeout or None,
    )
    scanner = Scanner(options, jobs=jobs)
    with scan_progress(not no_progress) as progress:
        result = scanner.scan(paths, progress=progress)
    result.since = since
    report = result.to_report()
    stats = report["stats"]
    root_name = sanitise.text(path.resolve().name or "root")
    synced: str | None = None
    models = None
    if to_register:
        from openaims.cli.inventory import repository_name
        from openaims.cli.records import actor_for, register_session
        from openaims.register.ingest import sync_scan

        # One transaction: the components, then what the register knows of the models for the ML-BOM.
        with register_session(None, write=True, scope="scan:push") as (session, _settings):
            acting = actor_for(None)
            synced = sync_scan(session, acting, repository_name(path), result.findings).summary()
            if fmt is ScanFormat.CYCLONEDX or fmt is ScanFormat.CYCLONEDX_XML:
                from openaims.register.model_cards import model_contexts

                models = model_contexts(session, acting, repository_name(path))

    text: str | None = None
    if fmt is ScanFormat.TABLE:
        if output is None:
            print_table(result.findings, stats, console, details=details)
        else:
            text = _table_text(result.findings, stats, True)  # a file has no screen to fit: every finding
    elif fmt is ScanFormat.JSON:
        text = render_json(report)
    elif fmt is ScanFormat.CYCLONEDX or fmt is ScanFormat.CYCLONEDX_XML:
        from openaims.bom.cyclonedx import render_cyclonedx

        text = render_cyclonedx(
            result.findings,
            root_name=root_name,
            spec_version=cyclonedx_version.value,
            fmt="xml" if fmt is ScanFormat.CYCLONEDX_XML else "json",
            models=models,
        )
    elif fmt is ScanFormat.SPDX:
        from openaims.bom.spdx import render_spdx  # type: ignore[import-not-found,unused-ignore]

        text = str(render_spdx(result.findings, root_name=root_name))
    else:
        assert_never(fmt)

    if text is not None:
        if not text.endswith("\n"):
            text += "\n"
        if output is not None:
            _write(output, text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    # What the command changed comes last, where it is seen after the report.
    if output is not None:
        err_console.print(plain(f"Wrote {len(result.findings)} findings ({fmt.value}) to {output}"), soft_wrap=True)
    if synced is not None:
        err_console.print(plain(f"Register: {synced}"), soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
