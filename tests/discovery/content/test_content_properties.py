"""Property tests: notebook extraction and every content detector accept any
input without raising, and never put a secret value into a finding."""

from __future__ import annotations

import json

import pytest
from content_testkit import MemoryFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openaims.discovery.detectors.imports import (
    CSharpImports,
    GoImports,
    JavaImports,
    JavaScriptImports,
    PythonImports,
    RubyImports,
    RustImports,
)
from openaims.discovery.detectors.models import ModelReferences, classify
from openaims.discovery.detectors.secrets import ProviderSecrets
from openaims.discovery.interface import Detector
from openaims.discovery.notebook import code_cells

DETECTORS: list[tuple[Detector, tuple[str, ...]]] = [
    (PythonImports(), ("a.py", "n.ipynb")),
    (JavaScriptImports(), ("a.ts", "c.vue")),
    (GoImports(), ("m.go",)),
    (JavaImports(), ("A.java", "A.kt")),
    (CSharpImports(), ("P.cs",)),
    (RustImports(), ("m.rs",)),
    (RubyImports(), ("b.rb",)),
    (ModelReferences(), ("app.py", "c.yaml", ".env", "n.ipynb", "x.json", "m.go")),
    (ProviderSecrets(), (".env", "n.ipynb", "x.json")),
]

# Pieces that steer random text into the detectors' interesting paths.
FRAGMENTS = [
    "import ",
    "from ",
    " as ",
    "require(",
    "import(",
    "use ",
    "using ",
    "extern crate ",
    "(",
    ")",
    "{",
    "}",
    "'",
    '"',
    "`",
    "\\",
    "#",
    "//",
    "/*",
    "*/",
    "\n",
    ",",
    ";",
    "=",
    ":",
    "openai",
    "anthropic",
    "@langchain/core",
    "github.com/sashabaranov/go-openai",
    "dev.langchain4j",
    "Azure.AI.OpenAI",
    "async_openai",
    "gpt-4o",
    "claude-3-5-sonnet-20241022",
    "from_pretrained(",
    "pipeline(",
    "model=",
    "azure/",
    "bedrock/",
    "us.anthropic.",
    "sk-",
    "proj-",
    "T3BlbkFJ",
    "hf_",
    "AIza",
    "AKIA",
    "AZURE_OPENAI_KEY=",
    "xoxb-",
    "<script>",
    "</script>",
    '{"cells": [',
    '"source": [',
    '"cell_type": "code"',
    "%%bash",
    "!pip",
]
steered = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=2000), steered)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text)
def test_code_cells_never_raise(text: str) -> None:
    for cell in code_cells(text):
        assert len(cell.lines) == cell.source.count("\n") + 1
        cell.python_source()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
cells = st.lists(
    st.fixed_dictionaries(
        {
            "cell_type": st.sampled_from(["code", "markdown", "raw", 3]),
            "source": st.one_of(st.lists(st.text(max_size=40), max_size=8), st.text(max_size=100), json_values),
        }
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(cells=cells, indent=st.sampled_from([None, 1, 2]), ascii_only=st.booleans())
def test_code_cells_of_notebook_shaped_json(
    cells: list[dict[str, object]], indent: int | None, ascii_only: bool
) -> None:
    text = json.dumps({"cells": cells, "metadata": {}}, indent=indent, ensure_ascii=ascii_only)
    out = code_cells(text)
    n_lines = text.count("\n") + 1
    for cell in out:
        assert all(1 <= line <= n_lines for line in cell.lines)
        assert list(cell.lines) == sorted(cell.lines)


@pytest.mark.parametrize(("detector", "names"), DETECTORS, ids=[d.id for d, _ in DETECTORS])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text, raw=st.binary(max_size=300))
def test_detectors_never_raise(detector: Detector, names: tuple[str, ...], text: str, raw: bytes) -> None:
    for name in names:
        for content in (text, raw):
            findings = list(detector.scan(MemoryFile(name, content)))
            for finding in findings:
                assert finding.path == name
                assert finding.line is not None
                assert finding.line >= 1
                json.dumps(finding.to_dict())


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=250), key=st.one_of(st.none(), st.text(max_size=20)))
def test_classify_never_raises(value: str, key: str | None) -> None:
    ref = classify(value, key)
    if ref is not None:
        assert ref.model_id == ref.model_id.lower()


@settings(max_examples=100, deadline=None)
@given(
    body=st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", min_size=40, max_size=200
    ),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
)
def test_no_secret_substring_in_findings(body: str, before: str, after: str) -> None:
    value = "sk-" + "proj-" + body
    text = f"{before}\nKEY={value}\n{after}"
    for finding in ProviderSecrets().scan(MemoryFile(".env", text)):
        out = json.dumps(finding.to_dict())
        assert not any(value[i : i + 12] in out for i in range(len(value) - 11))
