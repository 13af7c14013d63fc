"""Write src/openaims/cli/commands.json: every top-level ``aims`` command, its module and help.

``aims`` reads the index to list commands in ``aims --help`` and to load only the module of
the command it runs. Run ``python scripts/gen_command_index.py`` after adding, renaming or
re-describing a top-level command; the test suite fails when the index is out of date
(``--check`` exits 1 then).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from openaims.cli.main import INDEX_FILE, build_index  # noqa: E402


def render() -> str:
    return json.dumps(build_index(), indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if INDEX_FILE.read_text(encoding="utf-8") != text:
            where = INDEX_FILE.relative_to(ROOT)
            print(f"{where} is out of date: run python scripts/gen_command_index.py", file=sys.stderr)
            return 1
        return 0
    INDEX_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {INDEX_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
