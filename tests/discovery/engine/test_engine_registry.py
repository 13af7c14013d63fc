"""Detector discovery: every concrete class defined in a module of the package."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from openaims.discovery.interface import DetectorError
from openaims.discovery.registry import all_detectors, detector_classes, postprocessor_classes

MODULE_HEAD = """
from openaims.discovery.interface import Detector, FindingKind, PostProcessor
"""

DETECTOR = """
class {name}(Detector):
    id = "{ident}"
    kinds = frozenset({{FindingKind.IMPORT}})
    def wants(self, path, name): return True
    def scan(self, file): return []
"""


@pytest.fixture
def package(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, Path]]:
    name = f"fake_detectors_{request.node.name.replace('[', '_').replace(']', '_').replace('-', '_')}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    try:
        yield name, root
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


def write(root: Path, module: str, body: str) -> None:
    (root / f"{module}.py").write_text(MODULE_HEAD + textwrap.dedent(body))


def test_discovers_concrete_classes_in_id_order(package: tuple[str, Path]) -> None:
    name, root = package
    write(root, "zeta", DETECTOR.format(name="Zeta", ident="a.first"))
    write(
        root,
        "alpha",
        DETECTOR.format(name="Alpha", ident="z.last")
        + """
class Base(Detector):  # abstract: no scan
    id = "base"
    def wants(self, path, name): return True

class Merge(PostProcessor):
    id = "merge"
    def process(self, findings): return iter(findings)
""",
    )
    # a class imported from another module is not discovered twice
    write(root, "reexport", f"from {name}.zeta import Zeta\n")
    write(root, "_private", DETECTOR.format(name="Hidden", ident="hidden"))
    assert [cls.id for cls in detector_classes(name)] == ["a.first", "z.last"]
    assert [cls.id for cls in postprocessor_classes(name)] == ["merge"]


def test_duplicate_ids_are_an_error(package: tuple[str, Path]) -> None:
    name, root = package
    write(root, "one", DETECTOR.format(name="One", ident="same.id"))
    write(root, "two", DETECTOR.format(name="Two", ident="same.id"))
    with pytest.raises(DetectorError, match=r"share the id 'same\.id'"):
        detector_classes(name)


def test_a_detector_without_an_id_is_an_error(package: tuple[str, Path]) -> None:
    name, root = package
    write(root, "bad", DETECTOR.format(name="NoId", ident="").replace('id = ""', "id = None"))
    with pytest.raises(DetectorError, match="has no id"):
        detector_classes(name)


def test_the_real_detectors_are_found_with_unique_sorted_ids() -> None:
    ids = [d.id for d in all_detectors()]
    assert ids == sorted(set(ids))
    families = {i.split(".")[0] for i in ids}
    assert {"import", "model", "secret", "mcp", "model-file", "agent-instructions", "ai-workflow"} <= families


def test_the_detector_index_lists_every_detector() -> None:
    """A scan names its detectors from the index; adding a detector without
    regenerating it would leave the report's list short."""
    import subprocess

    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, str(root / "scripts" / "gen_detector_index.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    from openaims.discovery.registry import detector_ids

    assert list(detector_ids()) == [d.id for d in all_detectors()]


def test_a_tree_with_no_file_imports_no_detector(tmp_path: Path) -> None:
    """An empty directory is scanned without importing a detector module, and its
    report still names every detector."""
    import json
    import subprocess

    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from openaims.discovery.interface import ScanOptions\n"
        "from openaims.discovery.scanner import Scanner\n"
        "result = Scanner(ScanOptions(root=Path(sys.argv[1])), jobs=2).scan()\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('openaims.discovery.detectors.'))\n"
        "print(json.dumps({'loaded': loaded, 'detectors': result.stats.detectors,\n"
        "                  'findings': len(result.findings)}))\n"
    )
    (tmp_path / "empty").mkdir()
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "empty")], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    assert report["loaded"] == []
    assert report["findings"] == 0
    assert report["detectors"] == [d.id for d in all_detectors()]
