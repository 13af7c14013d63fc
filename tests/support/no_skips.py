"""``--no-skips``: a run in which a test was skipped fails (``make test`` uses it).

Tests that need PostgreSQL or Chromium skip when the server or browser is missing; in
``make test`` and CI that must be a failure, never a quiet pass.
"""

from __future__ import annotations

import pytest

# ------------------------------------------------------------------ no silent skips
#: Skips with this reason prefix are allowed with --no-skips (a wheel that does not exist
#: for the machine's platform, say); everything else a skip would hide is a failure.
PLATFORM_SKIP = "not on this platform:"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-skips",
        action="store_true",
        default=False,
        help="Fail the run when a test is skipped (a missing PostgreSQL or Chromium must not pass silently).",
    )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not session.config.getoption("--no-skips"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = []
    for report in reporter.stats.get("skipped", []):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if reason.removeprefix("Skipped: ").startswith(PLATFORM_SKIP):
            continue
        skipped.append(f"{report.nodeid}: {reason}")
    if skipped:
        reporter.write_sep("=", f"{len(skipped)} skipped test(s) with --no-skips: the run fails", red=True)
        for line in skipped[:50]:
            reporter.write_line(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
