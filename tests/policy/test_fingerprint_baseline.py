"""Fingerprints that survive line moves, and baselines that fail only on new violations."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_testkit import dep, frozen, mcp, model, secret, toy_source, workflow

from openaims.discovery.interface import Finding
from openaims.errors import UsageError
from openaims.policy import baseline as baselines
from openaims.policy.engine import detect
from openaims.policy.fingerprint import fingerprint
from openaims.policy.schema import parse_policy
from openaims.policy.service import CheckRequest, create_baseline, run_check

POLICY = parse_policy("version: 1\npackages:\n  prohibited: ['pypi:ollama', 'pypi:torch']\n")


def test_fingerprint_ignores_line_but_not_path_rule_or_subject() -> None:
    (a,) = detect([dep("ollama", line=1)], POLICY)
    (b,) = detect([dep("ollama", line=40)], POLICY)
    (c,) = detect([dep("ollama", path="other/requirements.txt")], POLICY)
    (d,) = detect([dep("torch")], POLICY)
    assert a.fingerprint == b.fingerprint
    assert len({a.fingerprint, c.fingerprint, d.fingerprint}) == 3


def test_fingerprint_is_stable_across_releases() -> None:
    # Pinned: changing it would turn every baselined violation into a new one.
    assert fingerprint("package.prohibited", "requirements.txt", "pypi:ollama") == fingerprint(
        "package.prohibited", "requirements.txt", "  PYPI:Ollama "
    )
    assert (
        fingerprint("package.prohibited", "requirements.txt", "pypi:ollama")
        == "0dbf385df6ca9555245ade5340391dee"
    )


def test_secret_fingerprint_follows_the_key_not_the_line() -> None:
    policy = parse_policy("version: 1\n")
    (a,) = detect([secret(line=3, fp="1" * 16)], policy)
    (b,) = detect([secret(line=9, fp="1" * 16)], policy)
    (c,) = detect([secret(line=3, fp="2" * 16)], policy)
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_baseline_round_trip() -> None:
    violations = detect([dep("ollama"), dep("torch", line=2)], POLICY)
    baseline = baselines.from_violations(violations, now=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    text = baselines.dumps(baseline)
    doc = json.loads(text)
    assert doc["version"] == 1
    assert doc["created"] == "2026-11-23T10:00:00Z"
    assert [(v["rule"], v["subject"]) for v in doc["violations"]] == [
        ("package.prohibited", "pypi:ollama"),
        ("package.prohibited", "pypi:torch"),
    ]
    assert baselines.loads(text) == baseline


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "b.json:1: not valid JSON"),
        ("{\"version\": 1, \"version\": 1}", "b.json:1: duplicate key 'version'"),
        ("[]", "b.json: a baseline is a JSON object"),
        ('{"violations": []}', "b.json: baseline has no valid 'version'"),
        (
            '{"version": 9, "violations": []}',
            "b.json: baseline version 9 is newer than this aims reads (1); upgrade aims",
        ),
        (
            '{"version": 1, "violations": [{"rule": "x"}]}',
            "b.json: violations[0] needs a 'fingerprint' string",
        ),
    ],
)
def test_bad_baselines_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        baselines.loads(text, "b.json")
    assert caught.value.message.startswith(message)


def test_baseline_create_then_only_new_violations_fail(tmp_path: Path) -> None:
    (tmp_path / "aims-policy.yaml").write_text("version: 1\npackages:\n  prohibited: ['pypi:*']\n")
    (tmp_path / "deps.txt").write_text("ollama\ntorch\n")
    request = CheckRequest(root=tmp_path, clock=frozen(date(2026, 11, 23)), source=toy_source)
    baseline, report = create_baseline(request)
    assert report.failed
    target = tmp_path / baselines.DEFAULT_BASELINE_FILE
    baselines.write(baseline, target)

    # Lines move and a new prohibited package arrives: only the new one fails.
    (tmp_path / "deps.txt").write_text("openai\ncohere\ntorch\nollama\n")
    after = run_check(
        CheckRequest(root=tmp_path, baseline_file=target, clock=request.clock, source=toy_source)
    )
    assert {(v.subject, v.status.value) for v in after.evaluation.violations} == {
        ("pypi:openai", "failing"),
        ("pypi:cohere", "failing"),
        ("pypi:torch", "baselined"),
        ("pypi:ollama", "baselined"),
    }
    (tmp_path / "deps.txt").write_text("torch\nollama\n")
    assert (
        run_check(
            CheckRequest(root=tmp_path, baseline_file=target, clock=request.clock, source=toy_source)
        ).exit_code
        == 0
    )


def test_baseline_leaves_excepted_violations_to_their_exception(tmp_path: Path) -> None:
    (tmp_path / "aims-policy.yaml").write_text(
        "version: 1\npackages:\n  prohibited: ['pypi:*']\nexceptions:\n"
        "  - {match: 'pypi:torch', owner: o, reason: r, expires: 2026-12-31}\n"
    )
    (tmp_path / "deps.txt").write_text("ollama\ntorch\n")
    baseline, _ = create_baseline(
        CheckRequest(root=tmp_path, clock=frozen(date(2026, 11, 23)), source=toy_source)
    )
    assert [e.subject for e in baseline.entries] == ["pypi:ollama"]


FINDING_MAKERS: dict[str, Callable[[int], Finding]] = {
    "dependency": lambda line: dep("ollama", line=line),
    "secret": lambda line: secret(line=line),
    "mcp": lambda line: mcp("shell", package="mcp-shell@1.0.0", line=line),
    "model": lambda line: model("gpt-3.5-turbo", "openai", line=line),
    "workflow": lambda line: workflow("evil/ai-action@v1", line=line),
}
EVERYTHING = parse_policy(
    "version: 1\npackages:\n  prohibited: ['pypi:ollama']\nmcp_servers:\n  prohibited: [shell]\n"
    "models:\n  prohibited: ['gpt-3.5-*']\nci_actions:\n  prohibited: ['evil/*']\n"
)


@settings(max_examples=50, deadline=None)
@given(kind=st.sampled_from(sorted(FINDING_MAKERS)), a=st.integers(1, 10_000), b=st.integers(1, 10_000))
def test_no_fingerprint_depends_on_the_line(kind: str, a: int, b: int) -> None:
    make = FINDING_MAKERS[kind]
    first = detect([make(a)], EVERYTHING)
    second = detect([make(b)], EVERYTHING)
    assert first
    assert [v.fingerprint for v in first] == [v.fingerprint for v in second]


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=300)
    | st.builds(
        json.dumps,
        st.recursive(
            st.none() | st.integers() | st.text(max_size=5),
            lambda c: (
                st.lists(c, max_size=3)
                | st.dictionaries(
                    st.sampled_from(["version", "violations", "fingerprint", "line"]), c, max_size=3
                )
            ),
            max_leaves=10,
        ),
    )
)
def test_baseline_parser_gives_a_baseline_or_a_usage_error(text: str) -> None:
    try:
        baselines.loads(text, "b.json")
    except UsageError as exc:
        message = exc.message
    else:
        message = "b.json"
    assert message.startswith("b.json")
