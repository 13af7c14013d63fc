"""Keys planted where detectors copy text never leave the scanner whole.

A repository carries keys (built at test time from parts) in dependency URLs of a
requirements file and of lock files, in safetensors ``__metadata__``, in GGUF
``general.name``/``general.architecture``, as a pickle global name and as a
directory name. Every output of ``aims scan`` (table, JSON, CycloneDX JSON and
XML, SPDX), of ``aims check`` (text, JSON, SARIF, JUnit, GitHub), of ``aims lint``,
the register rows ``aims scan --register`` writes (on SQLite and PostgreSQL),
``aims component list/show``, the CSV export and the YAML export are searched:
no key appears whole, and what was found is still reported (redacted).
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest
import sqlalchemy as sa
from modelkit import evil_pickle, gguf, safetensors

from openaims.cli.main import main

RNG = random.Random(9)


def _body(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(RNG.choices(alphabet, k=n))


# Built from parts: nothing key-shaped is committed.
GITHUB_TOKEN = "gh" + "p_" + _body(36)
GITHUB_TOKEN_2 = "gh" + "p_" + _body(36)
OPENAI_KEY = "sk-" + "proj-" + _body(64)
OPENAI_KEY_DIR = "sk-" + "proj-" + _body(48)
HF_TOKEN = "hf" + "_" + _body(34)
ANTHROPIC_KEY = "sk-" + "ant-" + "api03-" + _body(95, string.ascii_letters + string.digits + "_-")
PASSWORD = "pw" + _body(22)
KEYS = {
    "github token": GITHUB_TOKEN,
    "github token (x-access-token)": GITHUB_TOKEN_2,
    "openai key": OPENAI_KEY,
    "openai key (directory)": OPENAI_KEY_DIR,
    "hugging face token": HF_TOKEN,
    "anthropic key": ANTHROPIC_KEY,
    "npm registry password": PASSWORD,
}

POLICY = """\
version: 1
packages:
  prohibited: ["pypi:openai", "pypi:langchain", "npm:openai", "pypi:anthropic"]
secrets: block
unsafe_model_files: block
agent_config:
  fail_at: info
"""


def hostile_tree(root: Path) -> Path:
    files: dict[str, str | bytes] = {
        "aims-policy.yaml": POLICY,
        "requirements.txt": (
            f"openai @ git+https://{GITHUB_TOKEN}@github.com/acme/openai-python.git@v1.40.0\n"
            f"-e git+https://x-access-token:{GITHUB_TOKEN_2}@github.com/acme/langchain.git#egg=langchain\n"
            f"anthropic @ https://pypi.example.com/simple/anthropic-0.40.tar.gz?token={HF_TOKEN}\n"
        ),
        "Pipfile.lock": json.dumps(
            {
                "_meta": {"sources": [{"name": "pypi", "url": f"https://{GITHUB_TOKEN}@pypi.example.com/simple"}]},
                "default": {
                    "openai": {"git": f"https://{GITHUB_TOKEN}@github.com/acme/openai-python.git", "ref": "abc123"}
                },
            },
            indent=4,
        ),
        "poetry.lock": (
            '[[package]]\nname = "openai"\nversion = "1.40.0"\n\n[package.source]\ntype = "git"\n'
            f'url = "https://{GITHUB_TOKEN}@github.com/acme/openai-python.git"\nreference = "main"\n'
            'resolved_reference = "abc123"\n'
        ),
        "web/package.json": json.dumps({"dependencies": {"openai": f"git+https://{GITHUB_TOKEN}@github.com/a/b.git"}}),
        "web/package-lock.json": json.dumps(
            {
                "lockfileVersion": 3,
                "packages": {
                    "": {"dependencies": {"openai": "^4.0.0"}},
                    "node_modules/openai": {
                        "version": "4.0.0",
                        "resolved": f"https://ci:{PASSWORD}@npm.example.com/openai/-/openai-4.0.0.tgz",
                    },
                },
            },
            indent=2,
        ),
        "models/adapter.safetensors": safetensors(
            {"w": ("F32", [2, 2])},
            metadata={
                "hub_token": HF_TOKEN,
                "source": f"https://{GITHUB_TOKEN}@huggingface.co/acme/m",
                "k": OPENAI_KEY,
            },
        ),
        "models/tiny.gguf": gguf(architecture=ANTHROPIC_KEY, name=OPENAI_KEY),
        "models/evil.pkl": evil_pickle("os", "system_" + OPENAI_KEY),
        f"{OPENAI_KEY_DIR}/requirements.txt": "openai==1.40.0\n",
        f"{OPENAI_KEY_DIR}/CLAUDE.md": "# Rules\nAlways run the tests.\n",
    }
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out + err


def leaked(text: str) -> list[str]:
    """The planted keys found whole in ``text`` (also across table wrapping)."""
    flat = "".join(ch for ch in text if not ch.isspace() and ch not in "│┃|")
    return [name for name, key in KEYS.items() if key in text or key in flat]


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables wide enough that no cell wraps: a key split over two lines would hide a leak."""
    from openaims.cli.console import console, err_console

    monkeypatch.setattr(console, "_width", 1000)
    monkeypatch.setattr(err_console, "_width", 1000)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    return hostile_tree(root)


def test_scan_outputs_hold_no_key(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("COLUMNS", "400")
    outputs: dict[str, str] = {}
    for fmt in ("table", "json", "cyclonedx", "cyclonedx-xml", "spdx"):
        code, text = run(["scan", str(repo), "--format", fmt, "--no-progress", "--jobs", "1"], capsys)
        assert code == 0, text
        outputs[fmt] = text
        target = tmp_path / f"out.{fmt}"
        code, text = run(["scan", str(repo), "--format", fmt, "--no-progress", "-o", str(target)], capsys)
        outputs[f"{fmt} file"] = target.read_text(encoding="utf-8") + text
    for fmt, text in outputs.items():
        assert leaked(text) == [], fmt
    report = json.loads(outputs["json"])
    found = {(f["kind"], f["name"], f["path"]) for f in report["findings"]}
    # Still found, with the key masked where it stood.
    assert ("dependency", "openai", "requirements.txt") in found
    assert ("dependency", "openai", "sk-proj-…" + OPENAI_KEY_DIR[-4:] + "/requirements.txt") in found
    assert any(kind == "model_file" and path == "models/adapter.safetensors" for kind, _, path in found)
    by_path = {(f["path"], f["name"]): f for f in report["findings"]}
    openai_req = by_path[("requirements.txt", "openai")]
    assert openai_req["details"]["source_url"].startswith("git+https://ghp_…")
    assert openai_req["details"]["source_url"].endswith("@github.com/acme/openai-python.git@v1.40.0")


def test_check_and_lint_outputs_hold_no_key(repo: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("COLUMNS", "400")
    for fmt in ("text", "json", "sarif", "junit", "github"):
        code, text = run(["check", str(repo), "--format", fmt], capsys)
        assert code == 1, text  # the prohibited packages fail
        assert leaked(text) == [], fmt
        assert "openai" in text
    for fmt in ("text", "json"):
        code, text = run(["lint", str(repo), "--format", fmt, "--fail-at", "critical"], capsys)
        assert code in (0, 1), text
        assert leaked(text) == [], f"lint {fmt}"


def test_register_rows_and_exports_hold_no_key(repo: Path, tmp_path: Path, db_url: str,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "scanner")
    monkeypatch.setenv("COLUMNS", "400")
    code, text = run(["scan", str(repo), "--register", "--format", "json", "--no-progress", "--jobs", "1"], capsys)
    assert code == 0, text
    assert leaked(text) == []

    engine = sa.create_engine(db_url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        rows: list[str] = []
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                rows.extend(f"{table.name}: {tuple(row)}" for row in conn.execute(sa.select(table)))
    finally:
        engine.dispose()
    components = [row for row in rows if row.startswith("ai_components:")]
    assert len(components) >= 4
    assert leaked("\n".join(rows)) == []

    code, listing = run(["component", "list", "--format", "json"], capsys)
    assert code == 0, listing
    assert leaked(listing) == []
    ids = [item["id"] for item in json.loads(listing)["items"]]
    for record_id in ids:
        code, shown = run(["component", "show", record_id], capsys)
        assert code == 0, shown
        assert leaked(shown) == [], record_id

    csv_file = tmp_path / "components.csv"
    code, text = run(["csv", "export", "component", "-o", str(csv_file)], capsys)
    assert code == 0, text
    assert leaked(csv_file.read_text(encoding="utf-8")) == []

    export = tmp_path / "export"
    code, text = run(["export", str(export)], capsys)
    assert code == 0, text
    exported = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in export.rglob("*") if p.is_file())
    assert "openai" in exported
    assert leaked(exported) == []
