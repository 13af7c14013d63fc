"""Red-team result parsers: real-format files give pass/fail per category; anything else is one line naming the format.

``examples/redteam/promptfoo-results.json`` was written by promptfoo 0.121.20 itself, offline
(its ``echo`` provider, ``examples/redteam/promptfooconfig.yaml``). garak needs a model and
PyTorch, so ``examples/redteam/garak.report.jsonl`` is built from garak's documented report
format (the entry types and ``eval`` fields its evaluator writes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openaims.redteam import ResultFormat, ResultFormatError, detect, parse_results, threats_for

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "redteam"
PROMPTFOO = EXAMPLES / "promptfoo-results.json"
GARAK = EXAMPLES / "garak.report.jsonl"


def _summary(path: Path) -> dict[str, tuple[int, int]]:
    results = parse_results(path.read_bytes(), path.name)
    return {c.category: (c.passed, c.failed) for c in results.categories}


def test_promptfoo_results_written_by_promptfoo_give_pass_and_fail_per_plugin() -> None:
    assert _summary(PROMPTFOO) == {
        "prompt-extraction": (1, 1),
        "pii:direct": (1, 1),
        "excessive-agency": (0, 1),
        "hijacking": (1, 0),
    }
    results = parse_results(PROMPTFOO.read_bytes(), "r.json")
    assert results.format is ResultFormat.PROMPTFOO
    assert results.tool_version == "promptfoo 0.121.20"


def test_garak_report_sums_each_probe_module_over_probes_and_detectors() -> None:
    assert _summary(GARAK) == {"promptinject": (97, 3), "dan": (20, 0), "leakreplay": (18, 2)}
    assert parse_results(GARAK.read_bytes(), "g.jsonl").tool_version == "garak 0.13.3"


def test_older_garak_eval_lines_with_total_instead_of_fails() -> None:
    lines = [{"entry_type": "init", "garak_version": "0.9.0.9", "run": "r"},
             {"entry_type": "eval", "probe": "dan.AntiDAN", "detector": "detector.dan.AntiDAN", "passed": 2, "total": 5}]
    data = "\n".join(json.dumps(x) for x in lines).encode()
    assert [(c.category, c.passed, c.failed) for c in parse_results(data, "old.jsonl").categories] == [("dan", 2, 3)]


def test_promptfoo_provider_errors_are_counted_as_errors_not_failures() -> None:
    doc = {"results": {"version": 3, "results": [
        {"success": False, "failureReason": 2, "error": "connection refused", "metadata": {"pluginId": "pii:direct"}},
        {"success": True, "testCase": {"metadata": {"pluginId": "pii:direct"}}},
        {"success": False, "failureReason": 1, "gradingResult": {"pass": False}},
    ]}}  # fmt: skip
    results = parse_results(json.dumps(doc).encode(), "r.json")
    assert [(c.category, c.passed, c.failed, c.errors) for c in results.categories] == [
        ("pii:direct", 1, 0, 1), ("eval", 0, 1, 0),
    ]


def test_failed_categories_map_to_the_threats_they_demonstrate() -> None:
    assert threats_for(ResultFormat.PROMPTFOO, "pii:direct") == ("owasp-llm:LLM02:2025", "mitre-atlas:AML.T0057")
    assert threats_for(ResultFormat.PROMPTFOO, "excessive-agency") == ("owasp-llm:LLM06:2025",)
    assert threats_for(ResultFormat.GARAK, "promptinject") == ("owasp-llm:LLM01:2025", "mitre-atlas:AML.T0051")
    assert threats_for(ResultFormat.GARAK, "lmrc") == ()


@pytest.mark.parametrize(
    ("data", "fmt", "expected"),
    [
        (b"", None, "r: not a red-team result file OpenAIMS reads; expected the JSON file 'promptfoo eval"),
        (b'{"a": 1}', None, "r: not a red-team result file OpenAIMS reads"),
        (b'{"results": []}', ResultFormat.PROMPTFOO, "r: not a promptfoo result file (no 'results' object)"),
        (b'{"results": {"results": [{"score": 1}]}}', ResultFormat.PROMPTFOO,
         "r: not a promptfoo result file (result 1 has no true/false 'success')"),
        (b'{"results": {"results": []}}', None, "r: not a promptfoo result file (it holds no test results)"),
        (b'{"entry_type": "init"}\n{"entry_type": "completion"}', None,
         "r: not a garak result file (no 'eval' entries: the run did not finish evaluating)"),
        (b'{"entry_type": "eval", "probe": "dan.X", "passed": 1, "fails": 0}', ResultFormat.GARAK,
         "r: not a garak result file (no 'init' or 'start_run setup' entry)"),
        (b'{"entry_type": "init"}\nnot json', None, "r: not a garak result file (line 2: not valid JSON"),
        (b'{"entry_type": "init"}\n{"entry_type": "eval", "probe": "dan.X", "passed": 9, "total": 5}', None,
         "r: not a garak result file (line 2: passed is more than total)"),
    ],
)  # fmt: skip
def test_malformed_files_are_one_line_naming_the_format_expected(
    data: bytes, fmt: ResultFormat | None, expected: str
) -> None:
    with pytest.raises(ResultFormatError) as err:
        parse_results(data, "r", fmt)
    assert err.value.message.startswith(expected)
    assert "expected" in err.value.message
    assert "\n" not in err.value.message
    assert err.value.exit_code == 2


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, ResultFormat.PROMPTFOO, ResultFormat.GARAK]))
def test_any_bytes_parse_or_fail_with_the_format_error(data: bytes, fmt: ResultFormat | None) -> None:
    try:
        results = parse_results(data, "f", fmt)
    except ResultFormatError as exc:
        message = exc.message
    else:
        assert all(c.passed >= 0 and c.failed >= 0 for c in results.categories)
        return
    assert "\n" not in message


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**6) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["results", "success", "metadata", "pluginId", "testCase", "failureReason", "error",
                         "gradingResult", "version", "evalId"]) | st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)  # fmt: skip
_eval = st.fixed_dictionaries(
    {"entry_type": st.sampled_from(["eval", "init", "attempt", "start_run setup", "completion"])},
    optional={"probe": st.text(max_size=30) | st.integers(), "passed": st.integers(-2, 50) | st.none(),
              "fails": st.integers(-2, 50) | st.text(max_size=3), "total": st.integers(-2, 50),
              "total_evaluated": st.integers(-2, 100) | st.booleans(), "garak_version": st.text(max_size=10),
              "run": st.text(max_size=10)},
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_json)
def test_any_json_document_as_promptfoo_parses_or_fails_with_the_format_error(doc: object) -> None:
    data = json.dumps({"results": {"results": doc}} if isinstance(doc, list) else doc).encode()
    try:
        results = parse_results(data, "f", ResultFormat.PROMPTFOO)
    except ResultFormatError as exc:
        message = exc.message
    else:
        assert results.categories
        return
    assert message.startswith("f: not a promptfoo result file (")


@settings(max_examples=300, deadline=None)
@given(st.lists(_eval, max_size=8))
def test_any_garak_like_lines_parse_or_fail_with_the_format_error(entries: list[dict[str, object]]) -> None:
    data = "\n".join(json.dumps(e) for e in entries).encode()
    try:
        results = parse_results(data, "f", ResultFormat.GARAK)
    except ResultFormatError as exc:
        message = exc.message
    else:
        assert all(c.failed >= 0 and c.passed >= 0 for c in results.categories)
        return
    assert message.startswith("f: not a garak result file (")


def test_detection_prefers_the_format_the_first_line_shows() -> None:
    assert detect(GARAK.read_bytes()) is ResultFormat.GARAK
    assert detect(PROMPTFOO.read_bytes()) is ResultFormat.PROMPTFOO
    assert detect(b"PK\x03\x04") is None
