"""Catalogue integrity: exact ids and counts, sources on every entry, no dangling mapping ids,
and a broken catalogue refused at load time."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from openaims.frameworks import loader
from openaims.frameworks.loader import ISO42001_LEAF_CLAUSES, CatalogueError, load_catalogue

CONTROLS = {
    "A.2.2", "A.2.3", "A.2.4", "A.3.2", "A.3.3", "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
    "A.5.2", "A.5.3", "A.5.4", "A.5.5", "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4",
    "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8", "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6",
    "A.8.2", "A.8.3", "A.8.4", "A.8.5", "A.9.2", "A.9.3", "A.9.4", "A.10.2", "A.10.3", "A.10.4",
}  # fmt: skip
AREAS = {f"A.{n}" for n in range(2, 11)}
OBJECTIVES = {"A.2.1", "A.3.1", "A.4.1", "A.5.1", "A.6.1.1", "A.6.2.1", "A.7.1", "A.8.1", "A.9.1", "A.10.1"}
NIST_PER_FUNCTION = {"GOVERN": (6, 19), "MAP": (5, 18), "MEASURE": (4, 22), "MANAGE": (4, 13)}


def ids(framework: str, kind: str) -> set[str]:
    return {i.id for i in load_catalogue().framework(framework).of_kind(kind)}  # type: ignore[arg-type]


def test_annex_a_has_the_38_published_controls_in_9_areas_with_10_objectives() -> None:
    assert ids("iso42001", "control") == CONTROLS
    assert ids("iso42001", "area") == AREAS
    assert ids("iso42001", "objective") == OBJECTIVES


def test_each_control_sits_under_its_objective_and_area() -> None:
    fw = load_catalogue().framework("iso42001")
    assert fw.get("A.6.1.3").parent == "A.6.1.1"
    assert fw.get("A.6.2.8").parent == "A.6.2.1"
    assert fw.get("A.10.4").parent == "A.10.1"
    assert {c.id for c in fw.of_kind("control") if c.details["area"] == "A.6"} == {
        "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8",
    }  # fmt: skip
    assert all(c.details["must_exist"] for c in fw.of_kind("control"))


def test_every_clause_from_4_1_to_10_2_is_present() -> None:
    clauses = ids("iso42001", "clause")
    assert set(ISO42001_LEAF_CLAUSES) <= clauses
    assert clauses - set(ISO42001_LEAF_CLAUSES) == {
        "4",
        "5",
        "6",
        "6.1",
        "7",
        "7.5",
        "8",
        "9",
        "9.2",
        "9.3",
        "10",
    }
    assert len(ISO42001_LEAF_CLAUSES) == 32


def test_documented_information_says_maintain_or_retain() -> None:
    fw = load_catalogue().framework("iso42001")
    soa = [d for d in fw.children("6.1.3") if d.kind == "documented_information"]
    assert {(d.title.split(" ")[0], d.details["retention"]) for d in soa} == {
        ("AI", "retain"), ("Statement", "maintain"), ("Approved", "maintain"),
    }  # fmt: skip
    assert fw.get("4.3/di1").details["retention"] == "maintain"
    assert fw.get("9.2.2/di2").details["retention"] == "retain"
    with_di = {i.parent for i in fw.of_kind("documented_information")}
    assert with_di == {
        "4.3", "4.4", "5.2", "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "7.2", "7.5.1", "7.5.3",
        "8.1", "8.2", "8.3", "8.4", "9.1", "9.2.2", "9.3.3", "10.2",
    }  # fmt: skip


def test_nist_ai_rmf_has_4_functions_19_categories_72_subcategories() -> None:
    fw = load_catalogue().framework("nist-ai-rmf")
    assert ids("nist-ai-rmf", "function") == set(NIST_PER_FUNCTION)
    assert len(fw.of_kind("category")) == 19
    assert len(fw.of_kind("subcategory")) == 72
    for function, (categories, subcategories) in NIST_PER_FUNCTION.items():
        cats = [c for c in fw.of_kind("category") if c.parent == function]
        subs = [s for s in fw.of_kind("subcategory") if s.id.split(" ")[0] == function]
        assert (len(cats), len(subs)) == (categories, subcategories), function
    assert {"GOVERN 1.7", "MEASURE 2.13", "MANAGE 4.3", "MAP 5.2"} <= ids("nist-ai-rmf", "subcategory")


def test_eu_ai_act_lists_annex_iii_areas_article_5_and_the_obligation_articles() -> None:
    assert ids("eu-ai-act", "annex_iii_area") == {f"AnnexIII.{n}" for n in range(1, 9)}
    assert ids("eu-ai-act", "prohibited_practice") == {
        *(f"Art.5(1)({p})" for p in "abcdefghij"),
    }  # fmt: skip
    articles = ids("eu-ai-act", "article")
    required = {f"Art.{n}" for n in (*range(9, 18), 26, 27, 43, 49, 50, 53, 55, 72, 73)}
    assert required <= articles
    assert ids("eu-ai-act", "art6_3_exception") == {f"Art.6(3)({p})" for p in "abcd"}
    assert ids("eu-ai-act", "transparency_case") == {f"Art.50({n})" for n in range(1, 5)}
    assert len(ids("eu-ai-act", "annex_i_legislation")) == 20


def test_iso27001_has_the_shared_clauses_but_not_the_ai_only_ones() -> None:
    clauses = ids("iso27001", "clause")
    assert set(ISO42001_LEAF_CLAUSES) - clauses == {"6.1.4", "8.4"}


def test_every_entry_has_a_defined_source_and_a_version() -> None:
    cat = load_catalogue()
    for fw in cat.frameworks.values():
        assert fw.catalogue_version, fw.id
        assert fw.checked_against, fw.id
        for item in fw.items.values():
            assert item.source, item.ref
            assert set(item.source) <= set(fw.sources), item.ref
            assert item.title.strip(), item.ref
    for mapping in cat.mappings.values():
        assert mapping.catalogue_version
        assert mapping.checked_against
        for row in mapping.rows:
            assert row.source in mapping.sources


def test_mappings_point_only_at_existing_items() -> None:
    cat = load_catalogue()
    for row in cat.rows():
        for ref in (row.left, row.right):
            framework, _, item_id = ref.partition(":")
            assert item_id in cat.framework(framework).items, ref
    nist = cat.mappings["iso42001-nist-ai-rmf"]
    assert len(nist.rows) + len(nist.removed) == 280  # the NIST-listed crosswalk's pairs, one judged wrong
    assert {r.right.split(":")[1] for r in nist.rows} == ids("nist-ai-rmf", "subcategory")
    assert {r.left.split(":")[1] for r in nist.rows} >= CONTROLS


# ---------------------------------------------------------------- broken catalogues are refused


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, Callable[[Any], None]], None]]:
    """Edit one catalogue file in memory before loading."""
    original = loader._read
    edits: dict[str, Callable[[Any], None]] = {}

    def fake_read(name: str) -> Any:
        data = copy.deepcopy(original(name))
        if name in edits:
            edits[name](data)
        return data

    def patch(name: str, edit: Callable[[Any], None]) -> None:
        edits[name] = edit

    monkeypatch.setattr(loader, "_read", fake_read)
    loader.load_catalogue.cache_clear()
    yield patch
    loader.load_catalogue.cache_clear()


def _drop_control(data: Any) -> None:
    data["controls"].pop()


def _duplicate_control(data: Any) -> None:
    data["controls"].append(dict(data["controls"][0]))


def _undefined_source(data: Any) -> None:
    data["controls"][0]["source"] = ["NOWHERE"]


def _no_source(data: Any) -> None:
    data["controls"][0]["source"] = []


def _drop_clause(data: Any) -> None:
    data["clauses"] = [c for c in data["clauses"] if c["id"] != "9.3.2"]


def _dangling_mapping(data: Any) -> None:
    data["rows"][0]["iso42001"] = "A.6.10"


def _extra_subcategory(data: Any) -> None:
    data["subcategories"].append({"id": "GOVERN 9.9", "category": "GOVERN 1", "title": "x", "source": ["CISO-RMF"]})


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("iso42001.yaml", _drop_control, "expected 38 control entries, found 37"),
        ("iso42001.yaml", _duplicate_control, "duplicate id 'A.2.2'"),
        ("iso42001.yaml", _undefined_source, "A.2.2 cites undefined source(s) NOWHERE"),
        ("iso42001.yaml", _no_source, "controls.0.source"),
        ("iso42001.yaml", _drop_clause, "clauses missing: 9.3.2"),
        (
            "mappings/iso42001-nist-ai-rmf.yaml",
            _dangling_mapping,
            "names iso42001:A.6.10, which does not exist",
        ),
        ("nist-ai-rmf.yaml", _extra_subcategory, "expected 72 subcategory entries, found 73"),
    ],
)
def test_a_broken_catalogue_is_refused_with_a_clear_message(
    patched: Callable[[str, Callable[[Any], None]], None],
    name: str,
    edit: Callable[[Any], None],
    message: str,
) -> None:
    patched(name, edit)
    with pytest.raises(CatalogueError) as exc:
        load_catalogue()
    assert message in exc.value.message


def test_catalogue_files_are_plain_yaml_with_version_fields() -> None:
    from importlib import resources

    root = resources.files("openaims.frameworks")
    for name in [*loader.FRAMEWORK_FILES.values(), *(f"mappings/{m}" for m in loader.MAPPING_FILES)]:
        data = yaml.safe_load(root.joinpath(name).read_text("utf-8"))
        assert re.fullmatch(r"\d+\.\d+\.\d+", data["catalogue_version"]), name
        assert data["checked_against"], name
