"""Load the framework catalogues and mappings, validated at load time.

The catalogues are versioned YAML data next to this module (one file per framework,
crosswalk rows under ``mappings/``). Loading checks their shape with pydantic, then
checks what a schema cannot: ids unique per framework, every ``source`` tag defined,
parents and references that exist, the counts the standards fix (38 Annex A controls,
72 NIST AI RMF subcategories...), and no mapping row that points at an unknown id.
A broken catalogue is a :class:`CatalogueError` at start-up, never a wrong answer later.

Ids are qualified by framework when they leave this module (``iso42001:A.5.2`` is not
``iso27001:A.5.2``); :func:`resolve` accepts the short forms people type.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openaims.errors import AimsError, NotFoundError, UsageError
from openaims.untrusted import InputError, read_yaml

FRAMEWORK_FILES: Mapping[str, str] = {
    "iso42001": "iso42001.yaml",
    "nist-ai-rmf": "nist-ai-rmf.yaml",
    "eu-ai-act": "eu-ai-act.yaml",
    "iso27001": "iso27001.yaml",
}
MAPPING_FILES: tuple[str, ...] = (
    "iso42001-nist-ai-rmf.yaml",
    "iso42001-eu-ai-act.yaml",
    "iso42001-iso27001.yaml",
)
#: The framework an unqualified id is looked up in first.
PRIMARY = "iso42001"

#: Counts fixed by the standards themselves; a catalogue that differs is broken.
EXPECTED_COUNTS: Mapping[str, Mapping[str, int]] = {
    "iso42001": {"area": 9, "objective": 10, "control": 38},
    "nist-ai-rmf": {"function": 4, "category": 19, "subcategory": 72},
    "eu-ai-act": {
        "annex_iii_area": 8,
        "prohibited_practice": 10,
        "art6_3_exception": 4,
        "transparency_case": 4,
    },
}
#: Leaf clauses 4.1 to 10.2 of ISO/IEC 42001 (sub-clauses counted, headings 6.1, 7.5, 9.2, 9.3 not).
ISO42001_LEAF_CLAUSES: tuple[str, ...] = (
    "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3",
    "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "6.3",
    "7.1", "7.2", "7.3", "7.4", "7.5.1", "7.5.2", "7.5.3",
    "8.1", "8.2", "8.3", "8.4", "9.1", "9.2.1", "9.2.2", "9.3.1", "9.3.2", "9.3.3",
    "10.1", "10.2",
)  # fmt: skip

Kind = Literal[
    "clause",
    "documented_information",
    "area",
    "objective",
    "control",
    "function",
    "category",
    "subcategory",
    "tier",
    "role",
    "article",
    "prohibited_practice",
    "annex_iii_area",
    "annex_iii_point",
    "annex_i_legislation",
    "art6_3_exception",
    "transparency_case",
    "milestone",
]


class CatalogueError(AimsError):
    """A framework catalogue or mapping file is invalid (a packaging or editing mistake)."""


# ---------------------------------------------------------------- file schemas


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Sources = list[str]


class _Entry(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    source: Sources = Field(min_length=1)


class _DocInfo(_Strict):
    id: str
    what: str = Field(min_length=1)
    kind: Literal["maintain", "retain", "control", "general"]
    source: Sources = Field(min_length=1)


class _Clause(_Entry):
    parent: str | None = None
    documented_information: list[_DocInfo] = []


class _Area(_Entry):
    pass


class _Objective(_Entry):
    area: str


class _Control(_Entry):
    area: str
    objective: str
    must_exist: str = Field(min_length=1)


class _Header(_Strict):
    framework: str
    name: str
    edition: str
    catalogue_version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    checked_against: str = Field(min_length=1)
    notes: str | None = None
    sources: dict[str, str] = Field(min_length=1)


class _Iso42001File(_Header):
    clauses: list[_Clause]
    areas: list[_Area]
    objectives: list[_Objective]
    controls: list[_Control]


class _Iso27001File(_Header):
    clauses: list[_Clause]


class _Category(_Entry):
    function: str


class _Subcategory(_Entry):
    category: str


class _NistFile(_Header):
    functions: list[_Entry]
    categories: list[_Category]
    subcategories: list[_Subcategory]


class _Tier(_Entry):
    articles: list[str]


class _Role(_Entry):
    basis: str


class _Article(_Entry):
    applies_to: list[str]
    application: str
    #: The title before an amending act (``amendment``) changed the article's wording.
    original_title: str | None = None
    amendment: str | None = None


class _Practice(_Entry):
    application: str = "prohibitions"
    amendment: str | None = None
    #: ``provisional`` while the point letter comes from reports, not the Official Journal text.
    numbering: Literal["final", "provisional"] = "final"
    #: An earlier catalogue id answers files may still use for this practice.
    replaces_id: str | None = None


class _Point(_Strict):
    id: str
    title: str


class _AnnexIIIArea(_Entry):
    points: list[_Point] = Field(min_length=1)


class _AnnexI(_Entry):
    section: Literal["A", "B"]
    legislation: str
    #: The section before an amending act (``amendment``) moved the entry, and the basis of the move.
    original_section: Literal["A", "B"] | None = None
    section_basis: str | None = None
    amendment: str | None = None
    #: Section B: the article (or act) that makes the sectoral rules take the high-risk requirements into account.
    amended_by: str | None = None


class _Exception(_Entry):
    examples: list[str] = Field(default=[], max_length=5)


class _TransparencyCase(_Entry):
    role: str
    #: When the case does not apply although its facts hold (Art. 50(1) obvious AI, 50(2) assistive editing).
    exception: str | None = None


AmendmentStatus = Literal["proposed", "agreed", "adopted", "published", "in_force"]
#: An Official Journal reference of the L series: ``OJ L, 2026/1234, 15.7.2026``.
OJ_REFERENCE = re.compile(r"^OJ L, (\d{4})/(\d{1,5}), (\d{1,2})\.(\d{1,2})\.(\d{4})$")


class _Step(_Strict):
    step: Literal["proposed", "agreed", "parliament", "council", "signed"]
    date: dt.date
    basis: str = Field(min_length=1)


class _Amendment(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    act: str = Field(min_length=1)
    proposal: str | None = None
    status: AmendmentStatus
    steps: list[_Step] = []
    oj_reference: str | None = None
    published_on: dt.date | None = None
    in_force_from: dt.date | None = None
    source: Sources = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> _Amendment:
        published = self.status in ("published", "in_force")
        if published and not (self.oj_reference and self.published_on):
            raise ValueError(f"{self.id}: status {self.status} needs oj_reference and published_on")
        if not published and (self.oj_reference or self.published_on or self.in_force_from):
            raise ValueError(
                f"{self.id}: oj_reference, published_on and in_force_from need status published or in_force"
            )
        if self.status == "in_force" and self.in_force_from is None:
            raise ValueError(f"{self.id}: status in_force needs in_force_from")
        if self.oj_reference is not None:
            match = OJ_REFERENCE.match(self.oj_reference)
            if match is None:
                raise ValueError(
                    f"{self.id}: oj_reference {self.oj_reference!r} is not like 'OJ L, 2026/1234, 15.7.2026'"
                )
            day, month, year = (int(match.group(n)) for n in (3, 4, 5))
            if self.published_on != dt.date(year, month, day):
                raise ValueError(
                    f"{self.id}: oj_reference dates {day}.{month}.{year}, published_on {self.published_on}"
                )
        if self.in_force_from and self.published_on and self.in_force_from <= self.published_on:
            raise ValueError(f"{self.id}: in_force_from must be after published_on")
        dates = [s.date for s in self.steps]
        if dates != sorted(dates) or (self.published_on and dates and self.published_on < dates[-1]):
            raise ValueError(f"{self.id}: steps and publication must be in date order")
        return self


class _Gpai(_Strict):
    systemic_risk_flop_threshold: float
    threshold_basis: str
    source: Sources


class _Milestone(_Entry):
    date: dt.date
    basis: str = Field(min_length=1)
    status: Literal["in_force", "amended", "amendment"]
    superseded_by: str | None = None
    replaces: str | None = None
    #: The amending act that sets this date (status ``amendment``).
    amendment: str | None = None


class _EuAiActFile(_Header):
    tiers: list[_Tier]
    roles: list[_Role]
    articles: list[_Article]
    prohibited_practices: list[_Practice]
    annex_iii: list[_AnnexIIIArea]
    annex_i: list[_AnnexI]
    art6_3_exceptions: list[_Exception]
    transparency_cases: list[_TransparencyCase]
    gpai: _Gpai
    amendments: list[_Amendment] = []
    timeline: list[_Milestone]
    application: dict[str, str]


class _MappingFile(_Strict):
    mapping: str
    left: str
    right: str
    catalogue_version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    checked_against: str
    notes: str | None = None
    sources: dict[str, str] = Field(min_length=1)
    rows: list[dict[str, Any]] = Field(min_length=1)
    #: Rows a cited source lists that were judged wrong and left out, each with why and who judged.
    removed: list[dict[str, str]] = []


# ---------------------------------------------------------------- loaded model


@dataclass(frozen=True)
class Item:
    """One catalogue entry: a clause, control, subcategory, article, Annex III point..."""

    framework: str
    id: str
    kind: Kind
    title: str
    source: tuple[str, ...]
    parent: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        """The qualified id, e.g. ``iso42001:A.6.2.4``."""
        return f"{self.framework}:{self.id}"

    @property
    def label(self) -> str:
        """How people write the id: ``Art. 15`` for articles, the id itself otherwise."""
        return label_of(self.id)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "framework": self.framework,
            "id": self.id,
            "label": self.label,
            "kind": self.kind,
            "title": self.title,
            "source": list(self.source),
        }
        if self.parent is not None:
            out["parent"] = self.parent
        out.update({k: _plain(v) for k, v in self.details.items()})
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def label_of(item_id: str) -> str:
    """``Art.15`` -> ``Art. 15``; other ids unchanged."""
    return re.sub(r"^Art\.(?=\d)", "Art. ", item_id)


@dataclass(frozen=True)
class Framework:
    """A loaded framework catalogue with its version and sources."""

    id: str
    name: str
    edition: str
    catalogue_version: str
    checked_against: str
    notes: str | None
    sources: Mapping[str, str]
    items: Mapping[str, Item]
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    def get(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise NotFoundError(f"{self.id} has no item {item_id!r}; run 'aims frameworks show {self.id}'") from None

    def of_kind(self, kind: Kind) -> list[Item]:
        return [item for item in self.items.values() if item.kind == kind]

    def children(self, item_id: str) -> list[Item]:
        return [item for item in self.items.values() if item.parent == item_id]

    def count(self, kind: Kind) -> int:
        return sum(1 for item in self.items.values() if item.kind == kind)


@dataclass(frozen=True)
class MappingRow:
    """One crosswalk row between two qualified ids, with the source that states it."""

    mapping: str
    left: str
    right: str
    relation: str
    source: str
    note: str | None = None
    #: What the row said before it was corrected (``{"relation": ..., "source": ...}``).
    corrects: Mapping[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"left": self.left, "right": self.right, "relation": self.relation, "source": self.source}
        if self.note:
            out["note"] = self.note
        if self.corrects:
            out["corrects"] = dict(self.corrects)
        return out


@dataclass(frozen=True)
class RemovedRow:
    """A row a cited source lists that this catalogue leaves out, with why and who judged it."""

    left: str
    right: str
    listed_by: str
    source: str
    reason: str


@dataclass(frozen=True)
class MappingSet:
    id: str
    left: str
    right: str
    catalogue_version: str
    checked_against: str
    notes: str | None
    sources: Mapping[str, str]
    rows: tuple[MappingRow, ...]
    removed: tuple[RemovedRow, ...] = ()


@dataclass(frozen=True)
class Related:
    """An item related to the queried one; ``via`` names the ISO/IEC 42001 item for indirect links."""

    item: Item
    relation: str
    source: str
    note: str | None = None
    via: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ref": self.item.ref,
            "framework": self.item.framework,
            "id": self.item.id,
            "label": self.item.label,
            "title": self.item.title,
            "relation": self.relation,
            "source": self.source,
        }
        if self.note:
            out["note"] = self.note
        if self.via:
            out["via"] = self.via
        return out


@dataclass(frozen=True)
class CrosswalkResult:
    item: Item
    related: tuple[Related, ...]

    def frameworks(self) -> dict[str, list[Related]]:
        out: dict[str, list[Related]] = {}
        for rel in self.related:
            out.setdefault(rel.item.framework, []).append(rel)
        return out

    def summary(self) -> str:
        """``"A.7.4 relates to MEASURE 2.3, Art. 10 ..."`` in one line."""
        labels = list(dict.fromkeys(r.item.label for r in self.related))
        if not labels:
            return f"{self.item.label} has no mapped items"
        return f"{self.item.label} relates to " + ", ".join(labels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item.to_dict(),
            "summary": self.summary(),
            "related": [r.to_dict() for r in self.related],
        }


@dataclass(frozen=True)
class Catalogue:
    """Every framework and mapping, validated."""

    frameworks: Mapping[str, Framework]
    mappings: Mapping[str, MappingSet]
    #: Crosswalks already worked out, by the reference asked for (the catalogue never changes).
    _crosswalks: dict[str, CrosswalkResult] = field(default_factory=dict, init=False, repr=False, compare=False)

    def framework(self, framework_id: str) -> Framework:
        try:
            return self.frameworks[framework_id]
        except KeyError:
            known = ", ".join(self.frameworks)
            raise UsageError(f"unknown framework {framework_id!r}; choose one of: {known}") from None

    def item(self, ref: str) -> Item:
        return resolve(self, ref)

    def rows(self) -> Iterator[MappingRow]:
        for mapping in self.mappings.values():
            yield from mapping.rows

    def crosswalk(self, ref: str) -> CrosswalkResult:
        """What ``ref`` relates to in the other frameworks, worked out once per reference."""
        found = self._crosswalks.get(ref)
        if found is None:
            found = self._crosswalks[ref] = crosswalk(ref, catalogue=self)
        return found


# ---------------------------------------------------------------- building


def _read(name: str) -> Any:
    root = resources.files("openaims.frameworks")
    try:
        text = root.joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogueError(f"framework catalogue {name} is missing from the installation") from None
    try:
        return read_yaml(text, name)
    except InputError as exc:
        raise CatalogueError(f"framework catalogue {exc.message}") from None


def _parse(model: type[_Header] | type[_MappingFile], name: str) -> Any:
    try:
        return model.model_validate(_read(name))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogueError(
            f"framework catalogue {name}: {where}: {first['msg']} ({exc.error_count()} problem(s))"
        ) from None


class _Builder:
    def __init__(self, name: str, header: _Header) -> None:
        self.name = name
        self.header = header
        self.items: dict[str, Item] = {}

    def add(self, kind: Kind, entry: _Entry | _Point, *, parent: str | None = None, **details: Any) -> None:
        source = tuple(entry.source) if isinstance(entry, _Entry) else details.pop("source")
        self._put(Item(self.header.framework, entry.id, kind, entry.title, source, parent, details))

    def add_raw(self, kind: Kind, item_id: str, title: str, source: Iterable[str], **details: Any) -> None:
        parent = details.pop("parent", None)
        self._put(Item(self.header.framework, item_id, kind, title, tuple(source), parent, details))

    def _put(self, item: Item) -> None:
        if item.id in self.items:
            raise CatalogueError(f"framework catalogue {self.name}: duplicate id {item.id!r}")
        unknown = [s for s in item.source if s not in self.header.sources]
        if unknown:
            raise CatalogueError(
                f"framework catalogue {self.name}: {item.id} cites undefined source(s) {', '.join(unknown)}"
            )
        if not item.source:
            raise CatalogueError(f"framework catalogue {self.name}: {item.id} has no source")
        self.items[item.id] = item

    def framework(self, raw: Mapping[str, Any]) -> Framework:
        for item in self.items.values():
            if item.parent is not None and item.parent not in self.items:
                raise CatalogueError(f"framework catalogue {self.name}: {item.id} has unknown parent {item.parent!r}")
        h = self.header
        built = Framework(
            h.framework, h.name, h.edition, h.catalogue_version, h.checked_against, h.notes,
            dict(h.sources), dict(self.items), raw,
        )  # fmt: skip
        for kind, expected in EXPECTED_COUNTS.get(h.framework, {}).items():
            got = built.count(kind)  # type: ignore[arg-type]
            if got != expected:
                raise CatalogueError(
                    f"framework catalogue {self.name}: expected {expected} {kind} entries, found {got}"
                )
        return built


def _clauses(b: _Builder, clauses: list[_Clause]) -> None:
    for clause in clauses:
        di = [d.model_dump() for d in clause.documented_information]
        b.add("clause", clause, parent=clause.parent, documented_information=di)
        for d in clause.documented_information:
            b.add_raw("documented_information", d.id, d.what, d.source, parent=clause.id, retention=d.kind)


def _iso42001(name: str) -> Framework:
    f: _Iso42001File = _parse(_Iso42001File, name)
    b = _Builder(name, f)
    _clauses(b, f.clauses)
    for area in f.areas:
        b.add("area", area)
    for obj in f.objectives:
        b.add("objective", obj, parent=obj.area)
    for ctl in f.controls:
        if ctl.objective not in b.items or b.items[ctl.objective].parent != ctl.area:
            raise CatalogueError(f"framework catalogue {name}: {ctl.id} names objective {ctl.objective!r} "
                                 f"that is not in area {ctl.area}")  # fmt: skip
        b.add("control", ctl, parent=ctl.objective, area=ctl.area, must_exist=ctl.must_exist)
    missing = [c for c in ISO42001_LEAF_CLAUSES if b.items.get(c, None) is None]
    if missing:
        raise CatalogueError(f"framework catalogue {name}: clauses missing: {', '.join(missing)}")
    return b.framework(f.model_dump(mode="json"))


def _iso27001(name: str) -> Framework:
    f: _Iso27001File = _parse(_Iso27001File, name)
    b = _Builder(name, f)
    _clauses(b, f.clauses)
    return b.framework(f.model_dump(mode="json"))


def _nist(name: str) -> Framework:
    f: _NistFile = _parse(_NistFile, name)
    b = _Builder(name, f)
    for fn in f.functions:
        b.add("function", fn)
    for cat in f.categories:
        b.add("category", cat, parent=cat.function)
    for sub in f.subcategories:
        b.add("subcategory", sub, parent=sub.category)
    return b.framework(f.model_dump(mode="json"))


def _eu_ai_act(name: str) -> Framework:
    f: _EuAiActFile = _parse(_EuAiActFile, name)
    b = _Builder(name, f)
    roles = {r.id for r in f.roles} | {"all"}
    for role in f.roles:
        b.add("role", role, basis=role.basis)
    for art in f.articles:
        bad = [r for r in art.applies_to if r not in roles]
        if bad or art.application not in f.application:
            raise CatalogueError(f"framework catalogue {name}: {art.id} has unknown role or application group")
        b.add("article", art, applies_to=tuple(art.applies_to), application=art.application,
              original_title=art.original_title, amendment=art.amendment)  # fmt: skip
    for tier in f.tiers:
        b.add("tier", tier, articles=tuple(tier.articles))
    for practice in f.prohibited_practices:
        b.add("prohibited_practice", practice, parent="Art.5", application=practice.application,
              amendment=practice.amendment, numbering=practice.numbering, replaces_id=practice.replaces_id)  # fmt: skip
    for area in f.annex_iii:
        b.add("annex_iii_area", area)
        for point in area.points:
            if point.id == area.id:  # an area with a single point (Annex III point 2)
                continue
            b.add("annex_iii_point", point, parent=area.id, source=tuple(area.source))
    for leg in f.annex_i:
        b.add("annex_i_legislation", leg, section=leg.section, legislation=leg.legislation,
              original_section=leg.original_section, section_basis=leg.section_basis, amendment=leg.amendment,
              amended_by=leg.amended_by)  # fmt: skip
        if leg.section == "B" and not leg.amended_by:
            raise CatalogueError(f"framework catalogue {name}: Section B entry {leg.id} needs amended_by")
        if (leg.original_section is None) != (leg.section_basis is None):
            raise CatalogueError(f"framework catalogue {name}: {leg.id}: original_section needs section_basis")
    for exc in f.art6_3_exceptions:
        b.add("art6_3_exception", exc, parent="Art.6", examples=tuple(exc.examples))
    for case in f.transparency_cases:
        b.add("transparency_case", case, parent="Art.50", role=case.role, exception=case.exception)
    amendments = {a.id: a for a in f.amendments}
    amended: list[tuple[str, str | None]] = [(e.id, e.amendment) for e in f.articles]
    amended += [(e.id, e.amendment) for e in f.prohibited_practices] + [(e.id, e.amendment) for e in f.annex_i]
    for entry_id, amendment in amended:
        if amendment is not None and amendment not in amendments:
            raise CatalogueError(f"framework catalogue {name}: {entry_id} names unknown amendment {amendment!r}")
    for practice in f.prohibited_practices:
        if practice.numbering == "provisional" and practice.amendment is None:
            raise CatalogueError(f"framework catalogue {name}: {practice.id}: provisional numbering needs an amendment")
    milestones = {m.id for m in f.timeline}
    for m in f.timeline:
        for other in (m.superseded_by, m.replaces):
            if other is not None and other not in milestones:
                raise CatalogueError(f"framework catalogue {name}: milestone {m.id} names unknown {other!r}")
        if (m.status == "amendment") != (m.amendment is not None) or (m.amendment and m.amendment not in amendments):
            raise CatalogueError(
                f"framework catalogue {name}: milestone {m.id}: status amendment goes with a known amendment"
            )
        b.add("milestone", m, date=m.date, basis=m.basis, status=m.status, amendment=m.amendment,
              superseded_by=m.superseded_by, replaces=m.replaces)  # fmt: skip
    for group, milestone in f.application.items():
        if milestone not in milestones:
            raise CatalogueError(f"framework catalogue {name}: application group {group} names unknown {milestone!r}")
    for tier in f.tiers:
        unknown = [a for a in tier.articles if a not in b.items]
        if unknown:
            raise CatalogueError(f"framework catalogue {name}: tier {tier.id} cites unknown {', '.join(unknown)}")
    return b.framework(f.model_dump(mode="json"))


_BUILDERS = {"iso42001": _iso42001, "nist-ai-rmf": _nist, "eu-ai-act": _eu_ai_act, "iso27001": _iso27001}


def _mapping(name: str, frameworks: Mapping[str, Framework]) -> MappingSet:
    f: _MappingFile = _parse(_MappingFile, f"mappings/{name}")
    for side in (f.left, f.right):
        if side not in frameworks:
            raise CatalogueError(f"mapping {name}: unknown framework {side!r}")
    rows = []
    for n, row in enumerate(f.rows, 1):
        try:
            left, right, relation, source = row[f.left], row[f.right], row["relation"], row["source"]
        except KeyError as exc:
            raise CatalogueError(f"mapping {name}: row {n} lacks {exc.args[0]!r}") from None
        extra = set(row) - {f.left, f.right, "relation", "source", "note", "corrects"}
        if extra:
            raise CatalogueError(f"mapping {name}: row {n} has unknown field(s) {', '.join(sorted(extra))}")
        for fw, item_id in ((f.left, left), (f.right, right)):
            if item_id not in frameworks[fw].items:
                raise CatalogueError(f"mapping {name}: row {n} names {fw}:{item_id}, which does not exist")
        corrects = row.get("corrects")
        cited = [source]
        if corrects is not None:
            if not isinstance(corrects, dict) or set(corrects) != {"relation", "source"}:
                raise CatalogueError(f"mapping {name}: row {n}: corrects needs exactly relation and source")
            cited.append(str(corrects["source"]))
        for tag in cited:
            if tag not in f.sources:
                raise CatalogueError(f"mapping {name}: row {n} cites undefined source {tag!r}")
        rows.append(
            MappingRow(
                f.mapping, f"{f.left}:{left}", f"{f.right}:{right}", str(relation), str(source), row.get("note"),
                {k: str(v) for k, v in corrects.items()} if corrects else None,
            )
        )  # fmt: skip
    removed = []
    kept = {(r.left, r.right) for r in rows}
    for n, gone in enumerate(f.removed, 1):
        fields = {f.left, f.right, "listed_by", "source", "reason"}
        if set(gone) != fields:
            raise CatalogueError(f"mapping {name}: removed row {n} needs exactly {', '.join(sorted(fields))}")
        pair = (f"{f.left}:{gone[f.left]}", f"{f.right}:{gone[f.right]}")
        for fw, item_id in ((f.left, gone[f.left]), (f.right, gone[f.right])):
            if item_id not in frameworks[fw].items:
                raise CatalogueError(f"mapping {name}: removed row {n} names {fw}:{item_id}, which does not exist")
        if pair in kept:
            raise CatalogueError(f"mapping {name}: removed row {n} ({pair[0]} - {pair[1]}) is still listed in rows")
        for tag in (gone["listed_by"], gone["source"]):
            if tag not in f.sources:
                raise CatalogueError(f"mapping {name}: removed row {n} cites undefined source {tag!r}")
        removed.append(RemovedRow(pair[0], pair[1], gone["listed_by"], gone["source"], gone["reason"]))
    return MappingSet(f.mapping, f.left, f.right, f.catalogue_version, f.checked_against, f.notes,
                      dict(f.sources), tuple(rows), tuple(removed))  # fmt: skip


@functools.cache
def load_catalogue() -> Catalogue:
    """Every framework and mapping, validated; cached for the life of the process."""
    frameworks: dict[str, Framework] = {}
    for fw_id, file_name in FRAMEWORK_FILES.items():
        fw = _BUILDERS[fw_id](file_name)
        if fw.id != fw_id:
            raise CatalogueError(f"framework catalogue {file_name} declares framework {fw.id!r}, expected {fw_id!r}")
        frameworks[fw_id] = fw
    mappings = {}
    for name in MAPPING_FILES:
        m = _mapping(name, frameworks)
        mappings[m.id] = m
    return Catalogue(frameworks, mappings)


# ---------------------------------------------------------------- queries

_ART = re.compile(r"^art(?:icle)?\.?\s*(\d+)\s*(.*)$", re.IGNORECASE)


def _candidates(text: str) -> list[str]:
    """Spellings of an id to try: ``Art. 15`` -> ``Art.15``; ``measure 2.3`` -> ``MEASURE 2.3``."""
    text = " ".join(text.split())
    out = [text]
    art = _ART.match(text)
    if art:
        out.append(f"Art.{art.group(1)}{art.group(2).replace(' ', '')}")
        out.append(f"Art.{art.group(1)}")
    upper = text.upper()
    out.append(upper)
    if upper.startswith("A.") is False and re.match(r"^A\d", upper):
        out.append("A." + upper[1:])
    return list(dict.fromkeys(out))


def resolve(catalogue: Catalogue, ref: str) -> Item:
    """The item a user means by ``ref`` (qualified ``framework:id`` or a bare id).

    A bare id is looked up in ISO/IEC 42001 first, then in the other frameworks; an id
    that exists only in several non-primary frameworks is ambiguous and must be qualified.
    """
    ref = ref.strip()
    if not ref:
        raise UsageError("give an item id such as A.6.2.4, 'MEASURE 2.3' or 'Art. 15'")
    fw_id, sep, rest = ref.partition(":")
    if sep and fw_id.strip().lower() in catalogue.frameworks:
        fw = catalogue.frameworks[fw_id.strip().lower()]
        for cand in _candidates(rest):
            if cand in fw.items:
                return fw.items[cand]
        raise NotFoundError(f"{fw.id} has no item {rest.strip()!r}; run 'aims frameworks show {fw.id}' for the list")
    for cand in _candidates(ref):
        if cand in catalogue.frameworks[PRIMARY].items:
            return catalogue.frameworks[PRIMARY].items[cand]
        hits = [fw.items[cand] for fw in catalogue.frameworks.values() if cand in fw.items]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            options = ", ".join(h.ref for h in hits)
            raise UsageError(f"{ref!r} exists in several frameworks; qualify it: {options}")
    raise NotFoundError(f"no framework has an item {ref!r}; try 'aims frameworks list' and 'aims frameworks show ID'")


def crosswalk(ref: str, *, catalogue: Catalogue | None = None) -> CrosswalkResult:
    """What ``ref`` relates to in the other frameworks.

    Direct rows come first; items reached through an ISO/IEC 42001 item (for example a
    NIST subcategory and an AI Act article that both map to A.6.2.6) follow with ``via``.
    """
    cat = catalogue or load_catalogue()
    item = resolve(cat, ref)
    direct: list[Related] = []
    for row in cat.rows():
        if row.left == item.ref:
            other = row.right
        elif row.right == item.ref:
            other = row.left
        else:
            continue
        direct.append(Related(resolve(cat, other), row.relation, row.source, row.note))
    seen = {item.ref} | {r.item.ref for r in direct}
    indirect: list[Related] = []
    if item.framework != PRIMARY:
        for hop in [r for r in direct if r.item.framework == PRIMARY]:
            for row in cat.rows():
                if row.left != hop.item.ref or row.right in seen or row.right.startswith(item.framework + ":"):
                    continue
                seen.add(row.right)
                indirect.append(Related(resolve(cat, row.right), row.relation, row.source, row.note, via=hop.item.ref))
    order = {fw: n for n, fw in enumerate(FRAMEWORK_FILES)}
    position = {ref: n for fw in cat.frameworks.values() for n, ref in enumerate(i.ref for i in fw.items.values())}

    def key(r: Related) -> tuple[int, int]:
        return (order.get(r.item.framework, 99), position.get(r.item.ref, 0))

    return CrosswalkResult(item, tuple(sorted(direct, key=key) + sorted(indirect, key=key)))


def crosswalk_many(refs: Iterable[str], *, catalogue: Catalogue | None = None) -> CombinedCrosswalk:
    """What a set of items relates to together, e.g. the controls a risk treatment implements:
    "A.6.2.4, A.7.4 relate to MEASURE 2.3, Art. 15, ..." (the items themselves are left out)."""
    cat = catalogue or load_catalogue()
    items = list({i.ref: i for i in (resolve(cat, r) for r in refs)}.values())
    if not items:
        raise UsageError("give at least one item id")
    own = {i.ref for i in items}
    related: dict[str, Related] = {}
    for item in items:
        for rel in crosswalk(item.ref, catalogue=cat).related:
            if rel.item.ref not in own:
                related.setdefault(rel.item.ref, rel)
    return CombinedCrosswalk(tuple(items), tuple(related.values()))


@dataclass(frozen=True)
class CombinedCrosswalk:
    items: tuple[Item, ...]
    related: tuple[Related, ...]

    def summary(self) -> str:
        names = ", ".join(i.label for i in self.items)
        labels = list(dict.fromkeys(r.item.label for r in self.related))
        verb = "relates" if len(self.items) == 1 else "relate"
        return f"{names} {verb} to " + ", ".join(labels) if labels else f"{names}: no mapped items"

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [i.to_dict() for i in self.items],
            "summary": self.summary(),
            "related": [r.to_dict() for r in self.related],
        }


__all__ = [
    "EXPECTED_COUNTS",
    "ISO42001_LEAF_CLAUSES",
    "Catalogue",
    "CatalogueError",
    "CombinedCrosswalk",
    "CrosswalkResult",
    "Framework",
    "Item",
    "MappingRow",
    "Related",
    "crosswalk",
    "crosswalk_many",
    "label_of",
    "load_catalogue",
    "resolve",
]
