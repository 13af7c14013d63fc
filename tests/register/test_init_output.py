"""Creating a register prints what was created and nothing else: no library warnings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_aims_init_prints_no_warnings(tmp_path: Path) -> None:
    env = {**os.environ, "AIMS_DATABASE_URL": f"sqlite:///{tmp_path / 'aims.db'}", "PYTHONWARNINGS": "default"}
    done = subprocess.run([sys.executable, "-m", "openaims", "init"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Created the register" in done.stdout
    assert done.stderr == ""
