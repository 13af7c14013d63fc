"""Impact assessments follow ISO/IEC 42005: system, data and model information, deployment context,
impacted groups (benefits, harms, ratings and measures per group) and failure modes.

Existing assessments keep their per-area ratings and group names as recorded; their impacted
groups are filled from them (each named group, vulnerable when listed so, with the highest
severity and likelihood over the rated areas, the area descriptions as harms and the
mitigations as measures), the same conversion the service applies to input in that form.
New fields are not compared with earlier history events, so ``aims history verify`` stays clean.

Revision ID: 0016_impact_42005
Revises: 0015_list_order
Create Date: 2026-12-05 18:50:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016_impact_42005"
down_revision: str | None = "0015_list_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TEXTS = ("scope", "system_description", "intended_uses", "foreseeable_misuses", "data_and_models",
         "deployment_context")  # fmt: skip
LISTS = ("dataset_ids", "model_ids", "impacted_groups", "failure_modes")


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _level(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def groups_from(names: list[Any], vulnerable: list[Any], areas: dict[str, Any], mitigations: str | None) -> list[Any]:
    """The per-group form of one assessment's earlier per-area data."""
    rated = {str(k): v for k, v in (areas or {}).items() if isinstance(v, dict)}
    severities = [s for s in (_level(v.get("severity")) for v in rated.values()) if s is not None]
    likelihoods = [s for s in (_level(v.get("likelihood")) for v in rated.values()) if s is not None]
    harms = "\n".join(
        f"{area.replace('_', ' ')} (severity {v.get('severity')}, likelihood {v.get('likelihood')}): "
        f"{str(v['description']).strip()}"
        for area, v in rated.items() if v.get("description")
    )  # fmt: skip
    out: list[dict[str, Any]] = []
    wanted = [n for n in [*names, *vulnerable] if isinstance(n, str)]
    for name in dict.fromkeys(wanted):
        group: dict[str, Any] = {"name": name, "vulnerable": name in vulnerable}
        if severities and likelihoods:
            group |= {"severity": max(severities), "likelihood": max(likelihoods)}
        if harms:
            group["harms"] = harms
            if mitigations and mitigations.strip():
                group["measures"] = mitigations.strip()
        out.append(group)
    return out


def upgrade() -> None:
    with op.batch_alter_table("impact_assessments", schema=None) as batch_op:
        for name in TEXTS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
        for name in LISTS:
            batch_op.add_column(sa.Column(name, JSON_TYPE, nullable=False, server_default=sa.text("'[]'")))
    table = sa.table(
        "impact_assessments", sa.column("id", sa.String), sa.column("affected_groups", JSON_TYPE),
        sa.column("vulnerable_groups", JSON_TYPE), sa.column("areas", JSON_TYPE), sa.column("mitigations", sa.Text),
        sa.column("impacted_groups", JSON_TYPE),
    )  # fmt: skip
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(table.c.id, table.c.affected_groups, table.c.vulnerable_groups, table.c.areas, table.c.mitigations)
    ).all()
    for record_id, names, vulnerable, areas, mitigations in rows:
        groups = groups_from(_loaded(names) or [], _loaded(vulnerable) or [], _loaded(areas) or {}, mitigations)
        if groups:
            bind.execute(table.update().where(table.c.id == record_id).values(impacted_groups=groups))


def downgrade() -> None:
    """Back to the per-area form: assessments written in the per-group form keep their group names."""
    table = sa.table(
        "impact_assessments", sa.column("id", sa.String), sa.column("affected_groups", JSON_TYPE),
        sa.column("vulnerable_groups", JSON_TYPE), sa.column("impacted_groups", JSON_TYPE),
    )  # fmt: skip
    bind = op.get_bind()
    rows = bind.execute(sa.select(table.c.id, table.c.affected_groups, table.c.impacted_groups)).all()
    for record_id, names, groups in rows:
        groups = [g for g in _loaded(groups) or [] if isinstance(g, dict) and g.get("name")]
        if groups and not _loaded(names):
            bind.execute(table.update().where(table.c.id == record_id).values(
                affected_groups=[g["name"] for g in groups if not g.get("vulnerable")],
                vulnerable_groups=[g["name"] for g in groups if g.get("vulnerable")],
            ))  # fmt: skip
    with op.batch_alter_table("impact_assessments", schema=None) as batch_op:
        for name in (*LISTS, *TEXTS):
            batch_op.drop_column(name)
