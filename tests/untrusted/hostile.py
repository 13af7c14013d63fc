"""The regression corpus: every hostile input the readers have met, generated at test time.

Each case names the reader it targets, the bytes, the kind of refusal expected and,
where the reader can know it, the line the one-line error must name. Add a case
here for every hostile file found in the field.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openaims.untrusted import (
    Limits,
    Problem,
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

#: Small bounds, so that the "too many" and "too large" cases stay small too.
SMALL = Limits(max_bytes=1024 * 1024, max_depth=64, max_elements=100_000)


def _zip_member(data: bytes, source: str, *, limits: Limits) -> Any:
    with open_zip(io.BytesIO(data), source, limits=limits) as archive:
        return [read_member(archive, info, source, limits=limits) for info in archive.infolist()]


READERS: dict[str, Callable[..., Any]] = {
    "yaml": read_yaml,
    "json": read_json,
    "jsonc": read_jsonc,
    "toml": read_toml,
    "xml": read_xml,
    "csv": read_csv,
    "notebook": read_notebook,
    "zip": _zip_member,
}


@dataclass(frozen=True)
class Hostile:
    name: str
    reader: str
    data: bytes
    problem: Problem
    line: int | None = None
    limits: Limits = SMALL

    def read(self) -> Any:
        return READERS[self.reader](self.data, f"{self.name}.{self.reader}", limits=self.limits)


def billion_laughs_yaml(levels: int = 9, width: int = 9) -> str:
    """The classic alias bomb: ``width ** levels`` strings from a few hundred bytes."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _mapping_bomb() -> str:
    lines = ["m0: &m0 {a: lol, b: lol, c: lol, d: lol}"]
    lines += [f"m{i}: &m{i} {{a: *m{i - 1}, b: *m{i - 1}, c: *m{i - 1}, d: *m{i - 1}}}" for i in range(1, 14)]
    return "\n".join(lines) + "\n"


def _merge_bomb() -> str:
    lines = ["m0: &m0 {a: 1, b: 2}"]
    lines += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}]}}" for i in range(1, 40)]
    return "\n".join(lines) + "\n"


def _xml_laughs() -> str:
    entities = ['<!ENTITY lol "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10)]
    return f"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n{chr(10).join(entities)}\n]>\n<lolz>&lol9;</lolz>\n"


def _zip(members: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _encrypted_zip() -> bytes:
    data = bytearray(_zip({"secret.txt": b"x"}, method=zipfile.ZIP_STORED))
    # Set the "encrypted" flag bit in the local and the central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 1
    return bytes(data)


def _corrupt_zip() -> bytes:
    data = bytearray(_zip({"a.txt": b"hello world " * 100}))
    at = data.find(b"PK\x03\x04") + 30 + len("a.txt")
    data[at : at + 8] = b"\xff" * 8
    return bytes(data)


def _future_version_zip() -> bytes:
    """A central directory that asks for a zip version the reader does not implement."""
    data = bytearray(_zip({"a.txt": b"x"}))
    at = data.find(b"PK\x01\x02")
    data[at + 6] = 64  # "version needed to extract": 6.4
    return bytes(data)


def corpus() -> list[Hostile]:
    """Every case, built now (some are large once expanded, none is large as bytes)."""
    nested_ok_json = "[" * 60 + "]" * 60
    return [
        # ---------------------------------------------------------------- YAML
        Hostile("yaml-billion-laughs", "yaml", billion_laughs_yaml().encode(), Problem.TOO_MANY, line=6),
        Hostile("yaml-mapping-bomb", "yaml", _mapping_bomb().encode(), Problem.TOO_MANY),
        Hostile("yaml-merge-key-bomb", "yaml", _merge_bomb().encode(), Problem.TOO_MANY),
        Hostile("yaml-deep-flow-sequence", "yaml", ("[" * 100_000 + "]" * 100_000).encode(), Problem.TOO_DEEP, 1),
        Hostile("yaml-deep-flow-mapping", "yaml", ("{a: " * 5000 + "1" + "}" * 5000).encode(), Problem.TOO_DEEP, 1),
        Hostile("yaml-deep-block-sequence", "yaml", ("- " * 20_000 + "x\n").encode(), Problem.TOO_DEEP, 1),
        Hostile(
            "yaml-deep-block-mapping",
            "yaml",
            "".join(f"{'  ' * i}k{i}:\n" for i in range(200)).encode() + b"  " * 200 + b"v\n",
            Problem.TOO_DEEP,
            line=65,
        ),
        Hostile("yaml-deep-dict-field", "yaml", ("f: " + "{a: " * 900 + "1" + "}" * 900).encode(), Problem.TOO_DEEP),
        Hostile("yaml-recursive-alias", "yaml", b"a: &a [1, *a]\n", Problem.SYNTAX, 1),
        Hostile("yaml-undefined-alias", "yaml", b"a: 1\nb: *nowhere\n", Problem.SYNTAX, 2),
        Hostile("yaml-duplicate-anchor", "yaml", b"a: &x 1\nb: &x 2\n", Problem.SYNTAX, 2),
        Hostile("yaml-duplicate-key", "yaml", b"name: a\nowner: b\nname: c\n", Problem.DUPLICATE_KEY, 3),
        Hostile("yaml-duplicate-nested-key", "yaml", b"a:\n  b: 1\n  c: 2\n  b: 3\n", Problem.DUPLICATE_KEY, 4),
        Hostile("yaml-duplicate-quoted-key", "yaml", b"a: 1\n'a': 2\n", Problem.DUPLICATE_KEY, 2),
        Hostile("yaml-duplicate-equal-keys", "yaml", b"1: a\n1.0: b\n", Problem.DUPLICATE_KEY, 2),
        Hostile("yaml-duplicate-flow-key", "yaml", b"{x: 1, y: 2, x: 3}\n", Problem.DUPLICATE_KEY, 1),
        Hostile("yaml-python-object", "yaml", b"a: !!python/object/apply:os.system [id]\n", Problem.FORBIDDEN, 1),
        Hostile("yaml-python-name", "yaml", b"a: !!python/name:os.system\n", Problem.FORBIDDEN, 1),
        Hostile("yaml-set", "yaml", b"a: !!set {x, y}\n", Problem.FORBIDDEN, 1),
        Hostile("yaml-binary", "yaml", b"a: !!binary aGVsbG8=\n", Problem.FORBIDDEN, 1),
        Hostile("yaml-application-tag", "yaml", b"a: !reference [x, y]\n", Problem.FORBIDDEN, 1),
        Hostile("yaml-nan", "yaml", b"a: 1\nb: .nan\n", Problem.SYNTAX, 2),
        Hostile("yaml-infinity", "yaml", b"a: -.inf\n", Problem.SYNTAX, 1),
        Hostile("yaml-huge-integer", "yaml", b"version: " + b"9" * 5000 + b"\n", Problem.SYNTAX, 1),
        Hostile("yaml-bad-timestamp-tag", "yaml", b"a: !!timestamp 2024-13-45\n", Problem.SYNTAX, 1),
        Hostile("yaml-complex-key", "yaml", b"? [a, b]\n: 1\n", Problem.SYNTAX, 1),
        Hostile("yaml-two-documents", "yaml", b"a: 1\n---\nb: 2\n", Problem.SYNTAX, 2),
        Hostile("yaml-not-utf8", "yaml", b"a: 1\nb: \xff\xfe\n", Problem.ENCODING, 2),
        Hostile("yaml-nul-byte", "yaml", b"a: x\x00y\n", Problem.SYNTAX, 1),
        Hostile("yaml-unclosed-flow", "yaml", b"a: [1, 2\nb: 3\n", Problem.SYNTAX),
        Hostile("yaml-bad-indent", "yaml", b"a:\n  b: 1\n c: 2\n", Problem.SYNTAX, 3),
        Hostile("yaml-too-large", "yaml", b"a: '" + b"x" * (1024 * 1024) + b"'\n", Problem.TOO_LARGE),
        Hostile("yaml-too-many-values", "yaml", ("[" + "0," * 100_001 + "0]").encode(), Problem.TOO_MANY, 1),
        # ---------------------------------------------------------------- JSON
        Hostile("json-deep-array", "json", ("[" * 100_000 + "]" * 100_000).encode(), Problem.TOO_DEEP),
        Hostile("json-deep-object", "json", ('{"a":' * 50_000 + "1" + "}" * 50_000).encode(), Problem.TOO_DEEP),
        Hostile("json-deeper-than-limit", "json", ("[\n" * 70 + "]" * 70).encode(), Problem.TOO_DEEP, 65),
        Hostile("json-duplicate-key", "json", b'{\n "a": 1,\n "b": {"c": 1},\n "a": 2\n}\n', Problem.DUPLICATE_KEY, 4),
        Hostile("json-duplicate-nested-key", "json", b'{"a": {\n "x": 1,\n "x": 1}}', Problem.DUPLICATE_KEY, 3),
        Hostile("json-nan", "json", b'{"a": NaN}', Problem.SYNTAX),
        Hostile("json-infinity", "json", b"[1, -Infinity]", Problem.SYNTAX),
        Hostile("json-huge-integer", "json", b"[" + b"9" * 5000 + b"]", Problem.SYNTAX),
        Hostile("json-lone-surrogate", "json", b'{"a": "\\ud800"}', Problem.SYNTAX),
        Hostile("json-not-utf8", "json", b'{"a": "\xc3\x28"}', Problem.ENCODING, 1),
        Hostile("json-trailing-garbage", "json", b'{"a": 1}\n{"b": 2}', Problem.SYNTAX, 2),
        Hostile("json-truncated", "json", b'{"a": [1, 2', Problem.SYNTAX, 1),
        Hostile("json-too-many-values", "json", ("[" + "0," * 100_001 + "0]").encode(), Problem.TOO_MANY),
        Hostile("json-too-large", "json", b'"' + b"x" * (1024 * 1024) + b'"', Problem.TOO_LARGE),
        Hostile("json-nested-ok-then-dup", "json", (nested_ok_json[:-60] + '{"k":1,"k":2}' + "]" * 60).encode(),
                Problem.DUPLICATE_KEY, 1),
        # ---------------------------------------------------------------- JSON with comments, JSON5
        Hostile("jsonc-deep-after-comment", "jsonc", b"// settings\n" + b"[" * 100_000 + b"]" * 100_000,
                Problem.TOO_DEEP, 2),
        Hostile("jsonc-deep-json5", "jsonc", ("[" * 70 + "]" * 70 + " // x").encode(), Problem.TOO_DEEP, 1),
        Hostile("jsonc-deep-unquoted-keys", "jsonc", ("{a: " * 5000 + "1" + "}" * 5000).encode(), Problem.SYNTAX, 1),
        Hostile("jsonc-duplicate-key-after-comment", "jsonc", b'{\n // x\n "a": 1,\n "a": 2,\n}\n',
                Problem.DUPLICATE_KEY, 4),
        Hostile("jsonc-duplicate-json5-key", "jsonc", b"{a: 1, a: 2}", Problem.DUPLICATE_KEY),
        Hostile("jsonc-json5-nan", "jsonc", b"{a: NaN}", Problem.SYNTAX),
        Hostile("jsonc-json5-infinity", "jsonc", b"{a: -Infinity,}", Problem.SYNTAX),
        Hostile("jsonc-json5-huge-hex", "jsonc", b"{a: 0x" + b"f" * 5000 + b"}", Problem.SYNTAX),
        Hostile("jsonc-too-many-values", "jsonc", ("// c\n[" + "0," * 100_001 + "0,]").encode(), Problem.TOO_MANY),
        Hostile("jsonc-unterminated-comment", "jsonc", b'{"a": 1 /* open', Problem.SYNTAX, 1),
        Hostile("jsonc-not-utf8", "jsonc", b'{"a": "\xff"} // c', Problem.ENCODING, 1),
        # ---------------------------------------------------------------- TOML
        Hostile("toml-duplicate-key", "toml", b'name = "a"\nversion = 1\nname = "b"\n', Problem.DUPLICATE_KEY, 3),
        Hostile("toml-duplicate-key-at-end", "toml", b'a = 1\na = 2', Problem.DUPLICATE_KEY, 2),
        Hostile("toml-duplicate-table", "toml", b"[a]\nx = 1\n[b]\n[a]\ny = 2\n", Problem.DUPLICATE_KEY, 4),
        Hostile("toml-deep-array", "toml", ("a = " + "[" * 50_000 + "]" * 50_000).encode(), Problem.TOO_DEEP),
        Hostile("toml-deeper-than-limit", "toml", ("a = " + "[" * 80 + "]" * 80).encode(), Problem.TOO_DEEP),
        Hostile("toml-deep-inline-table", "toml", ("a = " + "{b = " * 3000 + "1" + "}" * 3000).encode(),
                Problem.TOO_DEEP),
        Hostile("toml-huge-integer", "toml", b"a = " + b"9" * 5000, Problem.SYNTAX),
        Hostile("toml-not-utf8", "toml", b'a = "\xff"', Problem.ENCODING),
        Hostile("toml-bad-syntax", "toml", b"a = 1\n[b\n", Problem.SYNTAX, 2),
        Hostile("toml-too-many-values", "toml", ("a = [" + "0," * 100_001 + "0]").encode(), Problem.TOO_MANY),
        # ---------------------------------------------------------------- XML
        Hostile("xml-billion-laughs", "xml", _xml_laughs().encode(), Problem.FORBIDDEN),
        Hostile(
            "xml-external-entity",
            "xml",
            b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<x>&xxe;</x>',
            Problem.FORBIDDEN,
        ),
        Hostile("xml-doctype", "xml", b'<!DOCTYPE project SYSTEM "http://example.invalid/x.dtd">\n<project/>',
                Problem.FORBIDDEN),
        Hostile("xml-quadratic-blowup", "xml",
                b'<!DOCTYPE x [<!ENTITY a "' + b"A" * 50_000 + b'">]>\n<x>' + b"&a;" * 1000 + b"</x>",
                Problem.FORBIDDEN),
        Hostile("xml-deep", "xml", ("<a>" * 100_000 + "</a>" * 100_000).encode(), Problem.TOO_DEEP, 1),
        Hostile("xml-too-many-elements", "xml", ("<r>\n" + "<e/>" * 100_001 + "\n</r>").encode(), Problem.TOO_MANY, 2),
        Hostile("xml-mismatched-tag", "xml", b"<a>\n<b></a>", Problem.SYNTAX, 2),
        Hostile("xml-not-utf8", "xml", b"<a>\xff</a>", Problem.ENCODING),
        Hostile("xml-empty", "xml", b"", Problem.SYNTAX),
        # ---------------------------------------------------------------- CSV
        Hostile("csv-duplicate-column", "csv", b"id,name,name\n1,a,b\n", Problem.DUPLICATE_KEY, 1),
        Hostile("csv-empty", "csv", b"", Problem.SHAPE),
        Hostile("csv-nameless-column", "csv", b"id,,name\n", Problem.SHAPE, 1),
        Hostile("csv-row-wider-than-header", "csv", b"id,name\n1,a\n2,b,extra\n", Problem.SHAPE, 3),
        Hostile("csv-nul-byte", "csv", b"id,name\n1,a\x00b\n", Problem.SYNTAX, 2),
        Hostile("csv-too-many-cells", "csv", b"a,b\n" + b"1,2\n" * 60_000, Problem.TOO_MANY),
        Hostile("csv-not-utf8", "csv", b"id,name\n1,\xe9\n", Problem.ENCODING, 2),
        # ---------------------------------------------------------------- notebooks
        Hostile("notebook-not-json", "notebook", b"{cells: []}", Problem.SYNTAX, 1),
        Hostile("notebook-array", "notebook", b"[1, 2]", Problem.SHAPE),
        Hostile("notebook-no-cells", "notebook", b'{"metadata": {}}', Problem.SHAPE),
        Hostile("notebook-deep-output", "notebook",
                ('{"cells": [{"cell_type": "code", "source": "x", "outputs": '
                 + "[" * 100_000 + "]" * 100_000 + "}]}").encode(), Problem.TOO_DEEP),
        Hostile("notebook-duplicate-key", "notebook", b'{"cells": [],\n"cells": []}', Problem.DUPLICATE_KEY, 2),
        # ---------------------------------------------------------------- zip members
        Hostile("zip-bomb-member", "zip", _zip({"bomb.bin": b"\0" * (8 * 1024 * 1024)}), Problem.TOO_LARGE),
        Hostile("zip-too-many-members", "zip", _zip({f"m{i}": b"" for i in range(300)}), Problem.TOO_MANY,
                limits=Limits(max_elements=256)),
        Hostile("zip-encrypted-member", "zip", _encrypted_zip(), Problem.FORBIDDEN),
        Hostile("zip-corrupt-member", "zip", _corrupt_zip(), Problem.SYNTAX),
        Hostile("zip-future-version", "zip", _future_version_zip(), Problem.SYNTAX),
        Hostile("zip-member-name-with-newline", "zip", _zip({"a\nb.txt": b"\0" * 2_000_000}), Problem.TOO_LARGE),
        Hostile("zip-not-an-archive", "zip", b"PK\x03\x04 not really a zip", Problem.SYNTAX),
    ]
