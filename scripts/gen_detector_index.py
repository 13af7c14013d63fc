"""Write src/openaims/discovery/detectors/index.json: the ids of every detector, in id order.

A scan names its detectors in its report from the index, so a tree with nothing to look at
imports none of them. Run ``python scripts/gen_detector_index.py`` after adding, removing or
renaming a detector; the test suite fails when the index is out of date (``--check`` exits 1 then).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from openaims.discovery.registry import INDEX_FILE, build_index  # noqa: E402


def render() -> str:
    return json.dumps(build_index(), indent=1) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        try:
            current = INDEX_FILE.read_text(encoding="utf-8")
        except OSError:
            current = ""
        if current != text:
            where = INDEX_FILE.relative_to(ROOT)
            print(f"{where} is out of date: run python scripts/gen_detector_index.py", file=sys.stderr)
            return 1
        return 0
    INDEX_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {INDEX_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
