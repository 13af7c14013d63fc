"""Stage 2 support: for one clause or Annex A control, the records an auditor tests, sampled with a
recorded seed (or all when few), and a working paper with each sample's content and evidence.

The population is what readiness cites for the item (the records its checks found) and, for a
control, the treatments and evidence its Statement of Applicability row names. An evidence
record attached to a record of the population travels with that record instead of being drawn
on its own. A random sample is ``random.Random(seed).sample`` over the population in the order
the working paper lists it, so the same register, seed and size draw the same records.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openaims.errors import UsageError
from openaims.readiness.model import ItemResult, Report, Status
from openaims.readiness.snapshot import Snapshot
from openaims.reports.document import Bullets, Document, Fields, Gap, Heading, Meta, Para, SignOff, table
from openaims.reports.records import content, label

LABELS = {
    Status.MET: "met",
    Status.PARTIAL: "partial",
    Status.MISSING: "missing",
    Status.NOT_APPLICABLE: "not applicable",
}
#: Sample sizes by population: everything up to 5 records, then 5, 10 and 25 (a common table for
#: testing manual controls; ``--sample`` overrides it).
SIZE_TABLE: tuple[tuple[int, int], ...] = ((5, 5), (50, 5), (250, 10))
LARGEST_SAMPLE = 25
MAX_SAMPLE = 500
SIZE_BASIS = "all records up to 5; 5 of up to 50; 10 of up to 250; 25 of more"


def default_size(population: int) -> int:
    for limit, size in SIZE_TABLE:
        if population <= limit:
            return min(size, population) if limit == SIZE_TABLE[0][0] else size
    return LARGEST_SAMPLE


@dataclass(frozen=True)
class Sample:
    record: Any
    evidence: tuple[Any, ...]


@dataclass(frozen=True)
class Stage2Plan:
    """What the working paper prints: the item, its population and the drawn sample."""

    organisation: str
    as_of: dt.date
    item: ItemResult
    soa_row: Any | None
    population: tuple[Any, ...]
    samples: tuple[Sample, ...]
    seed: int
    size: int
    #: ``all`` when the population is not larger than the sample size, else ``random``.
    method: str
    author: str | None = None

    @property
    def sampled_ids(self) -> frozenset[str]:
        return frozenset(s.record.id for s in self.samples)


def _order(record: Any) -> tuple[str, int, str]:
    return (record.record_type, len(record.id), record.id)


def find_item(readiness: Report, item_id: str) -> ItemResult:
    """The readiness item of a clause (``6.1.2``) or control (``A.6.2.4``); UsageError when there is none."""
    wanted = item_id.strip()
    wanted = "A" + wanted[1:] if wanted[:2].lower() == "a." else wanted
    for item in readiness.items:
        if item.id == wanted:
            return item
    raise UsageError(
        f"{item_id!r} is not a clause or Annex A control of ISO/IEC 42001; give one like 6.1.2 or A.6.2.4 "
        "(see 'aims readiness')"
    )


def plan(
    snap: Snapshot,
    readiness: Report,
    item_id: str,
    *,
    organisation: str,
    seed: int | None = None,
    size: int | None = None,
    author: str | None = None,
) -> Stage2Plan:
    """Draw the sample of ``item_id``; a new seed is chosen (and recorded) when none is given."""
    item = find_item(readiness, item_id)
    if size is not None and not 1 <= size <= MAX_SAMPLE:
        raise UsageError(f"--sample {size}: give a number of records from 1 to {MAX_SAMPLE}")
    if seed is not None and not 0 <= seed < 2**63:
        raise UsageError(f"--seed {seed}: give a whole number from 0 to {2**63 - 1}")
    records = {r.id: r for rows in snap.records.values() for r in rows}
    row = next((r for r in snap.of("soa_entry") if r.control_id == item.id), None) if item.kind == "control" else None
    cited = list(item.links)
    if row is not None:
        cited += [*(row.treatment_ids or []), *(row.evidence_ids or [])]
    chosen = {records[i].id: records[i] for i in dict.fromkeys(cited) if i in records}
    evidence_of: dict[str, list[Any]] = {}
    for ev in snap.of("evidence"):
        for target in ev.record_ids or []:
            evidence_of.setdefault(target, []).append(ev)
    population_ids = {
        r.id for r in chosen.values()
        if r.record_type != "soa_entry"
        and not (r.record_type == "evidence" and any(t in chosen for t in (r.record_ids or [])))
    }  # fmt: skip
    population = tuple(sorted((chosen[i] for i in population_ids), key=_order))
    wanted = size if size is not None else default_size(len(population))
    drawn_seed = seed if seed is not None else secrets.randbelow(10**9)
    if len(population) <= wanted:
        method, picked = "all", list(population)
    else:
        method = "random"
        indexes = sorted(random.Random(drawn_seed).sample(range(len(population)), wanted))
        picked = [population[i] for i in indexes]
    samples = tuple(
        Sample(r, tuple(sorted(evidence_of.get(r.id, []), key=_order)) if r.record_type != "evidence" else ())
        for r in picked
    )
    return Stage2Plan(
        organisation=organisation, as_of=snap.today, item=item, soa_row=row, population=population,
        samples=samples, seed=drawn_seed, size=wanted, method=method, author=author,
    )  # fmt: skip


def _when(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, dt.date):
        return value.isoformat()
    return None


def _who(record: Any, what: str) -> str | None:
    """``maria on 2026-08-02 09:30 UTC`` from a record's created_/updated_ columns."""
    when = _when(getattr(record, f"{what}_at", None))
    return f"{getattr(record, f'{what}_by', None) or 'unknown'} on {when}" if when else None


def _evidence_rows(evidence: Sequence[Any]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for ev in evidence:
        if ev.kind == "file":
            where = f"file {ev.filename or 'unnamed'}, SHA-256 {ev.sha256 or 'not recorded'}"
        else:
            where = f"link {ev.url or 'not recorded'}"
        added = f"{ev.created_by} on {_when(ev.created_at) or 'no date'}"
        rows.append((f"{ev.id} {ev.title}", where, ev.description or "", added))
    return rows


def rerun_command(result: Stage2Plan) -> str:
    return f"aims readiness --stage2 {result.item.id} --seed {result.seed} --sample {result.size} --date {result.as_of}"


def to_document(result: Stage2Plan) -> Document:
    """The sampling list and working paper as a document (PDF, Word or Markdown)."""
    item = result.item
    doc = Document(Meta(
        organisation=result.organisation, title=f"Stage 2 working paper: {item.id} {item.title}",
        version=f"as of {result.as_of.isoformat()}", date=result.as_of, author=result.author, approver=None,
    ))  # fmt: skip
    kind = "Annex A control" if item.kind == "control" else "Clause"
    doc.add(Heading(f"1. {kind} {item.id} {item.title}"))
    doc.add(Fields((
        ("Standard", "ISO/IEC 42001:2023"),
        (kind, f"{item.id} {item.title}"),
        ("Readiness", f"{LABELS[item.status]} (as 'aims readiness' computes it on {result.as_of.isoformat()})"),
    )))  # fmt: skip
    doc.add(Bullets(tuple(r for r in item.reasons if r) or ("No check applies.",)))
    if item.kind == "control":
        row = result.soa_row
        if row is None:
            doc.add(Gap(f"the Statement of Applicability has no row for {item.id}"))
        else:
            doc.add(Fields((
                ("Statement of Applicability", f"{row.id}: {'applicable' if row.applicable else 'excluded'}"),
                ("Justification", row.justification),
                ("Implementation", str(row.status).replace("_", " ")),
                ("Owner", row.owner),
            )))  # fmt: skip
    doc.add(Heading("2. Sampling"))
    population = len(result.population)
    if not population:
        doc.add(Gap(f"no records support {item.id}: there is nothing to sample; the item is a gap"))
    elif result.method == "all":
        doc.add(Para(f"All {population} records are tested: the population is not larger than the sample size "
                     f"({result.size})."))  # fmt: skip
    else:
        doc.add(Para(
            f"{result.size} of {population} records drawn at random with seed {result.seed} (Python's "
            "random.Random(seed).sample over the population in the order listed below). The same register, "
            f"seed and size draw the same records: {rerun_command(result)}."
        ))
    doc.add(Para(f"Sample size basis: {SIZE_BASIS}, unless --sample says otherwise. Seed: {result.seed}."))
    if population:
        sampled = result.sampled_ids
        doc.add(table(("#", "Record", "Type", "Status", "Sampled"), [
            (str(n), f"{r.id} {label(r)}", r.record_type.replace("_", " "), str(r.status).replace("_", " "),
             "yes" if r.id in sampled else "")
            for n, r in enumerate(result.population, start=1)
        ], (1, 7, 2, 2, 1)))  # fmt: skip
    doc.add(Heading("3. Working paper"))
    for n, sample in enumerate(result.samples, start=1):
        record = sample.record
        doc.add(Heading(f"Sample {n}: {record.id} {label(record)}", 2))
        kind = record.record_type.replace("_", " ")
        doc.add(Fields((
            ("Record", f"{record.id} ({kind}), status {str(record.status).replace('_', ' ')}"),
            ("Owner", getattr(record, "owner", None)),
            ("Created", _who(record, "created")),
            ("Last changed", _who(record, "updated")),
        )))  # fmt: skip
        said = content(record, 4000)
        doc.add(Para(said) if said else Gap(f"{record.id} holds no descriptive text"))
        if record.record_type == "evidence":
            doc.add(table(("Evidence", "Where", "Description", "Added by"), _evidence_rows([record]), (3, 4, 4, 2)))
        elif sample.evidence:
            doc.add(table(("Evidence", "Where", "Description", "Added by"), _evidence_rows(sample.evidence),
                          (3, 4, 4, 2)))  # fmt: skip
        else:
            doc.add(Gap(f"no evidence is attached to {record.id}"))
        doc.add(table(("Test performed", "Result (conforms / nonconformity / observation)", "Auditor's notes"),
                      [("", "", "")], (4, 3, 4)))  # fmt: skip
    if not result.samples:
        doc.add(Gap("no samples: the auditor records how the item was tested instead"))
    doc.add(Heading("4. Conclusion and sign-off"))
    doc.add(Para("Conclusion on the item: ____________________________________________"))
    doc.add(SignOff((("Auditor", None), ("Auditee representative", result.author))))
    return doc


__all__ = ["SIZE_BASIS", "Sample", "Stage2Plan", "default_size", "find_item", "plan", "rerun_command", "to_document"]
