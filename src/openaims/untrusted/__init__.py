"""Bounded readers for every format that comes from outside: the one place where
untrusted bytes become data, or one clear :class:`InputError`.

Each reader bounds the size of its input, the nesting and the number of values it
builds (YAML aliases counted each time they are used), refuses duplicate keys with
their line, and never runs, imports or unpickles anything. The error is a
:class:`~openaims.errors.UsageError` (exit 2) whose message is one line naming the
source and, when known, the line: ``answers.yaml:12: duplicate key 'role' (first at
line 3)``. Callers that must not stop (the scanner) catch it and report a skip.
"""

from openaims.untrusted.csv_reader import CsvRow, CsvTable, read_csv
from openaims.untrusted.interface import DEFAULT_LIMITS, SCAN_LIMITS, InputError, Limits, Problem
from openaims.untrusted.json_reader import read_json
from openaims.untrusted.notebook_reader import Notebook, NotebookCell, read_notebook
from openaims.untrusted.shape import check_shape
from openaims.untrusted.source import read_bytes, read_text, text_of
from openaims.untrusted.toml_reader import read_toml
from openaims.untrusted.xml_reader import LINE_ATTR, read_xml, xml_line
from openaims.untrusted.yaml_reader import YamlDocument, parse_yaml, read_yaml
from openaims.untrusted.zip_reader import open_zip, read_member

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
    "open_zip",
    "parse_yaml",
    "read_bytes",
    "read_csv",
    "read_json",
    "read_member",
    "read_notebook",
    "read_text",
    "read_toml",
    "read_xml",
    "read_yaml",
    "text_of",
    "xml_line",
]
