"""The catalogue of AI risk sources (ISO/IEC 42001 Annex C.3, ISO/IEC 23894 Annex B), as data."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from openaims.untrusted import InputError, read_yaml

FILE = "risk-sources.yaml"


@dataclass(frozen=True)
class RiskSource:
    id: str
    title: str
    iso23894: str
    description: str

    @property
    def label(self) -> str:
        """How a risk names it: ``C.3.3 Level of automation``."""
        return f"{self.id} {self.title}"


@functools.cache
def risk_sources() -> tuple[RiskSource, ...]:
    """Every catalogued risk source, in the order of Annex C.3."""
    text = resources.files("openaims.frameworks").joinpath(FILE).read_text(encoding="utf-8")
    try:
        data = read_yaml(text, FILE)
    except InputError as exc:  # shipped with the package: a broken file is a broken installation
        raise RuntimeError(f"risk source catalogue {exc.message}") from None
    return tuple(
        RiskSource(str(s["id"]), str(s["title"]), str(s["iso23894"]), " ".join(str(s["description"]).split()))
        for s in data["sources"]
    )


def find_source(text: str) -> RiskSource | None:
    """The catalogued source ``text`` names (by id such as ``C.3.3``, or by title), if any."""
    wanted = text.strip().lower()
    for source in risk_sources():
        if wanted in (source.id.lower(), source.title.lower(), source.label.lower()):
            return source
    return None


__all__ = ["RiskSource", "find_source", "risk_sources"]
