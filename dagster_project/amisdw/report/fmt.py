"""How the review pack shows numbers: amounts in 万元, rates in %, headcounts in 人.

Every KPI cell of the report's tables carries ``data-kpi``, ``data-org``, ``data-period`` and
``data-unit`` (the display unit), so the printed figure can be checked against marts.kpi.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from amisdw.readers.catalogue import Kpi

DASH = "—"


@dataclass(frozen=True)
class Display:
    unit: str  # the unit the figure is printed in: %, 万元, 元, 人, 件, 次
    scale: float  # printed = value / scale
    decimals: int

    def text(self, value: object) -> str:
        v = as_float(value)
        if v is None:
            return DASH
        shown = v / self.scale
        if self.unit == "%":
            return f"{shown:.{self.decimals}f}%"
        return f"{shown:,.{self.decimals}f}"


def as_float(value: object) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def display_of(kpi: Kpi) -> Display:
    """The display of a catalogue KPI (budget attainment: %)."""
    if kpi.unit == "%":
        return Display("%", 0.01, 1)
    if kpi.unit == "元":
        if kpi.kind == "amount":
            return Display("万元", 10_000, 2)
        return Display("元", 1, 0)
    if kpi.unit == "人":
        return Display("人", 1, 1 if kpi.kind == "mean" else 0)
    if kpi.unit == "件":
        return Display("件", 1, 2 if kpi.kind == "rate" else 0)
    return Display(kpi.unit or "", 1, 1)


def header(kpi: Kpi) -> str:
    """Column header: 中文 name with the display unit, e.g. 新单保费（万元）."""
    unit = display_of(kpi).unit
    return f"{kpi.name_zh}（{unit}）" if unit and unit != "%" else kpi.name_zh


def wan(value: object, decimals: int = 2) -> str:
    """Yuan as 万元 text without the unit: 1234567 → 123.46."""
    v = as_float(value)
    return DASH if v is None else f"{v / 10_000:,.{decimals}f}"


def signed_wan(value: object, decimals: int = 2) -> str:
    v = as_float(value)
    return DASH if v is None else f"{v / 10_000:+,.{decimals}f}"


def pct(value: object, decimals: int = 1) -> str:
    v = as_float(value)
    return DASH if v is None else f"{v * 100:.{decimals}f}%"


def change_pct(current: object, base: object) -> str:
    """Relative change as +12.3% (— when the base is 0 or missing)."""
    c, b = as_float(current), as_float(base)
    if c is None or b is None or b == 0:
        return DASH
    return f"{(c - b) / abs(b) * 100:+.1f}%"


def change_pp(current: object, base: object) -> str:
    """Change of a rate in percentage points: +1.2pp."""
    c, b = as_float(current), as_float(base)
    if c is None or b is None:
        return DASH
    return f"{(c - b) * 100:+.1f}个百分点"


def integer(value: object) -> str:
    v = as_float(value)
    return DASH if v is None else f"{v:,.0f}"
