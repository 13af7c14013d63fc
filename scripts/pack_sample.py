"""Pack examples/sample-monorepo into the package, so ``aims demo-data`` scans it wherever aims runs.

The archive is reproducible (sorted members, no times or owners), so packing an unchanged
sample gives the same bytes; a test fails when the archive and the folder differ.
Run: ``.venv/bin/python scripts/pack_sample.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from openaims.register.demo_sample import ARCHIVE, pack  # noqa: E402

if __name__ == "__main__":
    pack(ROOT / "examples" / "sample-monorepo", ARCHIVE)
    print(f"wrote {ARCHIVE.relative_to(ROOT)} ({ARCHIVE.stat().st_size} bytes)")
