"""A value against a plan's warning and breach thresholds, in either direction."""

from __future__ import annotations

import pytest

from openaims.monitoring.interface import Direction, Level
from openaims.monitoring.thresholds import level


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        (0.04, Direction.ABOVE, Level.OK),
        (0.05, Direction.ABOVE, Level.OK),  # equal to the warning threshold: not past it
        (0.07, Direction.ABOVE, Level.WARNING),
        (0.10, Direction.ABOVE, Level.WARNING),
        (0.11, Direction.ABOVE, Level.BREACH),
    ],
)
def test_above(value: float, direction: Direction, expected: Level) -> None:
    assert level(value, warning=0.05, breach=0.10, direction=direction) is expected


@pytest.mark.parametrize(("value", "expected"), [(0.95, Level.OK), (0.85, Level.WARNING), (0.65, Level.BREACH)])
def test_below(value: float, expected: Level) -> None:
    assert level(value, warning=0.9, breach=0.8, direction=Direction.BELOW) is expected


def test_without_thresholds_every_value_is_ok() -> None:
    assert level(1e9, warning=None, breach=None, direction=Direction.ABOVE) is Level.OK


def test_a_breach_threshold_alone_still_breaches() -> None:
    assert level(5, warning=None, breach=4, direction=Direction.ABOVE) is Level.BREACH
    assert level(3, warning=None, breach=4, direction=Direction.ABOVE) is Level.OK
