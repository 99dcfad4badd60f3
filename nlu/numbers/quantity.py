"""The value a number answer stands for: a quantity, exact, approximate or a range, with its unit."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Precision(StrEnum):
    """How exactly a quantity was said."""

    EXACT = "exact"  # 三千五, 3500元
    APPROX = "approx"  # 五百多, 三千左右, 将近两千, 七十来平
    RANGE = "range"  # 1万-5万, 两到三万, 三四十, 七八个


@dataclass(frozen=True)
class Quantity:
    """A number with its canonical unit and whether it was given approximately.

    ``value`` is the figure said for EXACT and APPROX (五百多 → 500, 三千左右 → 3000) and the midpoint of
    ``low`` and ``high`` for RANGE (1万-5万 → 30000). ``low``/``high`` bound a RANGE, and an APPROX when the
    expression bounds it: X多/X余/X几 after a place (五百多: 500 < x < 600, so low=500, high=600; 十多: 10..20;
    1500多: 1500..1600), 将近/不到/以下 X (high=X), 至少/超过/以上/出头 X (low=X); 大概/左右/来 have no bounds.
    """

    value: int | float
    unit: str | None
    approximate: bool
    low: int | float | None = None
    high: int | float | None = None
    ranged: bool = False  # said as a range (low..high), not around one figure

    @property
    def precision(self) -> Precision:
        """EXACT, APPROX or RANGE."""
        if not self.approximate:
            return Precision.EXACT
        return Precision.RANGE if self.ranged else Precision.APPROX
