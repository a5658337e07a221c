"""新单保费 = 人力 × 活动率 × 人均件数 × 件均保费: which factor drove the change.

The change of new premium between a base and a current period is split over the four factors
additively and exactly by the logarithmic mean Divisia index (LMDI-I):
``contribution_i = L(P1, P0) × ln(f_i1 / f_i0)`` with ``L(a, b) = (a − b) / (ln a − ln b)``
(``L(a, a) = a``); the contributions sum to ``P1 − P0`` because ``P = Π f_i``. It needs every
factor of both periods to be positive; otherwise no split is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

FACTORS: tuple[tuple[str, str], ...] = (
    ("headcount_avg", "人力"),
    ("activity_rate", "活动率"),
    ("policies_per_producer", "人均件数"),
    ("premium_per_policy", "件均保费"),
)
FACTOR_CODES = tuple(code for code, _ in FACTORS)


@dataclass(frozen=True)
class Decomposition:
    premium_base: float | None
    premium_current: float | None
    contributions: dict[str, float] | None  # factor code → yuan; None when not decomposable

    @property
    def change(self) -> float | None:
        if self.premium_base is None or self.premium_current is None:
            return None
        return self.premium_current - self.premium_base

    @property
    def driver(self) -> str | None:
        """The factor code with the largest absolute contribution."""
        if not self.contributions:
            return None
        return max(self.contributions, key=lambda k: abs(self.contributions[k]))  # type: ignore[index]


def log_mean(a: float, b: float) -> float:
    if a <= 0 or b <= 0:
        raise ValueError("logarithmic mean of non-positive values")
    if math.isclose(a, b, rel_tol=1e-12):
        return a
    return (a - b) / (math.log(a) - math.log(b))


def _num(x: object) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def decompose(base: Mapping[str, object], current: Mapping[str, object]) -> Decomposition:
    """Split new_premium(current) − new_premium(base) over the four factors."""
    p0, p1 = _num(base.get("new_premium")), _num(current.get("new_premium"))
    f0 = [_num(base.get(c)) for c in FACTOR_CODES]
    f1 = [_num(current.get(c)) for c in FACTOR_CODES]
    factors_ok = all(v is not None and v > 0 for v in (*f0, *f1))
    if p0 is None or p1 is None or not factors_ok or p0 <= 0 or p1 <= 0:
        return Decomposition(p0, p1, None)
    weight = log_mean(p1, p0)
    contributions = {
        code: weight * math.log(b / a)  # type: ignore[operator]
        for code, a, b in zip(FACTOR_CODES, f0, f1, strict=True)
    }
    return Decomposition(p0, p1, contributions)
