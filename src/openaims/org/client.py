"""``aims check --push``: the client side of the server's organisation API.

It reads the organisation policy in force (``GET /api/v1/org/policy``) so that a CI job
judges its repository the way the organisation scan does, and sends the check result
(``POST /api/v1/checks``) with a narrow ``ci`` account's token (scope ``scan:push``). The
token goes in the ``Authorization`` header only and never into a message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from openaims.errors import UsageError
from openaims.org.interface import scrub
from openaims.policy.schema import Policy, parse_policy
from openaims.policy.service import CheckReport
from openaims.untrusted import InputError, Limits, read_json

TIMEOUT_S: Final = 30.0
_ANSWER_LIMITS: Final = Limits(max_bytes=4 * 1024 * 1024, max_depth=32, max_elements=200_000)


class PushError(UsageError):
    """The server could not be reached, refused the token, or refused the result."""


@dataclass(frozen=True, slots=True)
class ServerPolicy:
    policy: Policy
    version: str


def _base(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise UsageError(f"--push takes the server's URL, such as https://aims.example.com, not {scrub(url)!r}")
    if "@" in parts.netloc:
        raise UsageError("--push: give the token in AIMS_TOKEN, not in the URL")
    return url.rstrip("/")


def _client(token: str) -> Any:
    import httpx

    return httpx.Client(timeout=TIMEOUT_S, follow_redirects=False,
                        headers={"Authorization": f"Bearer {token}", "User-Agent": "openaims"})  # fmt: skip


def _answer(response: Any, what: str, token: str) -> Any:
    status = int(response.status_code)
    detail = ""
    try:
        body = read_json(response.content, "server answer", limits=_ANSWER_LIMITS)
        if isinstance(body, dict):
            found = body.get("message") or body.get("detail") or body.get("error") or ""
            if isinstance(found, dict):
                found = found.get("message") or ""
            detail = str(found)
    except InputError:
        body = None
    if status in {401, 403}:
        raise PushError(f"the server refused to {what} ({status}): {scrub(detail, [token]) or 'check AIMS_TOKEN'}; "
                        "use the token of a 'ci' account with the scan:push scope")  # fmt: skip
    if status >= 400:
        raise PushError(f"the server could not {what} ({status}): {scrub(detail, [token]) or 'no reason given'}")
    return body


def _call(method: str, url: str, token: str, what: str, **kwargs: Any) -> Any:
    import httpx

    try:
        with _client(token) as client:
            return client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        where = urlsplit(url).netloc
        raise PushError(f"cannot reach {where} to {what}: {scrub(str(exc) or type(exc).__name__, [token])}") from None


def organisation_policy(url: str, token: str) -> ServerPolicy | None:
    """The organisation policy in force on the server (None when none is approved yet)."""
    response = _call("GET", f"{_base(url)}/api/v1/org/policy", token, "read the organisation policy")
    if response.status_code == 404:
        return None
    body = _answer(response, "read the organisation policy", token)
    if not isinstance(body, dict) or not isinstance(body.get("content"), str):
        raise PushError("the server's organisation policy answer is not what this version of aims reads")
    version = str(body.get("version") or "organisation policy")
    return ServerPolicy(parse_policy(body["content"], f"organisation policy {version}"), version)


def repository_name(root: Path) -> str:
    """The repository's name as the organisation scan names it: the CI's own variable when
    there is one (GitHub ``GITHUB_REPOSITORY``, GitLab ``CI_PROJECT_PATH``), else the folder."""
    for variable in ("GITHUB_REPOSITORY", "CI_PROJECT_PATH", "BUILD_REPOSITORY_NAME", "BITBUCKET_REPO_FULL_NAME"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    return root.resolve().name


def commit_of(root: Path) -> str | None:
    """The commit checked: the CI's variable, else the repository's HEAD."""
    for variable in ("GITHUB_SHA", "CI_COMMIT_SHA", "BUILD_SOURCEVERSION"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    from openaims.discovery import safegit

    try:
        head = safegit.run(root, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    except safegit.GitError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.decode().strip() or None


def payload(report: CheckReport, *, repository: str, commit: str | None, policy_version: str | None) -> dict[str, Any]:
    """The check result as ``POST /api/v1/checks`` takes it."""
    layered = report.layered
    violations = []
    for violation in report.evaluation.violations:
        exception = violation.exception
        origin = layered.origin(violation).value if layered is not None else "repository"
        excepted_by = None
        if exception is not None:
            excepted_by = exception.id or ("aims-policy.yaml" if origin == "repository" else "organisation policy")
        violations.append({
            "rule": violation.rule.id, "severity": violation.severity.value, "status": violation.status.value,
            "subject": violation.subject[:400], "path": violation.path[:2000], "line": violation.line,
            "fingerprint": violation.fingerprint, "message": violation.message[:2000], "origin": origin,
            "excepted_by": excepted_by,
            "exception_expires": exception.expires.isoformat() if exception is not None else None,
        })  # fmt: skip
    return {
        "repository": repository, "commit": commit, "complete": report.diff_base is None,
        "findings": report.findings, "policy_version": policy_version,
        "violations": violations[:5000],
    }  # fmt: skip


def push(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    """Send a check result; the server's answer (id, counts)."""
    response = _call("POST", f"{_base(url)}/api/v1/checks", token, "record the check result", json=body)
    answer = _answer(response, "record the check result", token)
    return answer if isinstance(answer, dict) else {}
