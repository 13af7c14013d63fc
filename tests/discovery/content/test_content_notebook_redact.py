"""Notebook code-cell extraction and secret redaction helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from content_testkit import OPTIONS

from openaims.discovery.interface import FileView
from openaims.discovery.notebook import CodeCell, code_cells
from openaims.discovery.redact import fingerprint, redact


def _nb(cells: list[dict[str, object]], metadata: dict[str, object] | None = None, indent: int | None = 1) -> str:
    return json.dumps({"cells": cells, "metadata": metadata or {}, "nbformat": 4, "nbformat_minor": 5}, indent=indent)


def test_code_cells_map_each_source_line_to_its_file_line() -> None:
    text = _nb(
        [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "import nothing\n"]},
            {"cell_type": "code", "metadata": {}, "source": ["import os\n", "x = 'é'\n", "print(x)"]},
            {"cell_type": "code", "metadata": {}, "source": "a = 1\nb = 2"},
        ]
    )
    lines = text.split("\n")
    cells = code_cells(text)
    assert [(c.index, c.source) for c in cells] == [(1, "import os\nx = 'é'\nprint(x)"), (2, "a = 1\nb = 2")]
    first = cells[0]
    assert [lines[n - 1].strip().rstrip(",") for n in first.lines] == [
        json.dumps("import os\n"),
        json.dumps("x = 'é'\n"),
        json.dumps("print(x)"),
    ]
    # a cell stored as one string sits on one file line
    assert len(set(cells[1].lines)) == 1
    assert lines[cells[1].lines[0] - 1].strip().startswith('"source": "a = 1')
    assert first.file_line(2) == first.lines[1]
    assert first.file_line(99) == first.lines[-1]


def test_same_source_line_in_two_cells_maps_to_each_occurrence() -> None:
    text = _nb(
        [
            {"cell_type": "code", "metadata": {}, "source": ["import openai\n"]},
            {"cell_type": "code", "metadata": {}, "source": ["import openai\n"]},
        ]
    )
    a, b = code_cells(text)
    assert a.lines[0] < b.lines[0]


def test_escaped_ascii_notebooks_are_mapped() -> None:
    text = json.dumps(
        {"cells": [{"cell_type": "code", "source": ["s = 'café'\n", "import torch"]}], "metadata": {}},
        indent=1,
        ensure_ascii=True,
    )
    (cell,) = code_cells(text)
    lines = text.split("\n")
    assert "import torch" in lines[cell.file_line(2) - 1]


def test_language_and_nbformat3_worksheets() -> None:
    text = json.dumps(
        {
            "worksheets": [{"cells": [{"cell_type": "code", "input": ["library(x)\n"]}]}],
            "metadata": {"language_info": {"name": "R"}},
        }
    )
    assert [(c.source, c.language) for c in code_cells(text)] == [("library(x)\n", "r")]


def test_python_source_blanks_magics_and_keeps_line_count() -> None:
    cell = CodeCell(0, "!pip install openai\n%time x = 1\nimport openai\n  %matplotlib inline", (1, 2, 3, 4), "python")
    assert cell.python_source() == "\n\nimport openai\n"
    bash = CodeCell(0, "%%bash\necho hi\nimport x", (1, 2, 3), "python")
    assert bash.python_source() == "\n\n"
    timed = CodeCell(0, "%%time\nimport openai", (1, 2), "python")
    assert timed.python_source() == "\nimport openai"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "null",
        "[]",
        '"x"',
        "{",
        '{"cells": 3}',
        '{"cells": [1, "x", {"cell_type": "code", "source": 5}]}',
        "\x00\xff",
    ],
)
def test_not_a_notebook_gives_no_cells(text: str) -> None:
    assert code_cells(text) == []


def test_deeply_nested_json_does_not_raise() -> None:
    assert code_cells("[" * 100_000 + "]" * 100_000) == []


# ---------------------------------------------------------------- redaction


@pytest.mark.parametrize(
    ("prefix", "body_len", "shown_prefix"),
    [
        ("sk-" + "proj-", 150, "sk-proj-"),
        ("sk-" + "ant-" + "api03-", 95, "sk-ant-"),
        ("sk-" + "svcacct-", 150, "sk-svcacct-"),
        ("github" + "_pat_", 82, "github_pat_"),
        ("AK" + "IA", 16, "AKIA"),
        ("gh" + "p_", 36, "ghp_"),
        ("", 32, ""),
    ],
)
def test_redact_shows_short_prefix_and_last_four(prefix: str, body_len: int, shown_prefix: str) -> None:
    body = "".join("abcdefghijkmnopqrstuvwxyzABCDEFGH23456789"[(i * 7) % 41] for i in range(body_len))
    value = prefix + body
    shown = redact(value)
    assert shown == f"{shown_prefix}…{value[-4:]}"
    hidden = len(value) - len(shown) + 1
    assert hidden >= 12


@pytest.mark.parametrize(
    ("value", "prefix", "shown"),
    [
        ("bdd640fb-0667-4ad1-9c80-317fa3b1799d", None, "…799d"),
        ("pcsk_" + "OhbVr_" + "x" * 30 + "cUDI", None, "pcsk_…cUDI"),
        ("sk-" + "proj-" + "Q" * 40 + "wxyz", "sk-proj-", "sk-proj-…wxyz"),
        ("sk-" + "proj-" + "Q" * 40 + "wxyz", "", "…wxyz"),
        ("sk-" + "proj-" + "Q" * 40 + "wxyz", "xoxb-", "…wxyz"),
        ("sk-" + "ant-" + "admin01-" + "Q" * 40 + "wxyz", "sk-ant-admin01-", "sk-ant-admi…wxyz"),
    ],
)
def test_redact_prefix_choice(value: str, prefix: str | None, shown: str) -> None:
    assert redact(value, prefix) == shown


@pytest.mark.parametrize("value", ["", "abc", "abcdefgh", "abcdefghijklmno"])
def test_redact_short_values_reveal_little(value: str) -> None:
    shown = redact(value)
    assert len(shown.replace("…", "")) <= max(0, len(value) // 4)


def test_fingerprint_is_salted_hmac_sha256() -> None:
    fp = fingerprint("value", "salt")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", fp)
    assert fp == fingerprint("value", "salt")
    assert fp != fingerprint("value", "other-salt")
    assert fp != fingerprint("value2", "salt")
    # HMAC, not a plain hash of salt+value
    import hashlib

    assert fp != "sha256:" + hashlib.sha256(b"saltvalue").hexdigest()


def test_file_double_bounds_text_like_the_engine(memory_file: Callable[[str, str | bytes], FileView]) -> None:
    big = "x" * (OPTIONS.max_text_bytes + 10)
    f = memory_file("dir/a.py", big)
    assert (f.path, f.name, f.size) == ("dir/a.py", "a.py", len(big))
    assert len(f.text()) == OPTIONS.max_text_bytes
    assert f.head(3) == b"xxx"
