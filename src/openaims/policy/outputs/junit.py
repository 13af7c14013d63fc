"""JUnit XML (for CI test report views): one suite per rule, one case per violation.

Failing violations are failures; existing, baselined and excepted ones are
skipped with the reason; a rule without violations passes as one case.
"""

from __future__ import annotations

from defusedxml import minidom
from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

from openaims.policy.engine import Status, Violation
from openaims.policy.outputs.common import enabled_rules, exception_line, location
from openaims.policy.rules import AGENT_CONFIG_PREFIX
from openaims.policy.service import CheckReport
from openaims.untrusted.display import printable as _xml


def _case(v: Violation) -> TestCase:
    # Every text goes through _xml: a file name's control characters are not allowed in XML.
    case = TestCase(name=_xml(f"{location(v.path, v.line)} {v.subject}"), classname=_xml(v.rule.id))
    if v.status.fails:
        failure = Failure(_xml(v.message), v.severity.value)
        text = v.rule.help
        if v.status is Status.EXPIRED_EXCEPTION and v.exception is not None:
            text = (
                f"The exception for it (owner {v.exception.owner}) expired on {v.exception.expires}. {text}"
            )
        failure.text = _xml(text)
        case.result = [failure]
    elif v.status is Status.WARNING:
        case.system_out = _xml(f"warning ({v.severity.value}): {v.message}")
    else:
        reason = v.status.value
        if v.status is Status.EXCEPTED and v.exception is not None:
            reason = f"excepted until {v.exception.expires} (owner {v.exception.owner}): {v.exception.reason}"
        case.result = [Skipped(_xml(f"{reason}: {v.message}"))]
    return case


def render(report: CheckReport) -> str:
    xml = JUnitXml("aims check")
    by_rule: dict[str, list[Violation]] = {}
    for v in report.evaluation.violations:
        by_rule.setdefault(v.rule.id, []).append(v)
    suites = [r.id for r in enabled_rules(report.policy.policy)]
    if report.policy.policy.agent_config is not None and not any(
        rule_id.startswith(AGENT_CONFIG_PREFIX) for rule_id in by_rule
    ):
        suites.append(AGENT_CONFIG_PREFIX.rstrip("."))
    for rule_id in by_rule:
        if rule_id not in suites:
            suites.append(rule_id)
    for rule_id in suites:
        suite = TestSuite(_xml(rule_id))
        violations = by_rule.get(rule_id, [])
        for v in violations:
            suite.add_testcase(_case(v))
        if not violations:
            suite.add_testcase(TestCase(name="no violations", classname=rule_id))
        xml.add_testsuite(suite)
    if report.evaluation.exceptions:
        suite = TestSuite("policy.exceptions")
        for use in report.evaluation.exceptions:
            case = TestCase(
                name=_xml(f"exception #{use.index + 1} {use.exception.match}"), classname="policy.exceptions"
            )
            case.system_out = _xml(exception_line(use))
            suite.add_testcase(case)
        xml.add_testsuite(suite)
    xml.update_statistics()  # type: ignore[no-untyped-call]
    body: bytes = xml.tostring()  # type: ignore[no-untyped-call]
    pretty: bytes = minidom.parseString(body.decode("utf-8")).toprettyxml(indent="  ", encoding="utf-8")
    return pretty.decode("utf-8")
