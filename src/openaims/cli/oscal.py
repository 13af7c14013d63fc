"""``aims oscal``: the register in OSCAL, for GRC tools and auditors that exchange it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape

from openaims.cli.console import console, write_file
from openaims.cli.records import ActorOption, DatabaseOption, actor_for, register_session
from openaims.errors import UsageError

oscal_app = typer.Typer(
    help="OSCAL: the ISO/IEC 42001 catalog and profile, AI systems as components, readiness as assessment results."
)


@oscal_app.command("export")
def export_command(
    output: Path = typer.Option(..., "--output", "-o", help="The folder to write the OSCAL JSON files into."),
    system: str | None = typer.Option(
        None, "--system", envvar="AIMS_OSCAL_SYSTEM",
        help="Write the component definition of this AI system only (default: every system not retired).",
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", envvar="AIMS_OSCAL_AS_OF",
        help="The register as it stood at the end of this day (YYYY-MM-DD), read from its history. Default: now.",
    ),
    organisation: str = typer.Option(
        "Our organisation", "--organisation", envvar="AIMS_ORGANISATION", help="Organisation name in the documents."
    ),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Write OSCAL JSON: the ISO/IEC 42001 catalog (clauses and Annex A), the profile the Statement of
    Applicability selects, a component definition per AI system (how it implements each applicable
    control, with its records) and the assessment results of readiness.

    The same register and --as-of day give the same files.
    """
    from openaims.cli.pack import parse_day
    from openaims.readiness.engine import evaluate
    from openaims.reports import oscal
    from openaims.reports.asof import register_view

    if output.exists() and not output.is_dir():
        raise UsageError(f"-o {output} is a file; give a folder to write the OSCAL files into")
    if not output.parent.is_dir():
        raise UsageError(f"-o {output}: the folder {output.parent} does not exist")
    day = parse_day(as_of, "--as-of")
    today = dt.datetime.now(dt.UTC).date()
    if day is not None and day > today:
        raise UsageError(f"--as-of {as_of} is in the future")
    with register_session(database_url, write=False) as (session, _):
        view = register_view(session, actor_for(actor), as_of=day, today=today)
    snap = view.snapshot
    systems = None
    if system is not None:
        wanted = system.strip().upper()
        found = next((s for s in snap.of("system") if s.id == wanted), None)
        if found is None:
            raise UsageError(f"no AI system {system} in the register (see 'aims system list')")
        systems = [found]
    files = oscal.export(snap, evaluate(snap), organisation=organisation, day=view.as_of, systems=systems)
    output.mkdir(exist_ok=True)
    for file in files:
        write_file(output / file.name, file.data)
    components = sum(1 for f in files if f.name.startswith("component-"))
    console.print(
        f"Wrote {len(files)} OSCAL files to {escape(str(output))}: catalog, profile, assessment results and "
        f"{components} component definition{'' if components == 1 else 's'} (as of {view.as_of.isoformat()}).",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(oscal_app, name="oscal")
