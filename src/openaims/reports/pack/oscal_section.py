"""The OSCAL documents in a pack: catalog, profile, assessment results and the included systems."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from openaims.reports.pack.builtin import safe_name
from openaims.reports.pack.sections import PackContext, PackFile, section


@section(
    "oscal", order=15,
    description="OSCAL: the ISO/IEC 42001 catalog and profile, assessment results from readiness and a component "
    "definition per included AI system (as 'aims oscal export' writes them)",
)  # fmt: skip
def oscal_files(ctx: PackContext) -> Iterator[PackFile]:
    from openaims.reports import oscal

    # Evidence files sit in the pack beside the oscal/ folder: resources link to them by relative path.
    hrefs = {
        e.id: f"../evidence/{quote(e.id)}/{quote(safe_name(e.filename or '', e.sha256))}"
        for e in ctx.of("evidence")
        if e.kind == "file" and e.sha256
    }
    files = oscal.export(
        ctx.view.snapshot, ctx.readiness, organisation=ctx.organisation, day=ctx.as_of,
        systems=[s for s in ctx.of("system") if s.status != "retired"], evidence_href=hrefs,
    )  # fmt: skip
    for file in files:
        component = file.name.startswith("component-")
        source = file.name.removeprefix("component-").removesuffix(".json") if component else None
        yield PackFile(f"oscal/{file.name}", file.data, source=source)
