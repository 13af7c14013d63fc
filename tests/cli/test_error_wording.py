"""One wording and one exit-code policy for refused input, across commands.

Bad input (a value of the wrong form, a missing field, an unknown choice) exits 2;
a business rule refusing a well-formed change exits 1. Either way the user gets one
line that names the field as a form labels it and says what is allowed, never the
validator's own phrases or the field's internal name.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

AIMS = [sys.executable, "-m", "openaims"]
Outcome = subprocess.CompletedProcess[str]

#: Phrases of pydantic and Click internals a user must never read.
VALIDATOR_PHRASES = ("Input should", "Field required", "Value error", "valid integer", "unable to parse", "<str>")
#: A word with an underscore (``inherent_likelihood``): a field's internal name.
INTERNAL_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _run(args: Sequence[str], cwd: Path) -> Outcome:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env["AIMS_ACTOR"] = "tester"
    return subprocess.run(
        [*AIMS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )


#: (command line, exit code, the whole message after "aims: error: ").
CASES: list[tuple[list[str], int, str]] = [
    (
        ["risk", "add", "--title", "Drift", "--inherent-likelihood", "abc"],
        2,
        "invalid risk: Inherent likelihood must be a whole number (got 'abc')",
    ),
    (
        ["risk", "add", "--title", "Drift", "--inherent-likelihood", "7", "--inherent-impact", "2"],
        2,
        "invalid risk: Inherent likelihood must be 1 to 5 on the likelihood scale of METHOD-1 (got 7)",
    ),
    (
        ["risk", "add", "--title", "Drift", "--review-on", "next week"],
        2,
        "invalid risk: Review on must be a date as YYYY-MM-DD (got 'next week')",
    ),
    (["risk", "add", "--owner", "ada"], 2, "invalid risk: Title is required"),
    (
        ["system", "add", "--name", "Scorer", "--lifecycle-stage", "flying"],
        2,
        "invalid system: Lifecycle stage must be one of: inception, design, development, verification, "
        "deployment, operation, retirement (got 'flying')",
    ),
    (
        ["system", "add", "--name", "Scorer", "--dataset-ids", "DATA-404"],
        2,
        "invalid system: Dataset IDs: DATA-404 does not exist",
    ),
    (
        ["risk", "add", "--title", "Drift", "--status", "forgotten"],
        2,
        "invalid risk: Status must be one of: identified, assessed, treated, accepted, closed (got 'forgotten')",
    ),
    (["risk", "list", "--limit", "0"], 2, "invalid risk: Limit must be 1 to 1000"),
    (
        ["audit-programme", "add", "--title", "2026", "--period-start", "2026-05-01", "--period-end", "2026-04-01"],
        2,
        "invalid audit programme: Period end must be after the period start 2026-05-01",
    ),
    # Rule refusals of well-formed changes: exit 1, fields named by their labels.
    (
        ["system", "update", "SYS-1", "--version", "1", "--status", "active"],
        1,
        "SYS-1 cannot be 'active' without Owner, Purpose, Intended use; set them in the same update",
    ),
    (
        ["risk", "update", "RISK-1", "--version", "1", "--status", "treated"],
        1,
        "RISK-1 cannot move from 'identified' to 'treated'; allowed next: assessed, closed",
    ),
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[Outcome]:
    where = tmp_path_factory.mktemp("wording")
    for args in (["init"], ["system", "add", "--name", "Scorer"], ["risk", "add", "--title", "Drift"]):
        assert _run(args, where).returncode == 0
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda case: _run(case[0], where), CASES))


@pytest.mark.parametrize("index", range(len(CASES)), ids=[" ".join(c[0][:3]) for c in CASES])
def test_refusals_are_one_plain_line_with_the_policy_exit_code(outcomes: list[Outcome], index: int) -> None:
    _args, code, message = CASES[index]
    out = outcomes[index]
    assert (out.returncode, out.stderr) == (code, f"aims: error: {message}\n")
    assert not any(phrase in out.stderr for phrase in VALIDATOR_PHRASES)
    assert INTERNAL_NAME.search(out.stderr) is None, INTERNAL_NAME.search(out.stderr)
