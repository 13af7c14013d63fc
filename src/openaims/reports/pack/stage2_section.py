"""Stage 2 packs: a sampling list and working paper per clause and applicable control."""

from __future__ import annotations

from collections.abc import Iterator

from openaims.readiness.model import Status
from openaims.reports.pack.builtin import safe_name
from openaims.reports.pack.scope import ScopeKind
from openaims.reports.pack.sections import PackContext, PackFile, section


def pack_seed(ctx: PackContext) -> int:
    """The seed a pack draws its samples with: the pack's day (20261205), so packs stay byte-identical."""
    return int(ctx.as_of.strftime("%Y%m%d"))


@section(
    "stage2", order=60,
    description="Stage 2 scope: per clause and applicable control, the sampled records and a working paper with "
    "their evidence (PDF and Word), and an index of every sample",
)  # fmt: skip
def stage2_files(ctx: PackContext) -> Iterator[PackFile]:
    if ctx.scope.kind is not ScopeKind.STAGE2:
        return
    from openaims.reports import stage2
    from openaims.reports.document import DocFormat, render

    seed = pack_seed(ctx)
    lines = [
        f"# Stage 2 sampling, {ctx.organisation}, as of {ctx.as_of.isoformat()}",
        "",
        f"Seed {seed} for every item; sample sizes: {stage2.SIZE_BASIS}.",
        "",
        "| Item | Readiness | Population | Sampled records | Working paper |",
        "|---|---|---|---|---|",
    ]
    for item in ctx.readiness.items:
        if item.status is Status.NOT_APPLICABLE:
            continue
        result = stage2.plan(ctx.view.snapshot, ctx.readiness, item.id, organisation=ctx.organisation, seed=seed)
        document = stage2.to_document(result)
        name = safe_name(f"{item.id} {item.title}", item.id)
        for fmt in (DocFormat.PDF, DocFormat.DOCX):
            yield PackFile(f"stage2/{name}.{fmt.value}", render(document, fmt))
        sampled = ", ".join(s.record.id for s in result.samples) or "GAP: no records to sample"
        lines.append(
            f"| {item.id} {item.title} | {item.status.value.replace('_', ' ')} | {len(result.population)} | "
            f"{sampled} | {name}.pdf |"
        )
    yield PackFile("stage2/sampling.md", ("\n".join(lines) + "\n").encode("utf-8"))
