"""``aims baseline``: accept today's violations so only new ones fail."""

from __future__ import annotations

from pathlib import Path

import typer

from openaims.cli.console import console, err_console

#: Same as ``openaims.policy.baseline.DEFAULT_BASELINE_FILE`` (kept here so ``aims`` starts fast).
DEFAULT_BASELINE_FILE = ".aims-baseline.json"

baseline_app = typer.Typer(help="Accept today's policy violations; later checks fail only on new ones.")


@baseline_app.command("create")
def create(
    path: Path = typer.Argument(Path("."), help="Root of the tree to check.", envvar="AIMS_CHECK_PATH"),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        envvar="AIMS_BASELINE",
        help=f"Baseline file to write. Default: {DEFAULT_BASELINE_FILE} at PATH.",
    ),
    policy: Path | None = typer.Option(None, "--policy", "-p", envvar="AIMS_POLICY", help="Policy file."),
    allow_secrets: bool = typer.Option(
        False,
        "--allow-secrets",
        help="Accept hard-coded AI keys too (refused without it: revoke and remove a committed key instead).",
    ),
) -> None:
    """Write a baseline of every current violation (excepted ones stay with their exception).

    A hard-coded key is refused (exit 1, naming the file and the redacted key) unless --allow-secrets.
    """
    from openaims.policy import baseline as baselines
    from openaims.policy.service import CheckRequest, create_baseline, hardcoded_keys, key_locations

    baseline, report = create_baseline(CheckRequest(root=path, policy_file=policy), allow_secrets=allow_secrets)
    for location in key_locations(hardcoded_keys(report.evaluation.violations)):
        err_console.print(
            f"warning: baselined a hard-coded key, which stays valid until revoked: {location}",
            markup=False,
            soft_wrap=True,
            highlight=False,
        )
    target = output if output is not None else report.root / baselines.DEFAULT_BASELINE_FILE
    baselines.write(baseline, target)
    count = len(baseline.entries)
    console.print(
        f"Wrote {target}: {count} violation{'s' if count != 1 else ''} accepted. "
        f"Use it with 'aims check --baseline {target}'.",
        markup=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(baseline_app, name="baseline")
