"""Where a value stands against a warning and a breach threshold."""

from __future__ import annotations

from openaims.monitoring.interface import Direction, Level


def level(value: float, *, warning: float | None, breach: float | None, direction: Direction) -> Level:
    """``breach`` past the breach threshold, else ``warning`` past the warning one, else ``ok``.

    ``above``: a value greater than a threshold is past it; ``below``: a value smaller than it.
    A value equal to a threshold is not past it.
    """

    def past(threshold: float | None) -> bool:
        if threshold is None:
            return False
        return value > threshold if direction is Direction.ABOVE else value < threshold

    if past(breach):
        return Level.BREACH
    if past(warning):
        return Level.WARNING
    return Level.OK
