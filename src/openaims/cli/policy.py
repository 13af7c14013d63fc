"""``aims policy``: write a starter policy, validate one."""

from __future__ import annotations

from pathlib import Path

import typer

from openaims.cli.console import console, err_console
from openaims.errors import UsageError

#: Same as ``openaims.policy.schema.DEFAULT_POLICY_FILE`` (kept here so ``aims`` starts fast).
DEFAULT_POLICY_FILE = "aims-policy.yaml"

policy_app = typer.Typer(help="Write and validate AI policy files.", no_args_is_help=True)


@policy_app.command("init")
def init(
    file: Path = typer.Argument(Path(DEFAULT_POLICY_FILE), help="Where to write the policy."),
    force: bool = typer.Option(False, "--force", envvar="AIMS_FORCE", help="Overwrite an existing file."),
    from_scan: Path | None = typer.Option(
        None,
        "--from-scan",
        metavar="PATH",
        help="Scan the tree at PATH and approve every AI provider, model, package, MCP server and CI "
        "action it uses, so the policy passes today's tree and anything new fails. Hard-coded keys, "
        "unsafe model files and agent-config findings are never approved: they are listed.",
    ),
) -> None:
    """Write a commented starter policy (aims-policy.yaml), or one that approves what a tree uses."""
    if file.is_dir():
        file = file / DEFAULT_POLICY_FILE
    if file.exists() and not force:
        raise UsageError(f"{file} already exists; pass --force to overwrite it")
    if from_scan is None:
        from openaims.policy.service import starter_policy

        _write(file, starter_policy())
        console.print(
            f"Wrote {file}. Edit it, then run 'aims policy validate {file}' and 'aims check'.",
            markup=False,
            soft_wrap=True,
        )
        return
    _init_from_scan(file, from_scan)


def _write(file: Path, text: str) -> None:
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {file}: {exc.strerror}") from None


def _init_from_scan(file: Path, root: Path) -> None:
    from openaims.policy.exceptions import utc_today
    from openaims.policy.from_scan import CATEGORIES, policy_from_scan

    made = policy_from_scan(root, today=utc_today())
    _write(file, made.text)
    approved = sum(len(entries) for entries in made.approved.values())
    console.print(f"Approved {approved} entries in use in {root} ({made.files_scanned} files scanned):", markup=False)
    for name, *_ in CATEGORIES:
        entries = made.approved[name]
        shown = ", ".join(entries) if entries else "none found (the list stays a denylist)"
        console.print(f"  {name}: {shown}", markup=False, highlight=False)
    if made.still_failing:
        count = len(made.still_failing)
        err_console.print(
            f"Not approved, and failing 'aims check' until fixed ({count}):", markup=False, highlight=False
        )
        for violation in made.still_failing:
            where = f"{violation.path}:{violation.line}" if violation.line else violation.path
            err_console.print(f"  {violation.rule_id}  {where}  {violation.message}", markup=False, highlight=False)
    own = (root / DEFAULT_POLICY_FILE).resolve() == file.resolve()
    check = f"aims check {root}" + ("" if own else f" --policy {file}")
    console.print(f"Wrote {file}. Review the lists, then run '{check}'.", markup=False, soft_wrap=True)


@policy_app.command("validate")
def validate(
    file: Path = typer.Argument(Path(DEFAULT_POLICY_FILE), help="Policy file to check."),
    strict: bool = typer.Option(
        False, "--strict", envvar="AIMS_POLICY_STRICT", help="Exit 1 when the policy has warnings."
    ),
) -> None:
    """Check a policy file; every problem is printed with its line. Exit 2 when invalid.

    Warnings name what a valid policy says that cannot take effect, such as an exception
    that can match nothing; with --strict they exit 1.
    """
    from openaims.policy.exceptions import utc_today
    from openaims.policy.review import review_file
    from openaims.policy.schema import PolicyError

    try:
        reviewed = review_file(file, today=utc_today())
    except PolicyError as exc:
        for problem in exc.problems:
            err_console.print(problem.render(exc.source), markup=False, soft_wrap=True, highlight=False)
        raise UsageError(f"{file} is not a valid policy ({len(exc.problems)} problem(s))") from None
    policy = reviewed.policy
    for line, warning in reviewed.warnings:
        err_console.print(reviewed.render(line, warning), markup=False, soft_wrap=True, highlight=False)
    warned = f", {len(reviewed.warnings)} warning(s)" if reviewed.warnings else ""
    console.print(
        f"{file}: valid (version {policy.version}, {len(policy.exceptions)} exception(s), "
        f"{len(reviewed.expired)} expired{warned})",
        markup=False,
        soft_wrap=True,
    )
    for exception in reviewed.expired:
        console.print(
            f"  expired: {exception.match!r} (owner {exception.owner}) "
            f"expired on {exception.expires.isoformat()} and no longer applies",
            markup=False,
            soft_wrap=True,
        )
    if strict and reviewed.warnings:
        raise typer.Exit(1)


@policy_app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the policy file (for editor completion and validation)."""
    import json

    from openaims.policy.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
