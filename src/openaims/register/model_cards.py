"""What the register knows of the models a scan finds, for their CycloneDX model cards [A.6.2.7, A.8.2].

A model the register has linked to an AI system (a ``model`` component of the scanned
repository) takes from that system its intended use, its limitations (the reasonably
foreseeable misuse and the known bias of its datasets), its owner and, from the system's
newest approved impact assessment, an ethical consideration per group of people it may harm,
with the measures taken as the mitigation strategy.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from openaims.bom.interface import ModelContext
from openaims.register.actors import Actor
from openaims.register.services.impact import ImpactAssessmentService
from openaims.register.services.systems import ComponentService, DatasetService, SystemService


def model_contexts(session: Session, actor: Actor | str, repository: str) -> dict[str, ModelContext]:
    """Model name -> what the register knows of it, for the models of ``repository`` linked to a system."""
    components = ComponentService(session, actor)
    systems = components.service(SystemService)
    datasets = {d.id: d for d in components.service(DatasetService).all()}
    assessments = components.service(ImpactAssessmentService)
    out: dict[str, ModelContext] = {}
    for component in components.all(repository=repository, kind="model"):
        if component.system_id is None or component.disappeared or component.name in out:
            continue
        system = systems.get(component.system_id)
        limitations = []
        if system.foreseeable_misuse:
            limitations.append(f"Not for: {system.foreseeable_misuse}")
        for dataset_id in system.dataset_ids:
            data = datasets.get(dataset_id)
            if data is not None and data.known_bias:
                limitations.append(f"Data {data.name}: {data.known_bias}")
        approved = sorted(
            assessments.all(system_id=system.id, status="approved"), key=lambda a: (a.assessed_on or dt.date.min, a.id)
        )
        ethical = tuple(
            (f"{g.name}{' (vulnerable)' if g.vulnerable else ''}: {g.harms}", g.measures)
            for g in (approved[-1].impacted_groups if approved else [])
            if g.harms
        )
        out[component.name] = ModelContext(
            system=f"{system.id} {system.name}",
            owner=system.owner,
            intended_use=system.intended_use,
            limitations=tuple(limitations),
            ethical=ethical,
        )
    return out


__all__ = ["model_contexts"]
