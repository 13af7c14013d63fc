"""The AI security review report of each included AI system, as 'aims review report' writes it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from openaims.reports.pack.sections import PackContext, PackFile, section


@section(
    "security-review", order=50,
    description="the AI security review report of each included AI system (threat model, decisions, gaps, "
    "red-team results), newest review first",
)  # fmt: skip
def security_review_files(ctx: PackContext) -> Iterator[PackFile]:
    from openaims.reports import security_review

    if ctx.session is None:
        return
    reviews = [r for r in ctx.of("security_review") if r.status != "superseded"]
    moment = dt.datetime.combine(ctx.as_of, dt.time(0), tzinfo=dt.UTC)  # the same day gives the same bytes
    for review in sorted(reviews, key=lambda r: (len(r.id), r.id)):
        report = dataclasses.replace(security_review.build(ctx.session, "pack", review.id), review=review,
                                     generated_at=moment)  # fmt: skip
        yield PackFile(f"security-review/{review.system_id} {review.id}.md",
                       security_review.to_markdown(report).encode("utf-8"), source=review.id)  # fmt: skip
