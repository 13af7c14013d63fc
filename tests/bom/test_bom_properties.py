"""Whatever a hostile tree makes the detectors report, the BOMs stay valid."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.bom.bom_sample import SERIAL, TIMESTAMP

from openaims.bom.cyclonedx import render_cyclonedx
from openaims.bom.spdx import render_spdx
from openaims.discovery.interface import Finding, FindingKind

_text = st.text(min_size=1, max_size=40)
_details = st.fixed_dictionaries(
    {},
    optional={
        "package": _text,
        "model_id": _text,
        "hub": st.sampled_from(["huggingface", None]),
        "loader": _text,
        "via": _text,
        "transport": st.sampled_from(["stdio", "http", "sse", "weird"]),
        "url": _text,
        "env": st.lists(_text, max_size=3),
        "headers": st.lists(_text, max_size=2),
        "sha256": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64) | _text,
        "size": st.integers(min_value=0, max_value=2**40),
        "dangerous_globals": st.lists(_text, max_size=2),
        "uses": _text,
        "image": _text,
        "job": _text,
        "secrets": st.lists(_text, max_size=2),
        "registry": st.sampled_from(["npm", "pypi", "gem"]),
        "package_name": _text,
        "package_version": _text,
    },
)
_finding = st.builds(
    Finding,
    kind=st.sampled_from(list(FindingKind)),
    name=_text,
    path=_text,
    line=st.none() | st.integers(min_value=1, max_value=10**6),
    detector=st.just("test"),
    ecosystem=st.none() | st.sampled_from(["pypi", "npm", "golang", "maven", "cargo", "nuget", "gem", "conda"]),
    version=st.none() | _text,
    provider=st.none() | st.sampled_from(["openai", "azure-openai", "huggingface", "other", "not-a-provider"]),
    category=st.none() | st.sampled_from(["llm-api", "embedding", "vector-store", "x"]),
    format=st.none() | st.sampled_from(["pickle", "numpy", "safetensors"]),
    unsafe=st.none() | st.booleans(),
    details=_details,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(findings=st.lists(_finding, max_size=6), version=st.sampled_from(["1.6", "1.7"]))
def test_any_findings_give_valid_cyclonedx(findings: list[Finding], version: str) -> None:
    for fmt in ("json", "xml"):
        # render_cyclonedx validates before returning and raises if the document is invalid
        render_cyclonedx(
            findings, root_name="t", spec_version=version, fmt=fmt, serial_number=SERIAL, timestamp=TIMESTAMP
        )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(findings=st.lists(_finding, max_size=6))
def test_any_findings_give_loadable_spdx(findings: list[Finding]) -> None:
    json.loads(render_spdx(findings, root_name="t", document_id=SERIAL, timestamp=TIMESTAMP))
