"""``aims import`` of hostile or damaged record files: one line, exit 2, nothing stored.

Each case is a record file an attacker or a careless edit could produce (the cases
found when the import was probed: deep nesting, an alias bomb in a structured
field, garbage timestamps, huge or text versions, duplicate keys). None may end in
an internal error (exit 70), a crash or a half-done import.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.cli import run
from tests.untrusted.hostile import billion_laughs_yaml

HEADER = "format: openaims-register/v1\nrecords:\n  system: 1\nevidence_files: 0\n"

RECORD = """\
id: SYS-1
status: proposed
version: 1
name: Chat assistant
description: null
lifecycle_stage: inception
owner: null
organisation_roles: []
risk_tier: unclassified
eu_ai_act:
  answers: {}
repositories: []
links: []
created_at: '2026-05-04T09:30:00Z'
created_by: maria
updated_at: '2026-05-04T09:30:00Z'
updated_by: maria
"""


def _field(value: str) -> str:
    """The record with ``eu_ai_act`` (a structured field) set to ``value`` (YAML text)."""
    return RECORD.replace("eu_ai_act:\n  answers: {}\n", f"eu_ai_act: {value}\n")


def _bomb_field() -> str:
    bomb = "\n".join("  " + line for line in billion_laughs_yaml().splitlines())
    return RECORD.replace("eu_ai_act:\n  answers: {}\n", f"eu_ai_act:\n{bomb}\n")


def _block_nesting(levels: int) -> str:
    body = "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(levels)) + "  " * (levels + 1) + "leaf\n"
    return RECORD.replace("eu_ai_act:\n  answers: {}\n", f"eu_ai_act:\n{body}")


#: (name, record file text, substring of the one-line error)
CASES: list[tuple[str, str, str]] = [
    ("deep-flow-mapping", _field("{a: " * 5000 + "1" + "}" * 5000), "SYS-1.yaml:10: nested deeper than 32 levels"),
    ("deep-flow-sequence", _field("[" * 100_000 + "]" * 100_000), "SYS-1.yaml:10: nested deeper than 32 levels"),
    ("deep-dictionary-field", _block_nesting(900), "nested deeper than 32 levels"),
    ("billion-laughs-in-a-dict-field", _bomb_field(), "expands to more than 200000 values"),
    ("garbage-created-at", RECORD.replace("created_at: '2026-05-04T09:30:00Z'", "created_at: 'yesterday-ish'"),
     "invalid system: Created at must be a date and time"),
    ("number-created-at", RECORD.replace("created_at: '2026-05-04T09:30:00Z'", "created_at: 12"),
     "invalid system: Created at must be a date and time"),
    ("impossible-updated-at", RECORD.replace("updated_at: '2026-05-04T09:30:00Z'", "updated_at: 2026-13-45"),
     "invalid system: Updated at must be a date and time"),
    ("huge-negative-version", RECORD.replace("version: 1", "version: -99999999999999999999999"),
     "invalid system: Version must be a whole number from 1 to 2147483647"),
    ("huge-version", RECORD.replace("version: 1", "version: 99999999999999999999999"),
     "invalid system: Version must be a whole number from 1 to 2147483647"),
    ("text-version", RECORD.replace("version: 1", "version: three"),
     "invalid system: Version must be a whole number from 1 to 2147483647"),
    ("boolean-version", RECORD.replace("version: 1", "version: true"),
     "invalid system: Version must be a whole number"),
    ("list-created-by", RECORD.replace("created_by: maria", "created_by: [maria, bob]"), "invalid system: Created by must be text"),
    ("thousand-digit-version", RECORD.replace("version: 1", "version: " + "9" * 5000),
     "SYS-1.yaml:3: a whole number with more than 4300 digits"),
    ("duplicate-key", RECORD.replace("name: Chat assistant\n", "name: Chat assistant\nname: Other\n"),
     "SYS-1.yaml:5: duplicate key 'name' (first at line 4)"),
    ("python-tag", _field("!!python/object/apply:os.system [id]"),
     "SYS-1.yaml:10: the tag !!python/object/apply:os.system is not allowed here"),
    ("nan-in-a-field", _field("{score: .nan}"), "SYS-1.yaml:10: '.nan' is not a finite number"),
    ("two-documents", RECORD + "---\nid: SYS-2\n", "SYS-1.yaml:18: holds more than one YAML document"),
    ("not-utf8", RECORD.replace("Chat assistant", "Chat \udcff assistant"), "SYS-1.yaml:4: is not UTF-8 text"),
]

#: (name, edit of the record as already imported, substring of the error) for the update path.
UPDATE_CASES: list[tuple[str, str, str]] = [
    ("huge-negative-version", "version: -99999999999999999999999", "version: must be a whole number from 1 to 2147483647"),
    ("huge-version", "version: 4294967296", "version: must be a whole number from 1 to 2147483647"),
    ("text-version", "version: 'three'", "version: must be a whole number from 1 to 2147483647"),
]


def _export(root: Path, record: str) -> Path:
    (root / "system").mkdir(parents=True)
    (root / "openaims-register.yaml").write_text(HEADER, encoding="utf-8")
    (root / "system" / "SYS-1.yaml").write_bytes(record.encode("utf-8", "surrogateescape"))
    return root


@pytest.fixture
def register(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("AIMS_ACTOR", "importer")
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.delenv("AIMS_DEBUG", raising=False)
    return db_url


def _assert_refused(code: int, err: str, message: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("aims: error: system/SYS-1.yaml"), err
    assert message in lines[0], err


@pytest.mark.parametrize(("name", "record", "message"), CASES, ids=[case[0] for case in CASES])
def test_hostile_record_file_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], register: str, tmp_path: Path, name: str, record: str, message: str
) -> None:
    export = _export(tmp_path / name, record)
    code, _, err = run(capsys, "import", str(export))
    _assert_refused(code, err, message)
    code, out, _ = run(capsys, "system", "list", "--format", "json")
    assert code == 0
    assert '"total": 0' in out  # all or nothing: nothing was stored


def test_the_clean_record_imports(capsys: pytest.CaptureFixture[str], register: str, tmp_path: Path) -> None:
    code, out, err = run(capsys, "import", str(_export(tmp_path / "clean", RECORD)))
    assert code == 0, err
    assert "created 1" in out


@pytest.mark.parametrize(("name", "edit", "message"), UPDATE_CASES, ids=[case[0] for case in UPDATE_CASES])
def test_hostile_update_of_an_imported_record_is_refused(
    capsys: pytest.CaptureFixture[str], register: str, tmp_path: Path, name: str, edit: str, message: str
) -> None:
    assert run(capsys, "import", str(_export(tmp_path / "first", RECORD)))[0] == 0
    changed = RECORD.replace("version: 1", edit).replace("name: Chat assistant", "name: Renamed")
    code, _, err = run(capsys, "import", str(_export(tmp_path / name, changed)), "--merge")
    _assert_refused(code, err, message)
    code, out, _ = run(capsys, "system", "show", "SYS-1", "--format", "json")
    assert '"name": "Chat assistant"' in out


def test_a_hostile_export_is_refused_before_the_register_is_opened(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The alias bomb is refused by reading the files alone: no register, sign-in or key is needed
    for that, so the refusal costs no more than reading them."""
    monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{tmp_path / 'no-such-folder' / 'aims.db'}")
    monkeypatch.delenv("AIMS_DEBUG", raising=False)
    code, _, err = run(capsys, "import", str(_export(tmp_path / "bomb", _bomb_field())))
    _assert_refused(code, err, "expands to more than 200000 values")
    assert not (tmp_path / "no-such-folder").exists()
