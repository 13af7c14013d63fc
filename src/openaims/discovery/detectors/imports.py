"""Imports of AI modules in source code, per language.

Which modules are AI is data (``catalog/imports.yaml``). Python is parsed with
:mod:`ast` (parse only, never executed; a line-based fallback reads files that
do not parse, such as Python 2). The other languages are searched with a
regex over the raw text first; only a file with a catalogued import is then
tokenized, so an ``import`` inside a comment or a string literal is not taken
for a real one.

One finding per (file, catalogue module), at its first line.
"""

from __future__ import annotations

import abc
import ast
import bisect
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from openaims.discovery import catalog
from openaims.discovery.interface import Detector, FileView, Finding, FindingKind
from openaims.discovery.notebook import code_cells

#: Registry (purl type) of each language's packages.
ECOSYSTEMS: dict[str, str] = {
    "python": "pypi",
    "javascript": "npm",
    "go": "golang",
    "java": "maven",
    "csharp": "nuget",
    "rust": "cargo",
    "ruby": "gem",
}

#: How module names of a language break into segments (for prefix matching).
_SEPARATORS: dict[str, str] = {
    "python": ".",
    "javascript": "/",
    "go": "/",
    "java": ".",
    "csharp": ".",
    "rust": "::",
    "ruby": "/",
}


@dataclass(frozen=True, slots=True)
class ImportEntry:
    """One catalogue entry: a module (prefix) and what it is."""

    module: str
    provider: str
    category: str
    package: str

    @property
    def wildcard(self) -> bool:
        return self.module.endswith("/*")


@dataclass(frozen=True, slots=True)
class ImportMatch:
    """A catalogued import seen in a file."""

    name: str
    module: str
    line: int
    entry: ImportEntry


class ImportCatalog:
    """The catalogue of one language, with longest-prefix matching."""

    def __init__(self, language: str, entries: dict[str, ImportEntry]) -> None:
        self.language = language
        self.sep = _SEPARATORS[language]
        self.entries = entries
        #: First segments of every catalogued module.
        self.top_level = frozenset(key.split(self.sep, 1)[0] for key in entries)

    def match(self, module: str) -> ImportEntry | None:
        """The most specific entry covering ``module``, if any."""
        if self.language == "javascript":
            exact = self.entries.get(module)
            if exact is not None:
                return exact
            if module.startswith("@") and "/" in module:
                return self.entries.get(module.split("/", 1)[0] + "/*")
            return None
        parts = module.split(self.sep)
        for n in range(len(parts), 0, -1):
            entry = self.entries.get(self.sep.join(parts[:n]))
            if entry is not None:
                return entry
        return None

    def name_for(self, entry: ImportEntry, module: str) -> str:
        """The finding name: the catalogue module, or the concrete package
        for a scope wildcard."""
        if entry.wildcard:
            return "/".join(module.split("/")[:2])
        return entry.module

    def package_for(self, entry: ImportEntry, name: str) -> str:
        return name if entry.package == "*" else entry.package

    def prefilter(self) -> tuple[str, ...]:
        """Fragments, one of which any catalogued import must contain."""
        literals: set[str] = set()
        patterns: set[str] = set()
        for key in self.entries:
            if key.endswith("/*"):
                literals.add(key[:-1])
                continue
            # A JavaScript specifier always contains the whole package name;
            # elsewhere the last segment is what every import form spells out.
            last = key if self.language == "javascript" else key.replace(".", "/").split("/")[-1]
            if len(last) >= 4:
                literals.add(last)
            elif self.language == "javascript":
                patterns.add(f"['\"`]{re.escape(last)}['\"`/]")
            else:
                patterns.add(rf"\b{re.escape(last)}\b")
        # A literal containing a shorter one adds nothing to an alternation.
        kept = {lit for lit in literals if not any(o != lit and o in lit for o in literals)}
        return tuple(sorted(patterns | {re.escape(lit) for lit in kept}))


@cache
def import_catalog(language: str) -> ImportCatalog:
    """The validated catalogue of ``language`` from ``imports.yaml``."""
    raw = catalog.load("imports").get(language)
    if not isinstance(raw, dict):
        raise ValueError(f"imports.yaml has no section {language!r}")
    providers = catalog.provider_ids()
    categories = catalog.category_ids()
    entries: dict[str, ImportEntry] = {}
    for module, value in raw.items():
        if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
            raise ValueError(f"imports.yaml {language}.{module}: expected [provider, category, package]")
        provider, category, package = value
        if provider not in providers:
            raise ValueError(f"imports.yaml {language}.{module}: unknown provider {provider!r}")
        if category not in categories:
            raise ValueError(f"imports.yaml {language}.{module}: unknown category {category!r}")
        entries[str(module)] = ImportEntry(str(module), provider, category, package)
    return ImportCatalog(language, entries)


# --------------------------------------------------------------------------
# Tokenizer: where comments and string literals are (C-like, Python, Ruby).


_NEWLINE = re.compile("\n")


def _line_at(newlines: list[int], offset: int) -> int:
    return bisect.bisect_left(newlines, offset) + 1


def newline_offsets(text: str) -> list[int]:
    """Offsets of every line break of ``text`` (for offset-to-line lookups)."""
    return [m.start() for m in _NEWLINE.finditer(text)]


_LINE_BREAK = re.compile(r"[^\n]")


def _blank(s: str) -> str:
    return _LINE_BREAK.sub(" ", s) if "\n" in s else " " * len(s)


@cache
def _token_re(quotes: str, backtick: bool, slash_comments: bool, hash_comments: bool) -> re.Pattern[str]:
    alts: list[str] = []
    if slash_comments:
        alts += [r"//[^\n]*", r"/\*.*?(?:\*/|\Z)"]
    if hash_comments:
        alts.append(r"#[^\n]*")
    # Unrolled loops (``[^q\\]*(?:\\.[^q\\]*)*``): the same strings as
    # ``(?:[^q\\]|\\.)*``, several times faster in Python's regex engine.
    for q in quotes:
        alts.append(rf"{q}[^{q}\\\n]*(?:\\.[^{q}\\\n]*)*{q}")
    if backtick:
        alts.append(r"`[^`\\]*(?:\\.[^`\\]*)*`")
    return re.compile("|".join(alts), re.S)


class TokenIndex:
    """Where the comments and string literals of a source text are, for
    checking a few offsets found by a regex over the raw text."""

    def __init__(
        self,
        text: str,
        *,
        quotes: str = "\"'",
        backtick: bool = True,
        slash_comments: bool = True,
        hash_comments: bool = False,
    ) -> None:
        token = _token_re(quotes, backtick, slash_comments, hash_comments)
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.string_ends: dict[int, int] = {}
        string_openers = quotes + ("`" if backtick else "")
        for m in token.finditer(text):
            start, end = m.span()
            self.starts.append(start)
            self.ends.append(end)
            if text[start] in string_openers:
                self.string_ends[start] = end
        self.newlines = newline_offsets(text)

    def inside(self, offset: int) -> bool:
        """Whether ``offset`` lies inside a comment or a string literal."""
        i = bisect.bisect_right(self.starts, offset) - 1
        return i >= 0 and offset < self.ends[i]

    def is_string(self, quote: int, content: str) -> bool:
        """Whether a string literal with ``content`` opens at ``quote``."""
        return self.string_ends.get(quote) == quote + len(content) + 2

    def line(self, offset: int) -> int:
        """1-based line of ``offset``."""
        return _line_at(self.newlines, offset)


def comment_spans(
    text: str,
    *,
    quotes: str = "\"'",
    backtick: bool = True,
    slash_comments: bool = True,
    hash_comments: bool = False,
) -> list[tuple[int, int]]:
    """Offsets of the comments of ``text`` (strings are skipped over, so a
    ``#`` or ``//`` inside a string does not start one), in order."""
    token = _token_re(quotes, backtick, slash_comments, hash_comments)
    openers = ("#", "/") if hash_comments else ("/",)
    return [m.span() for m in token.finditer(text) if text[m.start()] in openers]


def in_spans(spans: list[tuple[int, int]], offset: int) -> bool:
    """Whether ``offset`` lies in one of the sorted, disjoint ``spans``."""
    i = bisect.bisect_right(spans, (offset, sys.maxsize)) - 1
    return i >= 0 and spans[i][0] <= offset < spans[i][1]


# --------------------------------------------------------------------------
# Python


_PY_IMPORT_LINE = re.compile(r"^[ \t]*import[ \t]+([^#;\n]+)", re.M)
_PY_FROM_LINE = re.compile(r"^[ \t]*from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t]+\(?([^#;\n)]*)", re.M)
_PY_DYNAMIC = re.compile(r"(?:\b__import__|\bimport_module)\(\s*[rbuRBU]?(['\"])([A-Za-z_][\w.]*)\1")
_PY_DOTTED = re.compile(r"[A-Za-z_][\w.]*")


def python_imports(source: str) -> list[tuple[str, list[str], int]]:
    """Imports of Python ``source`` as (module, imported names, line).

    ``from x import a, b`` gives ``("x", ["a", "b"], line)``; ``import a.b``
    gives ``("a.b", [], line)``. Relative imports are left out.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return _python_imports_fallback(source)
    out: list[tuple[str, list[str], int]] = []
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module, [a.name for a in node.names if a.name != "*"], node.lineno))
    if "__import__" in source or "import_module" in source:
        out.extend(_dynamic_imports(tree))
    out.sort(key=lambda t: t[2])
    return out


_NESTED_STATEMENTS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """Every statement of a module, nested ones included (imports are
    statements, so expressions need not be visited)."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        for name in _NESTED_STATEMENTS:
            nested = getattr(node, name, None)
            if isinstance(nested, list):
                stack.extend(nested)


def _dynamic_imports(tree: ast.Module) -> Iterator[tuple[str, list[str], int]]:
    """``__import__("x")`` and ``importlib.import_module("x")`` with a literal."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        fname = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        arg = node.args[0]
        if (
            fname in ("__import__", "import_module")
            and isinstance(arg, ast.Constant)
            and isinstance(arg.value, str)
            and _PY_DOTTED.fullmatch(arg.value)
        ):
            yield (arg.value, [], node.lineno)


_PY_PRECHECK = re.compile(r"(?:^|[:;])[ \t]*(?:from[ \t]+([A-Za-z_]\w*)|import[ \t]+([A-Za-z_][^#;\n]*))", re.M)


def may_import_any(source: str, top_level: frozenset[str]) -> bool:
    """Cheap test: could ``source`` import one of the ``top_level`` packages?

    A superset of what :func:`python_imports` finds (it also looks inside
    strings), so a file that fails it need not be parsed.
    """
    if "__import__" in source or "import_module" in source:
        return True
    for m in _PY_PRECHECK.finditer(source):
        if m.group(1):
            if m.group(1) in top_level:
                return True
            continue
        for part in m.group(2).split(","):
            words = part.split()
            if words and words[0].split(".", 1)[0] in top_level:
                return True
    return False


# Fast path: find the ``import`` keywords in the raw text, keep the statements
# that may name a catalogued module and lie in code (not in a string or a
# comment), and parse only those statements. Anything it cannot explain sends
# the file to the whole-file parse above.

_PY_IMPORT_WORD = re.compile(r"import\b")
#: What precedes ``import`` on its line in an import statement: nothing, or
#: ``from MODULE``, either after a ``:`` or ``;`` (``if x: import y``).
_PY_BEFORE_IMPORT = re.compile(r"(?:[^\n]*[:;])?[ \t\f]*(?:(from)[ \t\f]+([\w.]+)[ \t\f]+)?")
#: The rest of a statement: up to the end of its logical line (backslash
#: continuations and one parenthesised name list included), ``;`` or ``#``.
_PY_STATEMENT_TAIL = re.compile(r"(?:[^\r\n;#(\\]+|\\\r?\n|\([^()]*\))*")
_PY_WORD = re.compile(r"[A-Za-z_]\w*")
#: Comments and string literals of Python source (string prefixes need no
#: care: only whether an offset lies inside one matters).
_PY_TOKENS = re.compile(
    r"#[^\r\n]*"
    r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)'
    r"|'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'"
    r'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"',
    re.S,
)


_PY_DYNAMIC_CALL = re.compile(r"(?:__import__|import_module)\s*\(\s*")
#: A first argument that is one plain string literal (what the whole-file
#: parse reads as a constant), followed by the next argument or the end.
_PY_DYNAMIC_LITERAL = re.compile(r"""[rRuU]?(['"])([A-Za-z_][\w.]*)\1\s*[,)]""")
#: A first argument that cannot be a string constant: a name, a call, bytes,
#: an f-string, no argument at all, a keyword or starred argument.
_PY_DYNAMIC_NOT_LITERAL = re.compile(
    r"""(?:[bB][rR]?|[rR][bB]|[fF][rR]?|[rR][fF])['"]|\)|\*|[A-Za-z_]\w*(?!['"\w])|['"][^'"\\\n]*[^\w.'"\\\n][^'"\\\n]*['"]\s*[,)]"""
)
#: Dynamic imports sort after the statements of their line.
_DYNAMIC_ORDER = 1 << 62


def _continues_previous_line(source: str, line_start: int) -> bool:
    return source[max(0, line_start - 3) : line_start].rstrip("\r\n").endswith("\\")


def _python_imports_fast(source: str, top_level: frozenset[str]) -> list[tuple[str, list[str], int]] | None:
    """What :func:`python_imports` gives for the statements that may import
    one of the ``top_level`` packages, without parsing the whole file; ``None``
    when a statement is ambiguous (the whole file must be parsed then)."""
    if "\x00" in source:
        return None
    if "\r" in source and source.count("\r") != source.count("\r\n"):
        return None  # old Mac line ends: lines are not what the regexes see
    relevant: list[tuple[int, int]] = []  # (statement start, statement end)
    unexplained: list[int] = []
    for m in _PY_IMPORT_WORD.finditer(source):
        at = m.start()
        if at > 0 and (source[at - 1].isalnum() or source[at - 1] in "_."):
            continue
        line_start = source.rfind("\n", 0, at) + 1
        before = _PY_BEFORE_IMPORT.fullmatch(source, line_start, at)
        if before is None or (
            before.group(1) is None
            and not source[line_start:at].strip(" \t\f")
            and _continues_previous_line(source, line_start)
        ):
            unexplained.append(at)
            continue
        tail = _PY_STATEMENT_TAIL.match(source, at + 6)
        end = tail.end() if tail is not None else at + 6
        module = before.group(2)
        words = [module.split(".", 1)[0]] if module is not None else _PY_WORD.findall(source, at + 6, end)
        if any(w in top_level for w in words):
            relevant.append((before.start(1) if module is not None else at, end))
    doubtful = []
    for at in unexplained:
        window_start = at
        for _ in range(3):
            window_start = source.rfind("\n", 0, max(0, window_start - 1)) + 1
            if window_start == 0:
                break
        window_end = source.find("\n", at)
        window = source[window_start : window_end if window_end >= 0 else len(source)]
        if any(w in top_level for w in _PY_WORD.findall(window)):
            doubtful.append(at)
    dynamic: list[tuple[int, str]] = []  # (offset, module)
    if "__import__" in source or "import_module" in source:
        for m in _PY_DYNAMIC_CALL.finditer(source):
            at = m.start()
            if at > 0 and (source[at - 1].isalnum() or source[at - 1] == "_"):
                continue
            literal = _PY_DYNAMIC_LITERAL.match(source, m.end())
            if literal is None:
                if _PY_DYNAMIC_NOT_LITERAL.match(source, m.end()) is None:
                    doubtful.append(at)  # e.g. a parenthesised or concatenated argument
                continue
            module = literal.group(2)
            if module.split(".", 1)[0] not in top_level:
                continue
            line_start = source.rfind("\n", 0, at) + 1
            if source[at - 1 : at] == "." and not source[line_start : at - 1].strip():
                doubtful.append(at)  # the call's line is the attribute chain's first
            else:
                dynamic.append((at, module))
    if not relevant and not doubtful and not dynamic:
        return []
    starts: list[int] = []
    ends: list[int] = []
    for token in _PY_TOKENS.finditer(source):
        starts.append(token.start())
        ends.append(token.end())
    if ends and ends[-1] == len(source) and source.startswith(("'''", '"""'), starts[-1]):
        quote = source[starts[-1] : starts[-1] + 3]
        if ends[-1] - starts[-1] < 6 or not source.endswith(quote) or source.endswith("\\" + quote):
            return None  # an unterminated string: the file does not parse

    def in_token(offset: int) -> bool:
        i = bisect.bisect_right(starts, offset) - 1
        return i >= 0 and offset < ends[i]

    if any(not in_token(at) for at in doubtful):
        return None
    out: list[tuple[int, int, str, list[str]]] = []
    line = 1
    counted = 0
    for index, (start, end) in enumerate(relevant):
        if in_token(start):
            continue
        try:
            body = ast.parse(source[start:end]).body
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return None
        if len(body) != 1:
            return None
        node = body[0]
        line += source.count("\n", counted, start)
        counted = start
        if isinstance(node, ast.Import):
            out.extend((line, -index, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                out.append((line, -index, node.module, [a.name for a in node.names if a.name != "*"]))
        else:
            return None
    line = 1
    counted = 0
    for at, module in dynamic:
        if in_token(at):
            continue
        line += source.count("\n", counted, at)
        counted = at
        out.append((line, _DYNAMIC_ORDER + at, module, []))
    # The whole-file parse lists the statements of one line last to first,
    # then the dynamic imports in order.
    out.sort(key=lambda t: (t[0], t[1]))
    return [(module, names, line) for line, _, module, names in out]


def _python_imports_fallback(source: str) -> list[tuple[str, list[str], int]]:
    newlines = newline_offsets(source)
    out: list[tuple[str, list[str], int]] = []
    for m in _PY_IMPORT_LINE.finditer(source):
        line = _line_at(newlines, m.start())
        for part in m.group(1).split(","):
            name = _PY_DOTTED.match(part.strip())
            if name:
                out.append((name.group(0).rstrip("."), [], line))
    for m in _PY_FROM_LINE.finditer(source):
        if m.group(1).startswith("."):
            continue
        names = [n.group(0) for part in m.group(2).split(",") if (n := _PY_DOTTED.match(part.strip()))]
        out.append((m.group(1), names, _line_at(newlines, m.start())))
    for m in _PY_DYNAMIC.finditer(source):
        out.append((m.group(2), [], _line_at(newlines, m.start())))
    out.sort(key=lambda t: t[2])
    return out


def _python_matches(cat: ImportCatalog, source: str, line_of: Callable[[int], int]) -> Iterator[ImportMatch]:
    imports = _python_imports_fast(source, cat.top_level)
    if imports is not None and not imports:
        return
    # The cheap test gates both paths (it ends at the first import it accepts).
    if not may_import_any(source, cat.top_level):
        return
    if imports is None:
        imports = python_imports(source)
    for module, names, line in imports:
        base = cat.match(module)
        best: tuple[ImportEntry, str] | None = (base, module) if base else None
        for n in names:
            sub = cat.match(f"{module}.{n}")
            if sub is not None and (best is None or len(sub.module) > len(best[0].module)):
                best = (sub, f"{module}.{n}")
        if best is not None:
            entry, full = best
            yield ImportMatch(cat.name_for(entry, full), full, line_of(line), entry)


# --------------------------------------------------------------------------
# JavaScript / TypeScript

# A keyword followed by a module specifier; the character before the keyword
# is checked separately (a leading look-behind would defeat the regex
# engine's fast scan for the keywords' first letters).
_JS_SPECIFIER = re.compile(r"""(from|import|require)\s*(?:\(\s*)?(['"`])([^'"`\n]{1,300})\2""")
_JS_NOT_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.")
_SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>(.*?)</script\s*>", re.S | re.I)
_CDN_PREFIXES = (
    "https://esm.sh/",
    "https://cdn.skypack.dev/",
    "https://cdn.jsdelivr.net/npm/",
    "https://unpkg.com/",
    "https://esm.run/",
    "npm:",
)
_NPM_NAME = re.compile(r"(?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*", re.I)


def npm_package(specifier: str) -> str | None:
    """The npm package a module specifier names (``@scope/pkg/sub`` gives
    ``@scope/pkg``); ``None`` for relative paths, URLs and built-ins."""
    spec = specifier.strip()
    for prefix in _CDN_PREFIXES:
        if spec.startswith(prefix):
            spec = spec[len(prefix) :]
            break
    else:
        if not spec or spec[0] in "./~#" or ":" in spec:
            return None
    parts = spec.split("/")
    if spec.startswith("@"):
        if len(parts) < 2:
            return None
        scope, name = parts[0], parts[1].split("@", 1)[0]
        pkg = f"{scope}/{name}"
    else:
        pkg = parts[0].split("@", 1)[0]
    return pkg if _NPM_NAME.fullmatch(pkg) else None


def _script_only(text: str) -> str:
    """Keep only ``<script>`` contents of a Vue/Svelte component (offsets kept)."""
    pos = 0
    out: list[str] = []
    for m in _SCRIPT_BLOCK.finditer(text):
        out.append(_blank(text[pos : m.start(1)]))
        out.append(m.group(1))
        pos = m.end(1)
    out.append(_blank(text[pos:]))
    return "".join(out)


def _js_matches(cat: ImportCatalog, text: str) -> Iterator[ImportMatch]:
    # Cheap pass over the raw text first; only a file with a catalogued
    # specifier is tokenized, to drop those inside comments and strings.
    candidates: list[tuple[int, int, str, str, ImportEntry]] = []
    for m in _JS_SPECIFIER.finditer(text):
        start = m.start()
        if start > 0 and text[start - 1] in _JS_NOT_BEFORE:
            continue
        if m.group(1) == "from" and "(" in text[m.end(1) : m.start(2)]:
            continue
        literal = m.group(3)
        pkg = npm_package(literal)
        entry = cat.match(pkg) if pkg is not None else None
        if pkg is not None and entry is not None:
            candidates.append((start, m.start(2), literal, pkg, entry))
    if not candidates:
        return
    tokens = TokenIndex(text)
    for start, quote, literal, pkg, entry in candidates:
        if tokens.inside(start) or not tokens.is_string(quote, literal):
            continue  # the keyword is in a comment or string, or the quote is not a string start
        yield ImportMatch(cat.name_for(entry, pkg), literal, tokens.line(start), entry)


# --------------------------------------------------------------------------
# Go

_GO_BLOCK = re.compile(r"(?<![\w.])import\s*\((.*?)\)", re.S)
_GO_SINGLE = re.compile(r"(?<![\w.])import[ \t]+(?:[\w.]+[ \t]+)?([\"`])([^\"`\n]*)\1")
_GO_SPEC = re.compile(r"(?:[\w.]+[ \t]+)?([\"`])([^\"`\n]*)\1")


def _go_matches(cat: ImportCatalog, text: str) -> Iterator[ImportMatch]:
    # Candidates from the raw text; the tokenizer then confirms each is a
    # real string in code (not in a comment or inside another string).
    candidates: list[tuple[int, str, ImportEntry]] = []
    for m in _GO_BLOCK.finditer(text):
        base = m.start(1)
        for spec in _GO_SPEC.finditer(m.group(1)):
            entry = cat.match(spec.group(2))
            if entry is not None:
                candidates.append((base + spec.start(1), spec.group(2), entry))
    for m in _GO_SINGLE.finditer(text):
        entry = cat.match(m.group(2))
        if entry is not None:
            candidates.append((m.start(1), m.group(2), entry))
    if not candidates:
        return
    tokens = TokenIndex(text, quotes='"', backtick=True)
    for off, path, entry in sorted(candidates, key=lambda c: c[0]):
        if tokens.is_string(off, path):
            yield ImportMatch(cat.name_for(entry, path), path, tokens.line(off), entry)


# --------------------------------------------------------------------------
# Java / Kotlin, C#, Rust, Ruby: statement-per-line languages

_JAVA_IMPORT = re.compile(r"^[ \t]*import[ \t]+(?:static[ \t]+)?([A-Za-z_][\w]*(?:\.[A-Za-z_$][\w$]*)*)", re.M)
_CS_USING = re.compile(
    r"^[ \t]*(?:global[ \t]+)?using[ \t]+(?:static[ \t]+)?(?:[A-Za-z_]\w*[ \t]*=[ \t]*)?"
    r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)[ \t]*[;<]",
    re.M,
)
_RUST_USE = re.compile(
    r"^[ \t]*(?:pub(?:\([^)\n]*\))?[ \t]+)?(?:use[ \t]+(?:::)?|extern[ \t]+crate[ \t]+)"
    r"([A-Za-z_]\w*(?:::[A-Za-z_]\w*)*)",
    re.M,
)
_RUST_SKIP = frozenset({"crate", "self", "super", "std", "core", "alloc"})
_RUBY_REQUIRE = re.compile(r"^[ \t]*(?:Kernel\.)?require[ \t]*\(?[ \t]*(['\"])([^'\"\n]+)\1", re.M)


def _line_matches(
    cat: ImportCatalog,
    text: str,
    pattern: re.Pattern[str],
    skip: frozenset[str] = frozenset(),
    *,
    quotes: str = '"',
) -> Iterator[ImportMatch]:
    """Line-anchored import statements found in the raw text, kept when the
    tokenizer confirms they are code (not inside a block comment or string)."""
    candidates: list[tuple[int, str, ImportEntry]] = []
    for m in pattern.finditer(text):
        module = m.group(1)
        if module.split(cat.sep, 1)[0] in skip:
            continue
        entry = cat.match(module)
        if entry is not None:
            candidates.append((m.start(1), module, entry))
    if not candidates:
        return
    tokens = TokenIndex(text, quotes=quotes, backtick=False)
    for off, module, entry in candidates:
        if not tokens.inside(off):
            yield ImportMatch(cat.name_for(entry, module), module, tokens.line(off), entry)


def _ruby_matches(cat: ImportCatalog, text: str) -> Iterator[ImportMatch]:
    candidates: list[tuple[int, int, str, ImportEntry]] = []
    for m in _RUBY_REQUIRE.finditer(text):
        entry = cat.match(m.group(2))
        if entry is not None:
            candidates.append((m.start(), m.start(1), m.group(2), entry))
    if not candidates:
        return
    tokens = TokenIndex(text, quotes="\"'", backtick=False, slash_comments=False, hash_comments=True)
    for start, quote, path, entry in candidates:
        if tokens.is_string(quote, path):
            yield ImportMatch(cat.name_for(entry, path), path, tokens.line(start), entry)


# --------------------------------------------------------------------------
# Detectors


def _findings(detector_id: str, cat: ImportCatalog, file: FileView, matches: Iterable[ImportMatch]) -> list[Finding]:
    seen: dict[str, ImportMatch] = {}
    for match in matches:
        current = seen.get(match.name)
        if current is None or match.line < current.line:
            seen[match.name] = match
    ecosystem = ECOSYSTEMS[cat.language]
    out = []
    for match in seen.values():
        package = cat.package_for(match.entry, match.name)
        out.append(
            Finding(
                kind=FindingKind.IMPORT,
                name=match.name,
                path=file.path,
                line=match.line,
                detector=detector_id,
                ecosystem=ecosystem,
                provider=match.entry.provider,
                category=match.entry.category,
                details={
                    "language": cat.language,
                    "module": match.module,
                    "package": f"{ecosystem}:{package}",
                },
            )
        )
    out.sort(key=Finding.sort_key)
    return out


class _ImportDetector(Detector):
    language: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    kinds = frozenset({FindingKind.IMPORT})

    def wants(self, path: str, name: str) -> bool:
        return name.lower().endswith(self.extensions)

    def scan(self, file: FileView) -> Iterable[Finding]:
        cat = import_catalog(self.language)
        try:
            matches = list(self.matches(cat, file))
        except (RecursionError, MemoryError, ValueError):  # pragma: no cover - defensive
            matches = []
        return _findings(self.id, cat, file, matches)

    @abc.abstractmethod
    def matches(self, cat: ImportCatalog, file: FileView) -> Iterable[ImportMatch]:
        """Every catalogued import of ``file``, in any order."""


def _identity(line: int) -> int:
    return line


class PythonImports(_ImportDetector):
    """``import``/``from`` statements and literal dynamic imports in Python
    files and notebook code cells."""

    id = "import.python"
    language = "python"
    extensions = (".py", ".pyi", ".pyw", ".ipynb")
    prefilter = import_catalog("python").prefilter()

    def matches(self, cat: ImportCatalog, file: FileView) -> Iterable[ImportMatch]:
        text = file.text()
        if not file.name.lower().endswith(".ipynb"):
            yield from _python_matches(cat, text, _identity)
            return
        for cell in code_cells(text):
            if cell.language not in ("python", "python3", "ipython", "ipython3"):
                continue
            yield from _python_matches(cat, cell.python_source(), cell.file_line)


class JavaScriptImports(_ImportDetector):
    """ES module imports/exports, ``require`` and dynamic ``import()`` in
    JavaScript, TypeScript, Vue and Svelte files."""

    id = "import.javascript"
    language = "javascript"
    extensions = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte")
    prefilter = import_catalog("javascript").prefilter()

    def matches(self, cat: ImportCatalog, file: FileView) -> Iterable[ImportMatch]:
        text = file.text()
        if file.name.lower().endswith((".vue", ".svelte")):
            text = _script_only(text)
        return _js_matches(cat, text)


class GoImports(_ImportDetector):
    """``import "path"`` and import blocks (with aliases) in Go."""

    id = "import.go"
    language = "go"
    extensions = (".go",)
    prefilter = import_catalog("go").prefilter()

    def matches(self, cat: ImportCatalog, file: FileView) -> Iterable[ImportMatch]:
        return _go_matches(cat, file.text())


class JavaImports(_ImportDetector):
    """``import`` declarations in Java, Kotlin, Scala and Groovy."""

    id = "import.java"
    language = "java"
    extensions = (".java", ".kt", ".kts", ".scala", ".groovy")
    prefilter = import_catalog("java").prefilter()

    def matches(self, cat: ImportCatalog, file: FileView) -> Iterable[ImportMatch]:
        return _line_matches(cat, file.text(), _JAVA_IMPORT)


class CSharpImports(_ImportDetector):
    """``using`` directives (including ``global``, ``static`` and aliases) in C#."""

    id = "import.csharp"
    language = "csharp"
    extensions = (".cs", ".csx")
    prefilter = import_catalog("csharp").prefilter()

    def matches(self, cat: ImportCatalog, file: FileView) -> Iterable[ImportMatch]:
        return _line_matches(cat, file.text(), _CS_USING)


class RustImports(_ImportDetector):
    """``use`` declarations and ``extern crate`` in Rust."""

    id = "import.rust"
    language = "rust"
    extensions = (".rs",)
    prefilter = import_catalog("rust").prefilter()

    def matches(self, cat: ImportCatalog, file: FileView) -> Iterable[ImportMatch]:
        return _line_matches(cat, file.text(), _RUST_USE, _RUST_SKIP)


class RubyImports(_ImportDetector):
    """``require`` of AI gems in Ruby (``require_relative`` is local code)."""

    id = "import.ruby"
    language = "ruby"
    extensions = (".rb", ".rake")
    prefilter = import_catalog("ruby").prefilter()

    def matches(self, cat: ImportCatalog, file: FileView) -> Iterable[ImportMatch]:
        return _ruby_matches(cat, file.text())
