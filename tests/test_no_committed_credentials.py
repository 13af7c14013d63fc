"""No file in the repository holds a string shaped like a live credential.

Fixtures that need key-shaped strings build them at test time from parts. This
test keeps it so; its own patterns are assembled from parts too.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_SHAPES = [
    "sk" + r"-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3Blbk" + "FJ",
    "sk" + r"-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}",
    "sk" + r"-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{40,}",
    "AK" + r"IA[0-9A-Z]{16}",
    "gh" + r"[pousr]_[A-Za-z0-9]{36}",
    "github" + r"_pat_[A-Za-z0-9_]{60,}",
    "xox" + r"[bpas]-[0-9]{8,}-[A-Za-z0-9-]{20,}",
    "hf" + r"_[A-Za-z0-9]{34}",
    "AI" + r"za[0-9A-Za-z_-]{35}",
    "gsk" + r"_[A-Za-z0-9]{48,}",
    "r8" + r"_[A-Za-z0-9]{37}",
]
_PATTERN = re.compile("|".join(f"(?:{s})" for s in _SHAPES))


def _tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [ROOT / line for line in out.stdout.splitlines() if line]


def test_no_key_shaped_literals_in_repository() -> None:
    offenders = []
    for path in _tracked_files():
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        for match in _PATTERN.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == []
