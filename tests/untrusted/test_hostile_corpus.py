"""Every hostile input of the regression corpus is refused with one line of the expected kind."""

from __future__ import annotations

import pytest
from tests.untrusted.hostile import Hostile, corpus

from openaims.errors import UsageError
from openaims.untrusted import InputError

CASES = corpus()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_is_refused_with_one_line(case: Hostile) -> None:
    with pytest.raises(InputError) as caught:
        case.read()
    error = caught.value
    assert isinstance(error, UsageError)
    assert error.exit_code == 2
    assert error.problem is case.problem, error.message
    assert "\n" not in error.message
    assert error.message.startswith(f"{case.name}.{case.reader}")
    if case.line is not None:
        assert error.line == case.line, error.message
        assert error.message.startswith(f"{case.name}.{case.reader}:{case.line}: ")


def test_corpus_covers_every_reader() -> None:
    assert {case.reader for case in CASES} == {"yaml", "json", "jsonc", "toml", "xml", "csv", "notebook", "zip"}
    assert len({case.name for case in CASES}) == len(CASES)
