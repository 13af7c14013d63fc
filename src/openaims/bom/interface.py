"""The contract of the AI Bill of Materials writers.

Every writer turns the findings of one scan into a document of a public
standard (CycloneDX ML-BOM, SPDX 3 with the AI profile). They share the
grouping of findings into an inventory (:mod:`openaims.bom.inventory`), so the
two formats always describe the same things.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from openaims.errors import AimsError

#: Namespace of every property name OpenAIMS writes into a BOM (see docs/aibom.md).
PROPERTY_NAMESPACE = "openaims"


class BomError(AimsError):
    """A BOM could not be produced (unsupported version or format, or an
    output that fails its schema, which is a defect to report)."""


class CycloneDxFormat(enum.StrEnum):
    """Serialisations of a CycloneDX document."""

    JSON = "json"
    XML = "xml"


#: CycloneDX specification versions the writer produces.
CYCLONEDX_VERSIONS: tuple[str, ...] = ("1.6", "1.7")
DEFAULT_CYCLONEDX_VERSION = "1.6"


@dataclass(frozen=True)
class ModelContext:
    """What the register knows of a model, for its model card: the AI system that uses it, the
    system's owner, intended use, limitations, and ethical considerations with their mitigation."""

    system: str
    owner: str | None = None
    intended_use: str | None = None
    limitations: tuple[str, ...] = ()
    #: (consideration, mitigation strategy or None)
    ethical: tuple[tuple[str, str | None], ...] = ()
