"""Groups typed on one line (``name=Applicants; vulnerable=yes``): what :func:`format_parts` writes reads back
unchanged whatever the values hold, and a value that is not parts is one clear error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openaims.untrusted import InputError, format_parts, read_entry, read_parts
from openaims.untrusted.parts_reader import MAX_CHARS

PARTS = ("name", "vulnerable", "harms", "severity", "measures")
_VALUE = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).map(str.strip).filter(bool)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(PARTS), _VALUE, min_size=1))
def test_what_format_parts_writes_reads_back(values: dict[str, str]) -> None:
    assert read_parts(format_parts(values), PARTS, "--groups") == values


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(PARTS), _VALUE, min_size=1), st.sampled_from(("fairness", "privacy")))
def test_a_mapping_entry_reads_back_with_its_key(values: dict[str, str], key: str) -> None:
    assert read_entry(f"{key}: {format_parts(values)}", ("fairness", "privacy"), PARTS, "--areas") == (key, values)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_reads_as_parts_or_one_input_error(typed: str) -> None:
    problem = ""
    try:
        found = read_parts(typed, PARTS, "--groups")
    except InputError as exc:
        problem, found = str(exc), {}
    assert set(found) <= set(PARTS)
    assert problem == "" or (problem.startswith("--groups: ") and "\n" not in problem)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("name=Applicants; harms=Refusals; delays", {"name": "Applicants", "harms": "Refusals; delays"}),
        ("name=A; harms=x\\; severity=3", {"name": "A", "harms": "x; severity=3"}),
        ("  name = A ;severity=3;", {"name": "A", "severity": "3"}),
        ("name=C:\\\\data", {"name": "C:\\data"}),
        ("name=", {"name": ""}),
        ("", {}),
    ],
)
def test_semicolons_escapes_and_spaces(typed: str, expected: dict[str, str]) -> None:
    assert read_parts(typed, PARTS, "--groups") == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Applicants", "--groups: 'Applicants' is not one of its parts; write PART=VALUE with PART one of: name"),
        ("nam=Applicants", "--groups: 'nam' is not one of its parts"),
        ("name=A; name=B", "--groups: 'name' is given twice"),
        ("x" * (MAX_CHARS + 1), f"--groups: is longer than {MAX_CHARS:,} characters"),
    ],
)
def test_what_is_not_parts_is_refused_with_the_reason(typed: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_parts(typed, PARTS, "--groups")
    assert str(caught.value).startswith(message)
