"""Bounded readers for every format that comes from outside: the one place where
untrusted bytes become data, or one clear :class:`InputError`.

Each reader bounds the size of its input, the nesting and the number of values it
builds (YAML aliases counted each time they are used), refuses duplicate keys with
their line, and never runs, imports or unpickles anything. The error is a
:class:`~openaims.errors.UsageError` (exit 2) whose message is one line naming the
source and, when known, the line: ``answers.yaml:12: duplicate key 'role' (first at
line 3)``. Callers that must not stop (the scanner) catch it and report a skip.

Readers are imported when first used, so that a command pays only for the formats
it reads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from openaims.untrusted.interface import DEFAULT_LIMITS, SCAN_LIMITS, InputError, Limits, Problem

if TYPE_CHECKING:
    from openaims.untrusted.csv_reader import CsvRow, CsvTable, read_csv
    from openaims.untrusted.json_reader import read_json
    from openaims.untrusted.jsonc_reader import read_jsonc, strip_jsonc
    from openaims.untrusted.notebook_reader import Notebook, NotebookCell, read_notebook
    from openaims.untrusted.parts_reader import format_parts, read_entry, read_parts
    from openaims.untrusted.shape import check_shape, text_problem
    from openaims.untrusted.source import read_bytes, read_text, text_of
    from openaims.untrusted.toml_reader import read_toml
    from openaims.untrusted.xml_reader import LINE_ATTR, read_xml, xml_line
    from openaims.untrusted.yaml_reader import YamlDocument, parse_yaml, read_yaml
    from openaims.untrusted.zip_reader import open_zip, read_member

_MODULES = {
    "csv_reader": ("CsvRow", "CsvTable", "read_csv"),
    "json_reader": ("read_json",),
    "jsonc_reader": ("read_jsonc", "strip_jsonc"),
    "notebook_reader": ("Notebook", "NotebookCell", "read_notebook"),
    "parts_reader": ("format_parts", "read_entry", "read_parts"),
    "shape": ("check_shape", "text_problem"),
    "source": ("read_bytes", "read_text", "text_of"),
    "toml_reader": ("read_toml",),
    "xml_reader": ("LINE_ATTR", "read_xml", "xml_line"),
    "yaml_reader": ("YamlDocument", "parse_yaml", "read_yaml"),
    "zip_reader": ("open_zip", "read_member"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "DEFAULT_LIMITS",
    "LINE_ATTR",
    "SCAN_LIMITS",
    "CsvRow",
    "CsvTable",
    "InputError",
    "Limits",
    "Notebook",
    "NotebookCell",
    "Problem",
    "YamlDocument",
    "check_shape",
    "format_parts",
    "open_zip",
    "parse_yaml",
    "read_bytes",
    "read_csv",
    "read_entry",
    "read_json",
    "read_jsonc",
    "read_member",
    "read_notebook",
    "read_parts",
    "read_text",
    "read_toml",
    "read_xml",
    "read_yaml",
    "strip_jsonc",
    "text_of",
    "text_problem",
    "xml_line",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
