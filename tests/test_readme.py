"""The README works as written: its command blocks run in order, and it links every document.

The blocks run as one shell script (so ``cd`` and ``export`` carry over, as in a terminal) from
the root of the checkout, with a scratch home folder and no ``aims`` on PATH: the README's own
set-up step has to put it there. A block preceded by ``<!-- readme-test: skip (why) -->`` is
not run; there are at most :data:`MAX_SKIPPED` of them.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_SKIPPED = 3
SHELLS = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^```(\S*)\s*$")
MARKER = re.compile(r"^<!-- readme-test: skip \((?P<why>[^)]+)\) -->$")


@dataclass(frozen=True)
class Block:
    line: int
    code: str
    skipped: str | None


def blocks(text: str) -> list[Block]:
    """The shell blocks of a Markdown text, in order, each with the reason it is skipped (if it is)."""
    found: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), len(lines))
        if opening.group(1) in SHELLS:
            before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            marker = MARKER.match(before.strip())
            found.append(Block(i + 1, "\n".join(lines[i + 1 : end]), marker.group("why") if marker else None))
        i = end + 1
    return found


def test_blocks_are_found_with_their_markers() -> None:
    text = "# T\n\n```sh\necho one\n```\n\n<!-- readme-test: skip (a server) -->\n```bash\nserve\n```\n```yaml\na: 1\n```\n"
    assert blocks(text) == [Block(3, "echo one", None), Block(8, "serve", "a server")]


def test_skip_markers_are_few_and_each_says_why() -> None:
    text = README.read_text(encoding="utf-8")
    skipped = [b for b in blocks(text) if b.skipped is not None]
    assert len(skipped) <= MAX_SKIPPED
    markers = [line for line in text.splitlines() if line.strip().startswith("<!-- readme-test")]
    assert len(markers) == len(skipped), "a readme-test marker that does not precede a shell block"


def test_every_document_is_linked() -> None:
    text = README.read_text(encoding="utf-8")
    documents = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))
    assert [d for d in documents if f"]({d})" not in text] == []
    targets = re.findall(r"\]\(([^)#]+)\)", text)
    local = [t for t in targets if "://" not in t]
    assert [t for t in local if not (ROOT / t).exists()] == []


def _environment(home: Path) -> dict[str, str]:
    """A newcomer's environment: a home of their own, no aims on PATH, no AIMS_* settings."""
    path = [
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if folder and not (Path(folder) / "aims").exists()
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_") and k not in {"VIRTUAL_ENV", "PREFIX"}}
    env.update(HOME=str(home), PATH=os.pathsep.join(path), COLUMNS="80", AIMS_CONFIG_DIR=str(home / ".config" / "aims"))
    return env


@pytest.mark.slow
def test_the_readme_runs_top_to_bottom(tmp_path: Path) -> None:
    stamp = subprocess.run(["make", "-q", ".venv/.runtime-stamp"], cwd=ROOT, capture_output=True, check=False)
    assert stamp.returncode == 0, "the checkout's .venv is not current; run 'make venv' first (make test does)"
    home = tmp_path / "home"
    home.mkdir()
    runnable = [b for b in blocks(README.read_text(encoding="utf-8")) if b.skipped is None]
    script = "\n".join(
        ["set -euo pipefail", "trap 'echo \"README command failed: $BASH_COMMAND\" >&2' ERR"]
        + [f"# README.md line {b.line}\n{b.code}" for b in runnable]
    )
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=_environment(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr
    # `make install` linked the checkout's aims, and the tour kept its register in the scratch folder.
    assert (home / ".local" / "bin" / "aims").resolve() == (ROOT / ".venv" / "bin" / "aims").resolve()
    assert (home / "aims-tour" / ".aims" / "aims.db").is_file()
    assert not (ROOT / "northwind").exists()
