"""Properties of the bounded readers: what a well-behaved writer wrote reads back unchanged,
bounds hold exactly where they are set, and a duplicate key is reported at its line."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openaims.untrusted import (
    InputError,
    Limits,
    Problem,
    check_shape,
    open_zip,
    parse_yaml,
    read_csv,
    read_json,
    read_jsonc,
    read_member,
    read_notebook,
    read_toml,
    read_xml,
    read_yaml,
    xml_line,
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text without characters YAML or XML cannot hold (control characters, surrogates).
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\u2028\u2029\x85"), max_size=20
)
_KEYS = st.text(st.characters(whitelist_categories=("L", "N"), whitelist_characters="_-."), min_size=1, max_size=12)
_SCALARS = st.none() | st.booleans() | st.integers(-(10**30), 10**30) | _TEXT | st.floats(allow_nan=False, allow_infinity=False)
DATA = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_KEYS, children, max_size=5),
    max_leaves=30,
)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _count(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_count(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_count(v) for v in value)
    return 1


# ------------------------------------------------------------------------- YAML


@SETTINGS
@given(DATA, st.sampled_from(["block", "flow"]))
def test_yaml_reads_back_what_safe_dump_wrote(data: Any, style: str) -> None:
    text = yaml.safe_dump(data, default_flow_style=style == "flow", allow_unicode=True)
    assert read_yaml(text) == data


@SETTINGS
@given(DATA)
def test_yaml_depth_bound_is_exact(data: Any) -> None:
    text = yaml.safe_dump(data)
    depth = _depth(data)
    assert read_yaml(text, limits=Limits(max_depth=max(depth, 1))) == data
    if depth > 1:
        with pytest.raises(InputError) as caught:
            read_yaml(text, limits=Limits(max_depth=depth - 1))
        assert caught.value.problem is Problem.TOO_DEEP


@SETTINGS
@given(DATA)
def test_yaml_element_bound_counts_every_value(data: Any) -> None:
    text = yaml.safe_dump(data)
    count = _count(data)
    assert read_yaml(text, limits=Limits(max_elements=count)) == data
    if count > 1:
        with pytest.raises(InputError) as caught:
            read_yaml(text, limits=Limits(max_elements=count - 1))
        assert caught.value.problem is Problem.TOO_MANY


@SETTINGS
@given(st.integers(1, 6), st.integers(2, 6), st.integers(1, 4))
def test_yaml_aliases_count_each_time_they_are_used(width: int, uses: int, levels: int) -> None:
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * uses)}]" for i in range(1, levels + 1)]
    text = "\n".join(lines)
    expanded = read_yaml(text, limits=Limits(max_elements=10**7))
    total = _count(expanded)
    assert read_yaml(text, limits=Limits(max_elements=total)) == expanded
    with pytest.raises(InputError) as caught:
        read_yaml(text, limits=Limits(max_elements=total - 1))
    assert caught.value.problem is Problem.TOO_MANY


@SETTINGS
@given(st.lists(_KEYS, min_size=2, max_size=8, unique=True), st.data())
def test_yaml_duplicate_key_names_both_lines(keys: list[str], draw: st.DataObject) -> None:
    first = draw.draw(st.integers(0, len(keys) - 1))
    lines = [f"{json.dumps(key, ensure_ascii=False)}: {index}" for index, key in enumerate(keys)]
    at = draw.draw(st.integers(first + 1, len(lines)))
    lines.insert(at, f"{json.dumps(keys[first], ensure_ascii=False)}: again")
    with pytest.raises(InputError) as caught:
        parse_yaml("\n".join(lines), "f.yaml")
    assert caught.value.problem is Problem.DUPLICATE_KEY
    assert caught.value.line == at + 1
    assert f"(first at line {first + 1})" in caught.value.message


@SETTINGS
@given(st.dictionaries(_KEYS, DATA, min_size=1, max_size=6))
def test_yaml_line_of_finds_every_top_level_key(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, default_flow_style=False, allow_unicode=True, width=10**6)
    document = parse_yaml(text)
    lines = text.splitlines()
    for key in data:
        line = lines[document.line_of((key,), key=True) - 1]
        assert line.startswith((f"{key}:", f"'{key}':", f'"{key}":')), (key, line)


# ------------------------------------------------------------------------- JSON


@SETTINGS
@given(DATA, st.sampled_from([None, 1, 2]))
def test_json_reads_back_what_dumps_wrote(data: Any, indent: int | None) -> None:
    assert read_json(json.dumps(data, indent=indent, ensure_ascii=False)) == data
    assert read_json(json.dumps(data).encode()) == data


@SETTINGS
@given(DATA)
def test_json_bounds_are_exact(data: Any) -> None:
    text = json.dumps(data)
    depth, count = _depth(data), _count(data)
    assert read_json(text, limits=Limits(max_depth=max(depth, 1), max_elements=count)) == data
    if depth > 1:
        with pytest.raises(InputError) as caught:
            read_json(text, limits=Limits(max_depth=depth - 1))
        assert caught.value.problem is Problem.TOO_DEEP
    if count > 1:
        with pytest.raises(InputError) as caught:
            read_json(text, limits=Limits(max_elements=count - 1))
        assert caught.value.problem is Problem.TOO_MANY


@SETTINGS
@given(DATA, st.booleans())
def test_jsonc_reads_commented_json_as_the_json_it_holds(data: Any, block: bool) -> None:
    """Comments after every line (as editors' settings files have them) change nothing, and
    the bounds are those of JSON."""
    lines = json.dumps(data, indent=1, ensure_ascii=False).splitlines()
    comment = " /* note */" if block else " // note, with \"quotes\" and , commas"
    text = "// settings\n" + "\n".join(line + comment for line in lines) + "\n"
    assert read_jsonc(text) == data
    depth = _depth(data)
    if depth > 1:
        with pytest.raises(InputError) as caught:
            read_jsonc(text, limits=Limits(max_depth=depth - 1))
        assert caught.value.problem is Problem.TOO_DEEP


@SETTINGS
@given(st.dictionaries(_KEYS, _SCALARS, min_size=1, max_size=8), st.data())
def test_json_duplicate_key_is_reported_at_its_line(data: dict[str, Any], draw: st.DataObject) -> None:
    keys = list(data)
    first = keys.index(draw.draw(st.sampled_from(keys)))
    entries = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in data.items()]
    at = draw.draw(st.integers(first + 1, len(entries)))
    entries.insert(at, f"{json.dumps(keys[first])}: null")
    text = "{\n" + ",\n".join(entries) + "\n}"  # line 1 is "{", entry i is on line i + 2
    with pytest.raises(InputError) as caught:
        read_json(text, "f.json")
    assert caught.value.problem is Problem.DUPLICATE_KEY
    assert caught.value.line == at + 2
    assert f"(first at line {first + 2})" in caught.value.message


@SETTINGS
@given(DATA)
def test_check_shape_agrees_with_a_recursive_count(data: Any) -> None:
    depth, count = _depth(data), _count(data)
    assert check_shape(data, Limits(max_depth=max(depth, 1), max_elements=count)) is None
    if count > 1:
        assert check_shape(data, Limits(max_elements=count - 1)) is Problem.TOO_MANY


# ------------------------------------------------------------------------- TOML


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(v)}" for k, v in value.items()) + "}"


_TOML_DATA = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | _TEXT | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=20,
)


@SETTINGS
@given(st.dictionaries(_KEYS, _TOML_DATA, max_size=6))
def test_toml_reads_back_what_was_written(data: dict[str, Any]) -> None:
    text = "\n".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(v)}" for k, v in data.items())
    assert read_toml(text) == data


@SETTINGS
@given(st.lists(_KEYS, min_size=1, max_size=6, unique=True), st.data())
def test_toml_duplicate_key_is_reported_at_its_line(keys: list[str], draw: st.DataObject) -> None:
    lines = [f"{json.dumps(k, ensure_ascii=False)} = {i}" for i, k in enumerate(keys)]
    first = draw.draw(st.integers(0, len(keys) - 1))
    at = draw.draw(st.integers(first + 1, len(lines)))
    lines.insert(at, f"{json.dumps(keys[first], ensure_ascii=False)} = 99")
    with pytest.raises(InputError) as caught:
        read_toml("\n".join(lines) + "\n")
    assert caught.value.problem is Problem.DUPLICATE_KEY
    assert caught.value.line == at + 1


# ------------------------------------------------------------------------- XML

_TAGS = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_.-]{0,8}", fullmatch=True)
_XML_TEXT = st.text(st.characters(whitelist_categories=("L", "N", "P", "Zs")), max_size=10)


@st.composite
def _trees(draw: st.DrawFn, depth: int = 0) -> ElementTree.Element:
    element = ElementTree.Element(draw(_TAGS))
    element.text = draw(_XML_TEXT) or None
    if depth < 3:
        for child in draw(st.lists(_trees(depth + 1), max_size=3)):
            element.append(child)
    return element


def _xml_shape(element: ElementTree.Element) -> Any:
    return (element.tag, (element.text or "").strip(), [_xml_shape(c) for c in element])


def _xml_depth(element: ElementTree.Element) -> int:
    return 1 + max((_xml_depth(c) for c in element), default=0)


@SETTINGS
@given(_trees())
def test_xml_reads_back_what_elementtree_wrote(tree: ElementTree.Element) -> None:
    ElementTree.indent(tree)
    text = ElementTree.tostring(tree, encoding="unicode")
    root = read_xml(text)
    assert _xml_shape(root) == _xml_shape(tree)
    lines = text.splitlines()
    for element in root.iter():
        assert f"<{element.tag}" in lines[xml_line(element) - 1]
    depth = _xml_depth(tree)
    assert read_xml(text, limits=Limits(max_depth=depth)) is not None
    if depth > 1:
        with pytest.raises(InputError) as caught:
            read_xml(text, limits=Limits(max_depth=depth - 1))
        assert caught.value.problem is Problem.TOO_DEEP


# ------------------------------------------------------------------------- CSV

_CELLS = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=15)


@SETTINGS
@given(
    st.lists(_KEYS, min_size=1, max_size=5, unique=True),
    st.lists(st.lists(_CELLS, min_size=5, max_size=5), max_size=8),
)
def test_csv_reads_back_what_the_writer_wrote(header: list[str], rows: list[list[str]]) -> None:
    rows = [row[: len(header)] for row in rows if any(cell.strip() for cell in row[: len(header)])]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    starts = []  # the line each row starts on: one more than the newlines written before it
    for row in rows:
        starts.append(buffer.getvalue().count("\n") + 1)
        writer.writerow(row)
    table = read_csv(buffer.getvalue())
    assert table.header == tuple(header)
    assert [list(row.cells.values()) for row in table.rows] == rows
    assert [row.line for row in table.rows] == starts


# ------------------------------------------------------------------------- notebooks


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["code", "markdown", "raw"]), st.lists(_TEXT, max_size=4)), max_size=6))
def test_notebook_cells_read_back(cells: list[tuple[str, list[str]]]) -> None:
    doc = {
        "cells": [{"cell_type": kind, "source": source, "metadata": {}} for kind, source in cells],
        "metadata": {"kernelspec": {"language": "R"}},
        "nbformat": 4,
    }
    notebook = read_notebook(json.dumps(doc, indent=1))
    assert notebook.language == "r"
    assert [(cell.cell_type, list(cell.parts)) for cell in notebook.cells] == cells


# ------------------------------------------------------------------------- zip members


@SETTINGS
@given(st.dictionaries(_KEYS, st.binary(max_size=2000), max_size=6), st.integers(1, 3000))
def test_zip_members_read_back_within_their_bound(members: dict[str, bytes], bound: int) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with open_zip(io.BytesIO(buffer.getvalue()), "a.zip", limits=Limits(max_bytes=bound)) as archive:
        for name, content in members.items():
            if len(content) <= bound:
                assert read_member(archive, name, "a.zip", limits=Limits(max_bytes=bound)) == content
            else:
                with pytest.raises(InputError) as caught:
                    read_member(archive, name, "a.zip", limits=Limits(max_bytes=bound))
                assert caught.value.problem is Problem.TOO_LARGE
