"""Answer sets shared by the EU AI Act classifier and CLI tests."""

from __future__ import annotations

from typing import Any

#: A provider of an AI system that triggers nothing: every yes/no answered "no".
MINIMAL_SYSTEM: dict[str, Any] = {
    "subject": "system",
    "role.provider": True,
    "role.deployer": False,
    "role.modifies_high_risk": False,
    "prohibited.practices": "none",
    "annex_i.legislation": "none",
    "annex_iii.points": "none",
    "transparency.interacts_with_people": False,
    "transparency.synthetic_content": False,
    "transparency.emotion_or_biometric_categorisation": False,
    "transparency.deep_fake": False,
}


def answers(**changes: Any) -> dict[str, Any]:
    """MINIMAL_SYSTEM with changes; keys use ``__`` for the dot (``role__deployer``)."""
    out = dict(MINIMAL_SYSTEM)
    for key, value in changes.items():
        out[key.replace("__", ".")] = value
    return out
