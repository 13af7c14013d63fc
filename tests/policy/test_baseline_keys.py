"""``aims baseline create`` never accepts a hard-coded key silently (real scanner, real files)."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest
from tests.support.cli import run as aims

#: The random middle of a key-shaped value built at test time (never a real key).
BODY = "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=74))


def _key() -> str:
    return "sk-" + "proj-" + BODY[:20] + "T3Blbk" + "FJ" + BODY[20:]


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AIMS_POLICY", "AIMS_BASELINE", "AIMS_CHECK_PATH"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "requirements.txt").write_text("ollama==0.3.0\n")
    (root / "aims-policy.yaml").write_text("version: 1\npackages:\n  prohibited: ['pypi:ollama']\n")
    (root / "app" / "settings.py").write_text(f'OPENAI_API_KEY = "{_key()}"\n')
    return root


def test_a_hard_coded_key_is_refused_naming_the_file_and_the_redacted_key(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = aims(capsys, "baseline", "create", str(tree))
    assert code == 1
    assert "refusing to baseline 1 hard-coded key" in err
    assert "app/settings.py:1 sk-proj-" in err
    assert "--allow-secrets" in err
    assert BODY[:20] not in out + err
    assert not (tree / ".aims-baseline.json").exists()


def test_the_refusal_is_one_line(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = aims(capsys, "baseline", "create", str(tree))
    assert len(err.strip().splitlines()) == 1


def test_allow_secrets_baselines_the_key_with_a_warning(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = aims(capsys, "baseline", "create", str(tree), "--allow-secrets")
    assert code == 0, err
    assert "warning: baselined a hard-coded key" in err
    assert "app/settings.py:1 sk-proj-" in err
    rules = {entry["rule"] for entry in json.loads((tree / ".aims-baseline.json").read_text())["violations"]}
    assert rules == {"secret.hardcoded", "package.prohibited"}
    assert BODY[:20] not in (tree / ".aims-baseline.json").read_text() + out + err


def test_a_tree_without_keys_is_baselined_without_a_word_about_keys(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "app" / "settings.py").write_text('import os\nOPENAI_API_KEY = os.environ["OPENAI_API_KEY"]\n')
    code, _, err = aims(capsys, "baseline", "create", str(tree))
    assert code == 0, err
    assert "key" not in err
    rules = {entry["rule"] for entry in json.loads((tree / ".aims-baseline.json").read_text())["violations"]}
    assert rules == {"package.prohibited"}


def test_a_key_under_an_exception_is_left_to_the_exception(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "aims-policy.yaml").write_text(
        "version: 1\npackages:\n  prohibited: ['pypi:ollama']\nexceptions:\n"
        "  - match: 'secret:*'\n    owner: sec@example.com\n    reason: rotated, removal in review\n"
        "    expires: 2099-01-01\n"
    )
    code, _, err = aims(capsys, "baseline", "create", str(tree))
    assert code == 0, err
    rules = {entry["rule"] for entry in json.loads((tree / ".aims-baseline.json").read_text())["violations"]}
    assert rules == {"package.prohibited"}
