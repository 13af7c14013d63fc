"""``aims pack``: the evidence pack an auditor is handed, and its verification."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from openaims.cli.console import console, err_console
from openaims.cli.records import ActorOption, DatabaseOption, actor_for, register_session, settings_for
from openaims.errors import UsageError
from openaims.settings import Settings

if TYPE_CHECKING:
    from openaims.register.keys import OrganisationKey

pack_app = typer.Typer(
    help="Evidence packs: a zip of records, documents, evidence and history with a signed manifest.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def parse_day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date like 2026-08-02") from None


def _key(settings: Settings) -> OrganisationKey | None:
    from openaims.register import keys

    path = settings.key_path()
    return keys.load_key(path, passphrase=settings.key_passphrase or None) if path.is_file() else None


@pack_app.callback()
def pack(
    ctx: typer.Context,
    output: Path | None = typer.Option(None, "--output", "-o", help="The zip file to write."),
    scope: str | None = typer.Option(
        None,
        "--scope",
        envvar="AIMS_PACK_SCOPE",
        help="What the pack covers: stage1, stage2, 'control A.x.y' or 'system SYS-ID' (default: everything).",
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        envvar="AIMS_PACK_AS_OF",
        help="The register as it stood at the end of this day (YYYY-MM-DD), read from its history; "
        "the same register and day give a byte-identical pack. Default: as it is now.",
    ),
    organisation: str = typer.Option(
        "Our organisation", "--organisation", envvar="AIMS_ORGANISATION", help="Organisation name in the pack."
    ),
    database_url: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Write an evidence pack: readiness, records, approved documents, evidence files and their history.

    The manifest lists every file with its SHA-256, size and source record and the history head;
    it is signed with the organisation key when this machine has one ('aims keys init').
    """
    if ctx.invoked_subcommand is not None:
        return
    from openaims.register.services.evidence import EvidenceService
    from openaims.reports.pack.builder import build_pack, write_pack
    from openaims.reports.pack.scope import parse_scope

    if output is None:
        raise UsageError("give the zip file to write with -o FILE (or 'aims pack verify FILE' to check one)")
    if not output.parent.is_dir():
        raise UsageError(f"-o {output}: the folder {output.parent} does not exist")
    chosen = parse_scope(scope)
    day = parse_day(as_of, "--as-of")
    today = dt.datetime.now(dt.UTC).date()
    if day is not None and day > today:
        raise UsageError(f"--as-of {as_of} is in the future")
    key = _key(settings_for(database_url))
    with register_session(database_url, write=False) as (session, settings):
        acting = actor_for(actor)
        store = EvidenceService(session, acting, evidence_dir=settings.evidence_folder)
        result = build_pack(
            session, acting, organisation=organisation, scope=chosen, as_of=day, today=today,
            evidence_path=store.path_for, key=key,
        )  # fmt: skip
    write_pack(output, result)
    signed = (
        f"signed with the organisation key {result.signed_by}"
        if result.signed_by
        else "not signed (no organisation key: 'aims keys init')"
    )
    console.print(
        f"Wrote {escape(str(output))}: {len(result.files)} files from {result.manifest['records']} records "
        f"({chosen.label}, as of {result.manifest['as_of']}, history event #{result.manifest['history_head']['seq']}); "
        f"manifest {signed}.",
        soft_wrap=True,
    )


@pack_app.command("verify")
def verify(
    file: Path = typer.Argument(..., help="The evidence pack (zip) to check."),
    public_key: Path | None = typer.Option(
        None, "--public-key", envvar="AIMS_PUBLIC_KEY_FILE",
        help="Public key that checks the manifest's signature (default: the organisation key).",
    ),
) -> None:
    """Check every file of a pack against its manifest and the manifest's signature; exit 1 naming what differs."""
    from openaims.register import keys
    from openaims.reports.pack.verify import verify_pack

    if not file.is_file():
        raise UsageError(f"{file} does not exist or is not a file")
    settings = settings_for(None)
    path = settings.key_path()
    trusted = None
    if public_key is not None or path.is_file() or keys.public_key_path(path).is_file():
        trusted = keys.trusted_public_key(public_key, path, passphrase=settings.key_passphrase or None)
    check = verify_pack(file, trusted)
    for problem in check.problems:
        err_console.print(f"aims: {problem}", markup=False, highlight=False, soft_wrap=True)
    if not check.ok:
        err_console.print(f"aims: {file} does not verify: {len(check.problems)} problem(s)", markup=False)
        raise typer.Exit(1)
    if check.signed and check.unchecked is None:
        how = f"the manifest's signature by key {check.key_id} verifies"
    elif check.signed:
        how = f"the manifest is signed by key {check.key_id} but was not checked: {check.unchecked}"
    else:
        how = "the manifest is not signed (the pack was built without an organisation key)"
    console.print(
        f"{escape(str(file))}: all {check.files} files match the manifest; {how}.", soft_wrap=True, markup=False
    )


def register(app: typer.Typer) -> None:
    app.add_typer(pack_app, name="pack")
