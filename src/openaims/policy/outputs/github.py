"""GitHub Actions workflow commands: annotations on the pull request's files.

Failing violations are ``::error``, warnings ``::warning``; applied and expired
exceptions are ``::notice`` / ``::warning`` so they stay visible in review.
Existing and baselined violations are not annotated (the change did not add them).
"""

from __future__ import annotations

from openaims.policy.engine import ExceptionState, Status, Violation
from openaims.policy.outputs.common import exception_line, verdict
from openaims.policy.service import CheckReport
from openaims.untrusted.display import printable


def escape_data(value: str) -> str:
    """A workflow command's data: ``%``, CR and LF encoded, other control characters (a file
    name's terminal escapes, which the log would render) escaped visibly."""
    encoded = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(encoded)


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, message: str, *, file: str | None = None, line: int | None = None, title: str) -> str:
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
        if line:
            props.append(f"line={line}")
    props.append(f"title={escape_property(title)}")
    return f"::{name} {','.join(props)}::{escape_data(message)}"


def _annotation(v: Violation) -> str | None:
    title = f"{v.rule.title} ({v.rule.id}, {v.severity.value})"
    if v.status is Status.FAILING:
        return _command("error", v.message + "\n" + v.rule.help, file=v.path, line=v.line, title=title)
    if v.status is Status.EXPIRED_EXCEPTION:
        assert v.exception is not None
        message = (
            f"{v.message}\nThe exception for it (owner {v.exception.owner}) expired on {v.exception.expires}."
        )
        return _command("error", message, file=v.path, line=v.line, title=title)
    if v.status is Status.WARNING:
        return _command("warning", v.message, file=v.path, line=v.line, title=title)
    if v.status is Status.EXCEPTED:
        assert v.exception is not None
        e = v.exception
        message = f"{v.message}\nExcepted until {e.expires} (owner {e.owner}): {e.reason}"
        return _command("notice", message, file=v.path, line=v.line, title=f"Excepted: {title}")
    return None


def render(report: CheckReport) -> str:
    lines = [a for a in (_annotation(v) for v in report.evaluation.violations) if a is not None]
    for use in report.evaluation.exceptions:
        if use.state is ExceptionState.EXPIRED:
            lines.append(_command("warning", exception_line(use), title="Expired policy exception"))
    lines.extend(printable(note) for note in report.notes)
    lines.append(verdict(report))
    return "\n".join(lines) + "\n"
