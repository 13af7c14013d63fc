"""The policy file: what it accepts, and errors that name the line to fix."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_testkit import REPO, SAMPLE_POLICY

from openaims.policy.schema import (
    Action,
    Mode,
    PolicyError,
    Severity,
    default_policy,
    load_policy,
    parse_policy,
    resolve_policy,
)
from openaims.policy.service import starter_policy


def test_the_issue_sample_is_accepted_unchanged() -> None:
    policy = parse_policy(SAMPLE_POLICY)
    assert policy.providers.mode is Mode.ALLOWLIST
    assert policy.providers.approved == ("openai", "anthropic", "azure-openai")
    assert policy.models.mode is Mode.DENYLIST
    assert policy.models.prohibited == ("gpt-3.5-*", "*-preview")
    assert policy.packages.prohibited == ("pypi:ollama", "npm:@xenova/*")
    assert policy.mcp_servers.approved == ("github", "playwright")
    assert policy.secrets is Action.BLOCK
    assert policy.unsafe_model_files is Action.BLOCK
    assert policy.agent_config is not None
    assert policy.agent_config.fail_at is Severity.HIGH
    (exception,) = policy.exceptions
    assert (exception.match, exception.owner, exception.expires) == (
        "pypi:torch",
        "ml-platform@example.com",
        date(2027, 6, 30),
    )


@pytest.mark.parametrize("name", ["strict.yaml", "lenient.yaml", "sample.yaml"])
def test_shipped_example_policies_are_valid(name: str) -> None:
    load_policy(REPO / "examples" / "policies" / name)


def test_sample_example_is_the_issue_sample() -> None:
    assert (REPO / "examples" / "policies" / "sample.yaml").read_text() == SAMPLE_POLICY


def test_starter_policy_is_valid_and_commented() -> None:
    text = starter_policy()
    policy = parse_policy(text)
    assert policy.agent_config is not None
    assert sum(1 for line in text.splitlines() if line.lstrip().startswith("#")) > 20


def test_built_in_default_blocks_keys_and_unsafe_model_files_only() -> None:
    policy = default_policy()
    assert (policy.secrets, policy.unsafe_model_files, policy.agent_config) == (
        Action.BLOCK,
        Action.BLOCK,
        None,
    )
    assert policy.providers.mode is Mode.DENYLIST
    assert not policy.packages.prohibited


def test_resolve_policy_prefers_explicit_then_root_file_then_default(tmp_path: Path) -> None:
    assert resolve_policy(tmp_path, None).source is None
    (tmp_path / "aims-policy.yaml").write_text("version: 1\nsecrets: warn\n")
    loaded = resolve_policy(tmp_path, None)
    assert loaded.source == tmp_path / "aims-policy.yaml"
    assert loaded.policy.secrets is Action.WARN
    other = tmp_path / "other.yaml"
    other.write_text("version: 1\nsecrets: 'off'\n")
    assert resolve_policy(tmp_path, other).policy.secrets is Action.OFF


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("off", Action.OFF),
        ("'off'", Action.OFF),
        ("no", Action.OFF),
        ("warn", Action.WARN),
        ("BLOCK", Action.BLOCK),
    ],
)
def test_yaml_booleans_read_as_actions(value: str, expected: Action) -> None:
    assert parse_policy(f"version: 1\nunsafe_model_files: {value}\n").unsafe_model_files is expected


def test_agent_config_off_and_shorthand() -> None:
    assert parse_policy("version: 1\nagent_config: off\n").agent_config is None
    shorthand = parse_policy("version: 1\nagent_config: medium\n").agent_config
    assert shorthand is not None
    assert shorthand.fail_at is Severity.MEDIUM


def test_severity_overrides_and_fail_on() -> None:
    policy = parse_policy("version: 1\nfail_on: [critical]\nseverity:\n  package.prohibited: Critical\n")
    assert policy.fail_on == (Severity.CRITICAL,)
    assert policy.severity == {"package.prohibited": Severity.CRITICAL}


INVALID = [
    ("", 1, "a policy is a mapping"),
    ("- a\n- b\n", 1, "a policy is a mapping"),
    ("providers: {}\n", 1, "version: missing; add 'version: 1'"),
    ("version: 2\n", 1, "version: policy version 2 is newer than this aims supports (1); upgrade aims"),
    ("version: one\n", 1, "version: must be a whole number"),
    ("version: 1\nprovider:\n  mode: allowlist\n", 2, "provider: unknown key; did you mean 'providers'?"),
    (
        "version: 1\nproviders:\n  mode: allowlist\n",
        2,
        "providers: mode allowlist needs at least one approved entry",
    ),
    (
        "version: 1\nproviders:\n  mode: whitelist\n  approved: [openai]\n",
        3,
        "providers.mode: must be one of: allowlist, denylist (got 'whitelist')",
    ),
    (
        "version: 1\nproviders:\n  approved: [openai]\n  aproved: [x]\n",
        4,
        "providers.aproved: unknown key; did you mean 'approved'?",
    ),
    (
        "version: 1\npackages:\n  prohibited:\n    - pypi:ollama\n    - pip:torch\n",
        5,
        "packages.prohibited[1]: unknown ecosystem 'pip' in 'pip:torch'",
    ),
    (
        "version: 1\nmcp_servers:\n  prohibited: ['url:x']\n",
        3,
        "mcp_servers.prohibited[0]: unknown prefix 'url'",
    ),
    ("version: 1\nsecrets: maybe\n", 2, "secrets: must be one of: block, warn, off (got 'maybe')"),
    ("version: 1\nfail_on: []\n", 2, "fail_on: fail_on needs at least one severity"),
    ("version: 1\nfail_on: [high, severe]\n", 2, "fail_on[1]: must be one of"),
    (
        "version: 1\nseverity:\n  package.prohibitted: low\n",
        2,
        "severity: unknown rule id 'package.prohibitted'; did you mean 'package.prohibited'?",
    ),
    (
        "version: 1\nexceptions:\n  - match: pypi:torch\n    owner: a@example.com\n    reason: r\n    expires: 2027-13-01\n",
        6,
        "exceptions[0].expires: must be a date as YYYY-MM-DD (got '2027-13-01')",
    ),
    (
        "version: 1\nexceptions:\n  - match: pypi:torch\n    reason: r\n    expires: 2027-01-01\n",
        3,
        "exceptions[0].owner: required key is missing",
    ),
    (
        "version: 1\nexceptions:\n  - match: pypi:torch\n    owner: ' '\n    reason: r\n    expires: 2027-01-01\n",
        4,
        "exceptions[0].owner: must not be blank",
    ),
    ("version: 1\nsecrets: block\nsecrets: warn\n", 3, "duplicate key 'secrets' (first at line 2)"),
    ("version: 1\nproviders: [\n", 3, "not valid YAML"),
]


@pytest.mark.parametrize(("text", "line", "message"), INVALID)
def test_invalid_policies_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "aims-policy.yaml")
    first = caught.value.problems[0]
    assert first.line == line
    assert first.render("aims-policy.yaml").startswith(f"aims-policy.yaml:{line}: {message}")
    assert caught.value.exit_code == 2
    assert f"aims-policy.yaml:{line}:" in caught.value.message


def test_over_long_patterns_are_refused_with_the_line() -> None:
    long = "x" * 1100
    text = (
        f"version: 1\nmodels:\n  prohibited: ['{long}']\nexceptions:\n  - match: 'a*'\n"
        f"    owner: o\n    reason: r\n    expires: 2999-01-01\n    paths: ['{long}']\n"
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.yaml")
    assert sorted((p.line, p.location) for p in caught.value.problems) == [
        (3, "models.prohibited[0]"),
        (9, "exceptions[0].paths"),
    ]
    assert "pattern of 1100 characters is longer than 1024; shorten it" in caught.value.message


def test_every_problem_is_reported_with_its_line() -> None:
    text = "version: 1\nsecrets: maybe\nmodels:\n  prohibited: [' ']\nextra: 1\n"
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.yaml")
    assert sorted((p.line, p.location) for p in caught.value.problems) == [
        (2, "secrets"),
        (4, "models.prohibited[0]"),
        (5, "extra"),
    ]
    assert "(and 2 more; run 'aims policy validate')" in caught.value.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_gives_a_policy_or_a_policy_error(text: str) -> None:
    problems = []
    try:
        parse_policy(text)
    except PolicyError as exc:
        problems = exc.problems
    assert all(p.line >= 1 for p in problems)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["version", "providers", "models", "secrets", "fail_on", "exceptions", "agent_config", "x"]
        ),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: (
                st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=6,
    )
)
def test_arbitrary_structures_never_crash_the_loader(data: dict[str, object]) -> None:
    import yaml

    problems = []
    try:
        parse_policy(yaml.safe_dump(data))
    except PolicyError as exc:
        problems = exc.problems
    assert all(p.line >= 1 for p in problems)


def _yaml_data(text: str) -> object:
    from openaims.policy.schema import POLICY_LIMITS
    from openaims.untrusted import read_yaml

    return read_yaml(text, limits=POLICY_LIMITS)


@pytest.mark.parametrize("name", ["strict.yaml", "lenient.yaml", "sample.yaml"])
def test_json_schema_accepts_the_shipped_policies(name: str) -> None:
    import jsonschema

    from openaims.policy.schema import json_schema

    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(_yaml_data((REPO / "examples" / "policies" / name).read_text()), schema)
    jsonschema.validate(_yaml_data(starter_policy()), schema)
    jsonschema.validate(_yaml_data("version: 1\nsecrets: off\nagent_config: high\n"), schema)


@pytest.mark.parametrize(
    "text", ["providers: {}\n", "version: 1\nprovider: {}\n", "version: 1\nsecrets: maybe\n", "version: 2\n"]
)
def test_json_schema_rejects_what_the_loader_rejects(text: str) -> None:
    import jsonschema

    from openaims.policy.schema import json_schema

    with pytest.raises(PolicyError):
        parse_policy(text)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_yaml_data(text), json_schema())
