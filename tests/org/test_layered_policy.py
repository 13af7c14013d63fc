"""Policy precedence: the organisation policy applies to every repository; a repository's own
policy may add rules and exceptions but never removes an organisation rule."""

from __future__ import annotations

import datetime as dt

from openaims.discovery.interface import Finding, FindingKind
from openaims.policy.layered import Origin, evaluate_layered, with_exceptions
from openaims.policy.schema import PolicyException, parse_policy

TODAY = dt.date(2026, 6, 1)


def dependency(name: str, provider: str, path: str = "requirements.txt") -> Finding:
    return Finding(kind=FindingKind.DEPENDENCY, name=name, path=path, line=1, detector="pypi-requirements",
                   ecosystem="pypi", provider=provider)  # fmt: skip


def secret() -> Finding:
    return Finding(kind=FindingKind.SECRET, name="openai-api-key", path="app.py", line=3, detector="secrets",
                   provider="openai", redacted="sk-…abcd", fingerprint="f" * 16,
                   details={"key_type": "openai-api-key"})  # fmt: skip


ORG = parse_policy("version: 1\nproviders:\n  prohibited: [anthropic]\n")
FINDINGS = [dependency("anthropic", "anthropic"), dependency("openai", "openai")]


def statuses(result) -> dict[tuple[str, str], tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(v.rule.id, v.subject): (v.status.value, result.origin(v).value) for v in result.evaluation.violations}


def test_organisation_rule_applies_without_a_repository_policy() -> None:
    result = evaluate_layered(FINDINGS, organisation=ORG, repository=None, today=TODAY)
    assert statuses(result) == {("provider.prohibited", "provider:anthropic"): ("failing", "organisation")}
    assert result.failed


def test_repository_exception_does_not_excuse_an_organisation_rule() -> None:
    repo = parse_policy(
        "version: 1\nexceptions:\n  - match: provider:anthropic\n    owner: team\n    reason: we like it\n"
        "    expires: 2099-01-01\n"
    )
    result = evaluate_layered(FINDINGS, organisation=ORG, repository=repo, today=TODAY)
    assert statuses(result) == {("provider.prohibited", "provider:anthropic"): ("failing", "organisation")}


def test_repository_may_add_a_rule() -> None:
    repo = parse_policy("version: 1\nproviders:\n  prohibited: [openai]\n")
    result = evaluate_layered(FINDINGS, organisation=ORG, repository=repo, today=TODAY)
    assert statuses(result) == {
        ("provider.prohibited", "provider:anthropic"): ("failing", "organisation"),
        ("provider.prohibited", "provider:openai"): ("failing", "repository"),
    }


def test_repository_exception_excuses_its_own_rule() -> None:
    repo = parse_policy(
        "version: 1\nproviders:\n  prohibited: [openai]\nexceptions:\n  - match: provider:openai\n"
        "    owner: team\n    reason: migration\n    expires: 2099-01-01\n"
    )
    result = evaluate_layered(FINDINGS, organisation=ORG, repository=repo, today=TODAY)
    assert statuses(result)[("provider.prohibited", "provider:openai")] == ("excepted", "repository")


def test_repository_cannot_switch_off_organisation_secrets_block() -> None:
    repo = parse_policy("version: 1\nsecrets: off\n")
    org = parse_policy("version: 1\nsecrets: block\n")
    result = evaluate_layered([secret()], organisation=org, repository=repo, today=TODAY)
    assert statuses(result) == {("secret.hardcoded", "secret:openai-api-key"): ("failing", "organisation")}


def test_approved_exception_record_excuses_an_organisation_rule_until_it_expires() -> None:
    record = PolicyException(match="provider:anthropic", owner="ml", reason="pilot", expires=dt.date(2026, 12, 31),
                             id="PEX-1")  # fmt: skip
    org = with_exceptions(ORG, [record])
    result = evaluate_layered(FINDINGS, organisation=org, repository=None, today=TODAY)
    (violation,) = result.evaluation.violations
    assert (violation.status.value, violation.exception and violation.exception.id) == ("excepted", "PEX-1")
    later = evaluate_layered(FINDINGS, organisation=org, repository=None, today=dt.date(2027, 1, 1))
    assert [v.status.value for v in later.evaluation.violations] == ["expired-exception"]


def test_repository_baseline_accepts_only_repository_rules() -> None:
    repo = parse_policy("version: 1\nproviders:\n  prohibited: [anthropic, openai]\n")
    everything = evaluate_layered(FINDINGS, organisation=ORG, repository=repo, today=TODAY)
    accepted = {v.fingerprint for v in everything.evaluation.violations}
    result = evaluate_layered(FINDINGS, organisation=ORG, repository=repo, today=TODAY, baseline=accepted)
    assert statuses(result) == {
        ("provider.prohibited", "provider:anthropic"): ("failing", "organisation"),
        ("provider.prohibited", "provider:openai"): ("baselined", "repository"),
    }


def test_without_organisation_policy_the_repository_policy_alone_applies() -> None:
    repo = parse_policy("version: 1\nproviders:\n  prohibited: [openai]\n")
    result = evaluate_layered(FINDINGS, organisation=None, repository=repo, today=TODAY)
    assert statuses(result) == {("provider.prohibited", "provider:openai"): ("failing", "repository")}
    assert set(result.origins.values()) == {Origin.REPOSITORY}
