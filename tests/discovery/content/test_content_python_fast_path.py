"""The Python import fast path (statements found in the raw text, parsed one
by one) must give exactly what parsing the whole file gives."""

from __future__ import annotations

import ast

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from openaims.discovery.detectors import imports
from openaims.discovery.detectors.imports import ImportCatalog, import_catalog


def _resolved(cat: ImportCatalog, found: list[tuple[str, list[str], int]]) -> list[tuple[str, str, int]]:
    out = []
    for module, names, line in found:
        base = cat.match(module)
        best = (base, module) if base else None
        for n in names:
            sub = cat.match(f"{module}.{n}")
            if sub is not None and (best is None or len(sub.module) > len(best[0].module)):
                best = (sub, f"{module}.{n}")
        if best is not None:
            out.append((cat.name_for(best[0], best[1]), best[1], line))
    return out


def _whole_file(source: str) -> list[tuple[str, str, int]]:
    cat = import_catalog("python")
    if not imports.may_import_any(source, cat.top_level):
        return []
    return _resolved(cat, imports.python_imports(source))


def _fast_or_whole(source: str) -> list[tuple[str, str, int]]:
    cat = import_catalog("python")
    return [(m.name, m.module, m.line) for m in imports._python_matches(cat, source, lambda line: line)]


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


CASES = [
    "import openai\n",
    "import os, openai.types as t\n",
    "from anthropic import Anthropic\n",
    "from langchain import (\n    llms,  # the models\n    chains,\n)\n",
    "from langchain import \\\n    llms\n",
    "from openai \\\n    import OpenAI\n",
    "from \\\n openai import OpenAI\n",
    "import \\\n    openai\n",
    "if TYPE_CHECKING: import openai\n",
    "x = 1; import anthropic; import openai\n",
    "import openai.types; import openai\n",
    'def f():\n    """Example:\n\n    import openai\n    """\n',
    "# import openai\n",
    "s = 'import openai'\n",
    's = """\nfrom anthropic import Anthropic\n"""\nimport os\n',
    "try:\n    import torch\nexcept ImportError:\n    torch = None\n",
    "from . import openai\nfrom .openai import x\n",
    "from openai import *\n",
    'm = importlib.import_module("openai")\n',
    'm = importlib.import_module("openai.types", package=None); import openai\n',
    "m = importlib.import_module(name)\n",
    'm = importlib.import_module(("openai"))\n',
    'm = __import__("anthropic" + "")\n',
    'm = __import__(b"anthropic")\n',
    "m = __import__('transformers')  # lazily\n",
    "x = (importlib\n    .import_module('openai'))\n",
    "text = \"import_module('openai')\"\n",
    "import openai\r\nfrom anthropic import Anthropic\r\n",
    "import openai\rimport anthropic\r",
    "print 'python 2'\nimport openai\n",
    "from openai import (OpenAI  # (client)\n, AsyncOpenAI)\n",
    "class A: from openai import OpenAI\n",
    "\fimport openai\n",
    "x = [\n    1,\n]\nimport openai  # noqa\n",
]


@pytest.mark.parametrize("source", CASES)
def test_fast_path_matches_whole_file_parse(source: str) -> None:
    assert _fast_or_whole(source) == _whole_file(source)


def test_fast_path_answers_without_whole_file_parse_for_plain_code() -> None:
    source = 'import os\nimport openai\n\n\ndef f():\n    """Docs: import anthropic."""\n    from anthropic import Anthropic\n'
    cat = import_catalog("python")
    assert imports._python_imports_fast(source, cat.top_level) == [("openai", [], 2), ("anthropic", ["Anthropic"], 7)]


_PIECES = st.sampled_from(
    [
        "import openai",
        "import os, anthropic",
        "from openai import OpenAI",
        "from langchain import (llms,\n chains)",
        "from transformers \\\n import pipeline",
        "if x: import torch",
        "a = 1; import openai",
        '"""',
        "'''",
        "'",
        '"',
        "# import openai",
        "x = 'from openai import x'",
        'importlib.import_module("openai")',
        "__import__('anthropic')",
        "import_module(name)",
        "def f():",
        "    import anthropic",
        "\\",
        "(",
        ")",
        "print 'x'",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12))
def test_fast_path_equals_whole_file_on_arbitrary_mixtures(pieces: list[str]) -> None:
    source = "\n".join(pieces) + "\n"
    # A file that does not parse is read line by line by the whole-file path;
    # the fast path reads it as code (it may then see imports that path misses).
    assume(_parses(source))
    assert _fast_or_whole(source) == _whole_file(source)
