"""Fuzz targets, one per reader (and the pickle analysis): mutated real documents and random bytes either read or
are refused with one InputError line, never another exception, a crash or a hang.

The number of examples per target is ``AIMS_FUZZ_EXAMPLES`` (default 120, a few seconds
for all targets); set it higher for a longer run, e.g. ``AIMS_FUZZ_EXAMPLES=20000
pytest tests/untrusted/test_fuzz.py``.
"""

from __future__ import annotations

import collections
import io
import json
import os
import pickle
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.untrusted.hostile import billion_laughs_yaml

from openaims.discovery import yamlsafe
from openaims.discovery.manifests._util import load_json, load_toml, parse_xml
from openaims.discovery.pickle_scan import scan_pickle
from openaims.untrusted import (
    InputError,
    Limits,
    open_zip,
    read_csv,
    read_json,
    read_jsonc,
    read_member,
    read_notebook,
    read_toml,
    read_xml,
    read_yaml,
)

EXAMPLES = int(os.environ.get("AIMS_FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LIMITS = Limits(max_bytes=256 * 1024, max_depth=32, max_elements=20_000)

SEEDS: dict[str, list[bytes]] = {
    "yaml": [
        b"name: build\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: a/b@v1\n"
        b"        with: {model: gpt-4o, n: 1}\n      - run: |\n          pytest -q\n",
        b"base: &b {x: 1, y: [1, 2]}\nother:\n  <<: *b\n  z: !!str 3\nlist: [*b, *b]\n",
        billion_laughs_yaml(3, 3).encode(),
        b"- a\n- 'b'\n- \"c\\u00e9\"\n- ? complex\n  : key\n",
    ],
    "json": [
        json.dumps({"name": "x", "dependencies": {"openai": "^1.0"}, "list": [1, 2.5, None, True]}, indent=2).encode(),
        b'{"a": {"b": {"c": [1, [2, [3, {"d": "\\u00e9"}]]]}}}',
    ],
    "jsonc": [
        b'{\n  // editor settings\n  "mcpServers": {\n    "files": {"command": "npx", "args": ["-y", "srv"],},\n'
        b'    /* block */ "env": {"A": "1"},\n  },\n}\n',
        b"{mcpServers: {x: {command: 'uvx', args: ['a', 0x1F, +1.5e3, .5], url: \"https://h/\"},}}",
    ],
    "toml": [
        b'[project]\nname = "x"\ndependencies = ["openai>=1", "anthropic"]\n[tool.poetry.dependencies]\n'
        b'python = "^3.11"\nx = {version = "1", extras = ["a"]}\n[[package]]\nname = "y"\n',
    ],
    "xml": [
        b'<?xml version="1.0"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">\n<dependencies>\n'
        b"<dependency><groupId>dev.langchain4j</groupId><artifactId>langchain4j</artifactId>"
        b"<version>${v}</version></dependency>\n</dependencies>\n</project>\n",
    ],
    "csv": [b'id,name,tags\nSYS-1,"Chat, bot","a; b"\n,"multi\nline",x\n'],
    "notebook": [
        json.dumps(
            {
                "cells": [{"cell_type": "code", "source": ["import openai\n", "x = 1\n"], "outputs": []}],
                "metadata": {"kernelspec": {"language": "python"}},
                "nbformat": 4,
            }
        ).encode()
    ],
}

#: Fragments that exercise each format's structure when spliced in anywhere.
TOKENS: dict[str, list[bytes]] = {
    "yaml": [b"[", b"]", b"{", b"}", b": ", b"- ", b"&a ", b"*a", b"<<: ", b"!!", b"? ", b"---\n", b"'", b'"', b"\n  ",
             b"\t", b"#", b"|", b">", b"%YAML 1.1\n", b"\\u", b"\x00", b"\xff"],
    "json": [b"[", b"]", b"{", b"}", b":", b",", b'"', b"\\u", b"\\ud800", b"NaN", b"1e999", b"-", b"\x00", b"\xc3"],
    "jsonc": [b"//", b"/*", b"*/", b"\n", b",", b"[", b"]", b"{", b"}", b":", b'"', b"'", b"0x", b"NaN",
              b"Infinity", b"+", b".", b"\\u", b"\xff"],
    "toml": [b"[", b"]", b"[[", b"{", b"}", b"=", b'"', b"'''", b'"""', b"\n", b".", b"\\u", b"1979-05-27T", b"\xff"],
    "xml": [b"<", b">", b"</", b"/>", b"<!DOCTYPE x [", b"<!ENTITY e 'x'>", b"&e;", b"&#0;", b"<![CDATA[", b"]]>",
            b'="', b"<?", b"\xff"],
    "csv": [b",", b'"', b'""', b"\n", b"\r", b"\r\n", b"\x00", b"\xff"],
    "notebook": [b"[", b"]", b"{", b"}", b":", b",", b'"', b'"cells"', b'"source"', b"null", b"\\u"],
}


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> bytes:
    """A seed of ``fmt`` with a few splices, deletions and duplications, or random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    data = bytearray(draw(st.sampled_from(SEEDS[fmt])))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "repeat", "byte"]))
        if action == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS[fmt])) * draw(st.integers(1, 40))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 12))]
        elif action == "repeat":
            chunk = bytes(data[at : at + draw(st.integers(1, 30))])
            data[at:at] = chunk * draw(st.integers(1, 20))
        else:
            data[at:at] = bytes([draw(st.integers(0, 255))])
    return bytes(data)


def _survives(read: Callable[[bytes], Any], data: bytes) -> None:
    error: InputError | None = None
    try:
        read(data)
    except InputError as exc:
        error = exc
    if error is not None:
        assert "\n" not in error.message
        assert error.exit_code == 2


def _zip(data: bytes) -> Any:
    with open_zip(io.BytesIO(data), "f.zip", limits=LIMITS) as archive:
        return [read_member(archive, info, "f.zip", limits=LIMITS) for info in archive.infolist()[:20]]


READERS: dict[str, Callable[[bytes], Any]] = {
    "yaml": lambda data: read_yaml(data, "f.yaml", limits=LIMITS),
    "json": lambda data: read_json(data, "f.json", limits=LIMITS),
    "jsonc": lambda data: read_jsonc(data, "f.jsonc", limits=LIMITS),
    "toml": lambda data: read_toml(data, "f.toml", limits=LIMITS),
    "xml": lambda data: read_xml(data, "f.xml", limits=LIMITS),
    "csv": lambda data: read_csv(data, "f.csv", limits=LIMITS),
    "notebook": lambda data: read_notebook(data, "f.ipynb", limits=LIMITS),
}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_fuzz_reader(fmt: str) -> None:
    @FUZZ
    @given(mutated(fmt))
    def run(data: bytes) -> None:
        _survives(READERS[fmt], data)

    run()


def _zip_seed(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


ZIP_SEED = _zip_seed({"config.json": b'{"layers": []}', "model.weights.h5": b"\x89HDF" * 50, "metadata.json": b"{}"})


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(ZIP_SEED) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_fuzz_zip_members(flips: list[tuple[int, int]]) -> None:
    data = bytearray(ZIP_SEED)
    for at, value in flips:
        data[at] = value
    _survives(_zip, bytes(data))


@FUZZ
@given(mutated("yaml"))
def test_fuzz_scanner_yaml_never_raises(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    yamlsafe.compose(text)
    yamlsafe.load(text)


@FUZZ
@given(st.sampled_from(["json", "toml", "xml"]).flatmap(lambda fmt: st.tuples(st.just(fmt), mutated(fmt))))
def test_fuzz_manifest_loaders_never_raise(case: tuple[str, bytes]) -> None:
    fmt, data = case
    text = data.decode("utf-8", "replace")
    {"json": load_json, "toml": load_toml, "xml": parse_xml}[fmt](text)


PICKLE_SEEDS = [
    pickle.dumps({"weights": [1.0, 2.5], "name": "model", "shape": (2, 3)}, protocol=protocol)
    for protocol in (0, 2, 4, 5)
] + [pickle.dumps(collections.OrderedDict(a=1), protocol=2)]


@FUZZ
@given(
    st.sampled_from(PICKLE_SEEDS),
    st.lists(st.tuples(st.integers(0, 200), st.binary(min_size=0, max_size=6), st.integers(0, 4)), max_size=6),
)
def test_fuzz_pickle_analysis_never_raises(seed: bytes, edits: list[tuple[int, bytes, int]]) -> None:
    """Mutated real pickles (opcodes inserted, bytes deleted) are judged, never unpickled, never raise."""
    data = bytearray(seed)
    for at, insert, delete in edits:
        at = min(at, len(data))
        data[at : at + delete] = insert
    report = scan_pickle(bytes(data), max_opcodes=10_000)
    assert report.complete or report.error
