"""Trees an attacker would commit to stall or bloat a scan, built at test time.

Each builder writes one hostile file and, beside it, a file with a real finding
(``import openai``) that the scan must still report. The sizes default to the
full-size cases (used by ``benchmarks/hostile_scan.py``); tests pass smaller
sizes where the verdict does not depend on them.

Large files are written streaming: a deflated member of zeros is compressed once
and its bytes reused for every member, so building 32 members that inflate to
1.1 GiB each takes seconds and little memory.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: The file with the real finding every tree keeps beside its hostile file.
REAL_FINDING = ("app.py", "import openai\n\nclient = openai.OpenAI()\n")

#: The 40-character file name the ignore patterns are matched against (a Python file).
LONG_NAME = "a" * 37 + ".py"


@dataclass(frozen=True, slots=True)
class HostileTree:
    """A built tree: its root, the hostile file (relative path) and its size on disk."""

    root: Path
    hostile: str
    size: int


def _finish(root: Path, hostile: str) -> HostileTree:
    name, text = REAL_FINDING
    (root / name).write_text(text, encoding="utf-8")
    return HostileTree(root, hostile, (root / hostile).stat().st_size)


# --------------------------------------------------------------------------- ignore file


def gitignore_lines(stars: int = 1000, lines: int = 50, double_stars: int = 200, a_stars: int = 600) -> list[str]:
    """One line of ``**/`` repeated ``double_stars`` times then ``a*`` repeated ``a_stars`` times
    and ``b``, then ``lines`` lines of ``stars`` stars followed by ``x``: 51 lines in all. The
    first line is over the pattern bound (reported, not used); the others are matched."""
    return ["**/" * double_stars + "a*" * a_stars + "b"] + ["*" * stars + "x"] * lines


def gitignore_tree(root: Path) -> HostileTree:
    """A ``.gitignore`` a backtracking matcher does not finish against a 40-character name;
    the 40-character name is the file that imports ``openai``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".gitignore").write_text("\n".join(gitignore_lines()) + "\n", encoding="utf-8")
    (root / LONG_NAME).write_text(REAL_FINDING[1], encoding="utf-8")
    (root / ("a" * 40)).write_text("notes\n", encoding="utf-8")
    return _finish(root, ".gitignore")


# --------------------------------------------------------------------------- zip writer


@dataclass(frozen=True, slots=True)
class _Member:
    name: bytes
    offset: int
    crc: int
    compressed: int
    size: int
    method: int


class _ZipWriter:
    """A minimal zip writer for members whose compressed bytes are already known
    (so the same deflated stream can be written many times without recompressing)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.members: list[_Member] = []

    def add(self, name: str, chunks: Callable[[], Iterator[bytes]], *, crc: int, compressed: int, size: int,
            method: int) -> None:  # fmt: skip
        raw = name.encode()
        offset = self.out.tell()
        self.out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, compressed, size,
                                   len(raw), 0))  # fmt: skip
        self.out.write(raw)
        for chunk in chunks():
            self.out.write(chunk)
        self.members.append(_Member(raw, offset, crc, compressed, size, method))

    def close(self) -> None:
        start = self.out.tell()
        for m in self.members:
            self.out.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, m.method, 0, 0x21, m.crc,
                                       m.compressed, m.size, len(m.name), 0, 0, 0, 0, 0, m.offset))  # fmt: skip
            self.out.write(m.name)
        end = self.out.tell()
        count = len(self.members)
        self.out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, end - start, start, 0))


def _member_names(members: int) -> list[str]:
    """``archive/data.pkl`` (what makes the zip PyTorch-style) then more pickles."""
    return ["archive/data.pkl"] + [f"archive/extra{i}.pkl" for i in range(1, members)]


# --------------------------------------------------------------------------- inflation


def _zeros_member(zeros: int, spool: BinaryIO) -> tuple[int, int, int]:
    """Deflate ``PROTO 4, BINBYTES8 zeros, <zeros>, POP, NONE, STOP`` into ``spool``:
    ``(crc, compressed size, size)``."""
    head = b"\x80\x04\x8e" + struct.pack("<Q", zeros)
    tail = b"0N."
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = zlib.crc32(head)
    spool.write(compressor.compress(head))
    block = bytes(1 << 20)
    block_crc_left = zeros
    while block_crc_left:
        chunk = block if block_crc_left >= len(block) else bytes(block_crc_left)
        crc = zlib.crc32(chunk, crc)
        spool.write(compressor.compress(chunk))
        block_crc_left -= len(chunk)
    crc = zlib.crc32(tail, crc)
    spool.write(compressor.compress(tail))
    spool.write(compressor.flush())
    return crc, spool.tell(), len(head) + zeros + len(tail)


def inflation_tree(root: Path, *, members: int = 32, zeros: int = 1100 << 20) -> HostileTree:
    """A PyTorch-style zip whose ``members`` pickles each inflate to ``zeros`` zero bytes
    behind a BINBYTES8 opcode (full size: 32 members of 1.1 GiB, about 35 MB on disk)."""
    root.mkdir(parents=True, exist_ok=True)
    spool_path = root.parent / f".{root.name}-member.deflate"
    with spool_path.open("w+b") as spool:
        crc, compressed, size = _zeros_member(zeros, spool)

        def chunks() -> Iterator[bytes]:
            spool.seek(0)
            while chunk := spool.read(1 << 20):
                yield chunk

        with (root / "model.pt").open("wb") as out:
            writer = _ZipWriter(out)
            for name in _member_names(members):
                writer.add(name, chunks, crc=crc, compressed=compressed, size=size, method=8)
            writer.close()
    spool_path.unlink()
    return _finish(root, "model.pt")


# --------------------------------------------------------------------------- opcode flood


def opcode_flood(opcodes: int) -> bytes:
    """A pickle of ``opcodes`` NONE/POP pairs (then NONE, STOP): trivially valid, long to walk."""
    return b"\x80\x04" + b"N0" * (opcodes // 2) + b"N."


def opcode_tree(root: Path, *, members: int = 16, opcodes: int = 5_000_000) -> HostileTree:
    """A PyTorch-style zip whose ``members`` pickles (stored, so no compression ratio gives
    them away) each hold ``opcodes`` NONE/POP opcodes (full size: 16 of 5 million, 160 MB)."""
    root.mkdir(parents=True, exist_ok=True)
    body = opcode_flood(opcodes)
    crc = zlib.crc32(body)
    with (root / "model.pt").open("wb") as out:
        writer = _ZipWriter(out)
        for name in _member_names(members):
            writer.add(name, lambda: iter((body,)), crc=crc, compressed=len(body), size=len(body), method=0)
        writer.close()
    return _finish(root, "model.pt")


# --------------------------------------------------------------------------- safetensors header


def safetensors_tree(root: Path, *, tensors: int = 900_000) -> HostileTree:
    """A safetensors file whose JSON header lists ``tensors`` tiny tensors
    (full size: 900,000 of them, a header of about 60 MB)."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "model.safetensors"
    entries = (
        f'"layer.{i}.w":{{"dtype":"F32","shape":[1],"data_offsets":[{4 * i},{4 * i + 4}]}}'
        for i in range(tensors)
    )
    header = ("{" + ",".join(entries) + "}").encode()
    with path.open("wb") as out:
        out.write(struct.pack("<Q", len(header)))
        out.write(header)
        out.write(bytes(4 * tensors))
    return _finish(root, "model.safetensors")


#: Every case of the regression corpus at full size, by name.
FULL_SIZE: dict[str, Callable[[Path], HostileTree]] = {
    "gitignore": gitignore_tree,
    "inflation": inflation_tree,
    "opcodes": opcode_tree,
    "safetensors": safetensors_tree,
}
