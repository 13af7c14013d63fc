"""``aims scan``: formats, output file, --since, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest
from enginekit import make_tree

from openaims.cli.main import main
from openaims.cli.scan import parse_size

AIMS = Path(sys.executable).with_name("aims")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


#: The random middle of a key-shaped value built at test time (never a real key).
KEY_BODY = "".join(random.Random(42).choices(string.ascii_letters + string.digits, k=74))


@pytest.fixture
def sample(tree: Path) -> Path:
    key = "sk-" + "proj-" + KEY_BODY + "T3Blbk" + "FJ" + KEY_BODY[:20]
    return make_tree(
        tree,
        {
            "app/main.py": "import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model='claude-sonnet-4-5')\n",
            "app/.env": f"OPENAI_API_KEY={key}\n",
            "CLAUDE.md": "# Rules\n",
            "node_modules/openai/index.js": "require('openai')\n",
        },
    )


def test_json_report_on_stdout(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["scan", str(sample), "--format", "json", "--no-progress", "--jobs", "1"], capsys)
    assert code == 0, err
    report = json.loads(out)
    paths = {(f["kind"], f["path"]) for f in report["findings"]}
    assert {("import", "app/main.py"), ("model", "app/main.py"), ("agent_instructions", "CLAUDE.md")} <= paths
    assert ("secret", "app/.env") in paths
    assert not any(f["path"].startswith("node_modules/") for f in report["findings"])
    assert report["stats"]["skipped"]["vendored"] == 1
    assert KEY_BODY not in out


def test_include_vendored_and_output_file(sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.json"
    code, out, err = run(
        ["scan", str(sample), "-f", "json", "-o", str(target), "--include-vendored", "--no-progress"], capsys
    )
    assert code == 0
    assert out == ""
    assert err.startswith("Wrote ")
    assert str(target) in err
    report = json.loads(target.read_text())
    assert report["scope"]["include_vendored"] is True
    assert any(f["path"] == "node_modules/openai/index.js" for f in report["findings"])


def test_table_groups_by_kind_with_a_summary(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["scan", str(sample), "--no-progress"], capsys)
    assert code == 0
    for title in (
        "Imports",
        "Model references",
        "AI provider secrets",
        "Agent instruction files",
        "Summary",
        "By provider",
    ):
        assert title in out
    assert "anthropic" in out
    assert KEY_BODY not in out


def test_format_comes_from_the_environment(
    sample: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMS_SCAN_FORMAT", "json")
    code, out, _ = run(["scan", str(sample), "--no-progress"], capsys)
    assert code == 0
    assert json.loads(out)["schema"].endswith("/scan-report/v1")


def test_cyclonedx_output_is_a_bom(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["scan", str(sample), "-f", "cyclonedx", "--cyclonedx-version", "1.7", "--no-progress"], capsys
    )
    assert code == 0, err
    bom = json.loads(out)
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.7")


def test_empty_tree_exits_zero(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["scan", str(tree), "-f", "json", "--no-progress"], capsys)
    assert code == 0
    assert json.loads(out)["findings"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "/no/such/dir"], "aims: error: /no/such/dir does not exist; give the directory to scan\n"),
        (["scan", "{file}"], "aims: error: {file} is not a directory; give the directory to scan\n"),
        (
            ["scan", "{root}", "--max-file-size", "lots"],
            "aims: error: --max-file-size 'lots' is not a size; use e.g. 2MB, 512KB or 1048576\n",
        ),
        (["scan", "{root}", "--jobs", "0"], "aims: error: --jobs must be at least 1 (got 0)\n"),
        (
            ["scan", "{root}", "--since", "HEAD"],
            "aims: error: {root} is not inside a git work tree; --since needs one\n",
        ),
        (
            ["scan", "{root}", "-f", "json", "-o", "{root}/missing/out.json"],
            "aims: error: cannot write {root}/missing/out.json: its directory does not exist\n",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    sample: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {"root": str(sample), "file": str(sample / "CLAUDE.md")}
    code, out, err = run([a.format(**values) for a in [*args, "--no-progress"]], capsys)
    assert code == 2
    assert err == message.format(**values)
    assert out == ""


def test_bad_format_is_exit_2(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["scan", str(sample), "-f", "yaml"], capsys)
    assert code == 2
    assert "yaml" in err


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("2MB", 2 * 1024**2),
        ("512k", 512 * 1024),
        ("1.5GiB", int(1.5 * 1024**3)),
        ("100", 100),
        (" 3 kb ", 3072),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_since_scans_only_changed_files(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tree), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.name", "Test User")
    git("config", "user.email", "test@example.org")
    make_tree(tree, {"old.py": "import openai\n", "keep.py": "import anthropic\n"})
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    (tree / "new.py").write_text("import mistralai\n")
    (tree / "old.py").write_text("import openai\nimport cohere\n")
    code, out, err = run(["scan", str(tree), "-f", "json", "--since", "HEAD", "--no-progress"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["scope"]["since"] == "HEAD"
    assert sorted({f["path"] for f in report["findings"]}) == ["new.py", "old.py"]
    code, _, err = run(["scan", str(tree), "--since", "nope", "--no-progress"], capsys)
    assert code == 2
    assert err.startswith("aims: error: git revision 'nope' does not exist in ")
    assert err.count("\n") == 1


def test_console_script_exit_codes(sample: Path) -> None:
    ok = subprocess.run(
        [str(AIMS), "scan", str(sample), "-f", "json", "--no-progress"],
        capture_output=True,
        text=True,
        env={**os.environ, "AIMS_SCAN_FORMAT": ""},
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["findings"]
    bad = subprocess.run([str(AIMS), "scan", str(sample / "nope")], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr == f"aims: error: {sample / 'nope'} does not exist; give the directory to scan\n"
    assert "Traceback" not in bad.stderr
