"""``aims check``: judge a tree (or what changed) against the AI policy."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from openaims.cli.console import console, err_console, scan_progress
from openaims.cli.scan import FILE_TIMEOUT_OPTION, TIMEOUT_OPTION, check_budgets
from openaims.errors import UsageError
from openaims.policy.outputs import OutputFormat, render

if TYPE_CHECKING:
    from openaims.policy.service import CheckReport


def write_output(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"cannot write {path}: its directory does not exist") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def emit(report: CheckReport, fmt: OutputFormat, output: Path | None) -> None:
    """Render the report; with ``output`` the file gets ``fmt`` and the terminal the summary."""
    from openaims.policy.outputs.common import verdict
    from openaims.policy.outputs.text import print_report

    if output is not None:
        write_output(output, render(report, fmt))
        if fmt is OutputFormat.TEXT:
            err_console.print(verdict(report), markup=False, soft_wrap=True)
        else:
            print_report(report, console)
            console.print(f"Wrote {fmt.value} report to {output}", markup=False, soft_wrap=True)
        return
    if fmt is OutputFormat.TEXT:
        print_report(report, console)
    else:
        sys.stdout.write(render(report, fmt))
        sys.stdout.flush()


def check(
    path: Path = typer.Argument(
        Path("."), help="Root of the tree to check (a repository or a directory).", envvar="AIMS_CHECK_PATH"
    ),
    policy: Path | None = typer.Option(
        None,
        "--policy",
        "-p",
        envvar="AIMS_POLICY",
        help="Policy file. Default: aims-policy.yaml at PATH, else the built-in default policy.",
    ),
    fmt: OutputFormat = typer.Option(
        OutputFormat.TEXT,
        "--format",
        "-f",
        envvar="AIMS_CHECK_FORMAT",
        case_sensitive=False,
        help="Report format: text, json, sarif (code scanning), junit (CI test reports), "
        "github (workflow annotations).",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        envvar="AIMS_CHECK_OUTPUT",
        help="Write the report to this file (the terminal still shows the summary).",
    ),
    diff_base: str | None = typer.Option(
        None,
        "--diff-base",
        envvar="AIMS_DIFF_BASE",
        help="Git revision: judge only files changed since it; violations already there are 'existing'.",
    ),
    staged: bool = typer.Option(
        False,
        "--staged",
        envvar="AIMS_STAGED",
        help="Judge what is staged for commit (the index), not the work tree; --diff-base defaults to HEAD. "
        "For pre-commit hooks.",
    ),
    baseline: Path | None = typer.Option(
        None,
        "--baseline",
        envvar="AIMS_BASELINE",
        help="Baseline file (from 'aims baseline create'): violations in it do not fail.",
    ),
    allow_unparsed: bool = typer.Option(
        False,
        "--allow-unparsed",
        envvar="AIMS_ALLOW_UNPARSED",
        help="Manifests or lock files that cannot be read fully (a <!DOCTYPE>, too deep, bad syntax) "
        "are reported as warnings instead of failing the check.",
    ),
    timeout: float | None = TIMEOUT_OPTION,
    file_timeout: float = FILE_TIMEOUT_OPTION,
    push: str | None = typer.Option(
        None,
        "--push",
        metavar="URL",
        envvar="AIMS_SERVER_URL",
        help="Send the result to this OpenAIMS server (token in AIMS_TOKEN, a 'ci' account's) and judge the "
        "tree by the organisation policy in force there too.",
    ),
    org_policy: Path | None = typer.Option(
        None,
        "--org-policy",
        envvar="AIMS_ORG_POLICY",
        help="Organisation policy file to judge the tree by as well (default with --push: the server's).",
    ),
    repository: str | None = typer.Option(
        None,
        "--repository",
        envvar="AIMS_REPOSITORY",
        help="Repository name the result is recorded under (default: GITHUB_REPOSITORY, CI_PROJECT_PATH, "
        "else the folder name).",
    ),
) -> None:
    """Check AI use against the policy. Exit 0: nothing fails; 1: a violation fails; 2: usage error."""
    from openaims.policy.schema import load_policy
    from openaims.policy.service import CheckRequest, run_check

    check_budgets(timeout, file_timeout)
    token = ""
    organisation = None
    organisation_source: str | None = None
    policy_version: str | None = None
    if push:
        from openaims.settings import load_settings

        secret = load_settings().token
        token = secret.get_secret_value().strip() if secret is not None else ""
        if not token:
            raise UsageError(
                "--push needs AIMS_TOKEN: the API token of a 'ci' account (aims user token NAME -s scan:push)"
            )
    if org_policy is not None:
        organisation, organisation_source = load_policy(org_policy), str(org_policy)
    elif push:
        from openaims.org.client import organisation_policy

        served = organisation_policy(push, token)
        if served is not None:
            organisation, organisation_source, policy_version = served.policy, served.version, served.version
    with scan_progress() as progress:
        report = run_check(
            CheckRequest(
                root=path,
                policy_file=policy,
                diff_base=diff_base,
                staged=staged,
                baseline_file=baseline,
                progress=progress,
                allow_unparsed=allow_unparsed,
                timeout=timeout,
                file_timeout=file_timeout or None,
                organisation=organisation,
                organisation_source=organisation_source,
            )
        )
    emit(report, fmt, output)
    if push:
        from openaims.org import client

        name = repository or client.repository_name(report.root)
        body = client.payload(report, repository=name, commit=client.commit_of(report.root),
                              policy_version=policy_version)  # fmt: skip
        answer = client.push(push, token, body)
        err_console.print(
            f"Pushed the check result of {name} to {push} (result {answer.get('id', '?')}: "
            f"{answer.get('new', 0)} new, {answer.get('remediated', 0)} remediated violations)",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
