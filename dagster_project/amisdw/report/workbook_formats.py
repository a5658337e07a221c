"""How the review workbook stores and shows numbers, and how wide its columns are.

Cells hold numbers, never formatted text: a rate is stored as the ratio and shown ``0.0%``; an
amount in yuan is stored divided by 10,000 and shown as 万元 ``#,##0.00``; headcounts ``#,##0``
(means ``#,##0.0``). The display units follow the HTML pack (:func:`amisdw.report.fmt.display_of`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from amisdw.readers.catalogue import Kpi
from amisdw.report.fmt import as_float, display_of

HEADER_FILL = "#1F4E79"
SELF_FILL = "#FFF4D6"
BANNER_FILL = "#FFF4D6"
EN_COLOR = "#DCE6F1"
NOTE_COLOR = "#555555"
MIN_WIDTH, MAX_WIDTH = 6.0, 60.0
FILTER_BUTTON = 3.0  # room for the autofilter arrow in a header cell


@dataclass(frozen=True)
class NumberStyle:
    """A number column: stored value = value / divisor, shown with num_format."""

    num_format: str
    divisor: float = 1.0
    unit: str = ""

    def cell(self, value: object) -> float | None:
        v = as_float(value)
        return None if v is None else v / self.divisor


def _fixed(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


PERCENT = NumberStyle("0.0%", 1.0, "%")
WAN = NumberStyle(_fixed(2), 10_000, "万元")
SIGNED_WAN = NumberStyle("+#,##0.00;-#,##0.00;0.00", 10_000, "万元")
COUNT = NumberStyle(_fixed(0), 1.0, "人")
MEAN = NumberStyle(_fixed(1), 1.0, "人")
YUAN = NumberStyle(_fixed(0), 1.0, "元")
YUAN_CENTS = NumberStyle(_fixed(2), 1.0, "元")
RANK = NumberStyle("0", 1.0, "")
CHANGE = NumberStyle("+0.0%;-0.0%;0.0%", 1.0, "%")
# a rate's change in percentage points: the ratio difference × 100, e.g. +1.2个百分点
CHANGE_PP = NumberStyle('+0.0"个百分点";-0.0"个百分点";0.0"个百分点"', 0.01, "个百分点")


def kpi_style(kpi: Kpi) -> NumberStyle:
    """The number style of a catalogue KPI, as the HTML pack shows it."""
    display = display_of(kpi)
    if display.unit == "%":
        return PERCENT
    return NumberStyle(_fixed(display.decimals), display.scale, display.unit)


def change_style(kpi: Kpi) -> NumberStyle:
    """环比/同比 of a KPI: rates in percentage points, everything else relative."""
    return CHANGE_PP if kpi.unit == "%" else CHANGE


def change_value(kpi: Kpi, current: object, base: object) -> float | None:
    """The change as stored before the style's divisor: a rate's difference, else (c − b) / |b|."""
    c, b = as_float(current), as_float(base)
    if c is None or b is None:
        return None
    if kpi.unit == "%":
        return c - b
    return None if b == 0 else (c - b) / abs(b)


# ---- widths -----------------------------------------------------------------------------------
def text_width(text: str) -> float:
    """Width in Excel character units: CJK (wide and full-width) characters count double."""
    lines = str(text).splitlines() or [""]
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines
    )


_ZEROS = re.compile(r"\.(0+)")
_LITERAL = re.compile(r'"([^"]*)"')


def number_text(value: float, num_format: str) -> str:
    """Roughly what Excel shows for ``value`` under ``num_format`` (for column widths)."""
    section = num_format.split(";")[0]
    zeros = _ZEROS.search(section)
    decimals = len(zeros.group(1)) if zeros else 0
    percent = "%" in section.replace('"%"', "")
    shown = value * 100 if percent else value
    sign = "+" if section.startswith("+") else ""
    comma = "," if "," in section else ""
    text = f"{shown:{sign}{comma}.{decimals}f}" + ("%" if percent else "")
    return text + "".join(_LITERAL.findall(section))


class Widths:
    """The widest cell of each column, applied at the end."""

    def __init__(self) -> None:
        self._widths: dict[int, float] = {}

    def fit(self, col: int, width: float) -> None:
        self._widths[col] = max(self._widths.get(col, 0.0), width)

    def fit_text(self, col: int, text: str, extra: float = 0.0) -> None:
        self.fit(col, text_width(text) + extra)

    def apply(self, ws: Any) -> None:
        for col, width in sorted(self._widths.items()):
            ws.set_column(col, col, min(max(width + 1.5, MIN_WIDTH), MAX_WIDTH))


# ---- cell formats -----------------------------------------------------------------------------
class Formats:
    """XlsxWriter formats, created once per distinct set of properties."""

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._cache: dict[tuple[tuple[str, Any], ...], Format] = {}

    def get(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self._workbook.add_format(dict(props))
        return self._cache[key]

    def cell(
        self, num_format: str = "", bold: bool = False, indent: int = 0, wrap: bool = False
    ) -> Format:
        props: dict[str, Any] = {"border": 1, "border_color": "#D9DEE5", "valign": "vcenter"}
        if wrap:
            props.update(text_wrap=True, valign="top")
        if num_format:
            props["num_format"] = num_format
        if bold:
            props.update(bold=True, bg_color=SELF_FILL)
        if indent:
            props["indent"] = indent
        return self.get(**props)

    def header(self, wrap: bool = True) -> Format:
        return self.get(
            bold=True,
            font_color="#FFFFFF",
            bg_color=HEADER_FILL,
            border=1,
            border_color="#C9D3DF",
            align="center",
            valign="vcenter",
            text_wrap=wrap,
        )

    def header_en(self) -> Format:
        return self.get(
            italic=True,
            font_size=9,
            font_color="#1F1F1F",
            bg_color=EN_COLOR,
            border=1,
            border_color="#C9D3DF",
            align="center",
            valign="vcenter",
            text_wrap=True,
        )

    def title(self) -> Format:
        return self.get(bold=True, font_size=14, font_color=HEADER_FILL)

    def caption(self) -> Format:
        return self.get(bold=True, font_size=11, font_color="#333333")

    def note(self) -> Format:
        return self.get(font_size=9, font_color=NOTE_COLOR)

    def banner(self) -> Format:
        return self.get(bold=True, font_color="#8A5A00", bg_color=BANNER_FILL)

    def label(self) -> Format:
        return self.get(bold=True, font_color="#333333", valign="top")

    def link(self) -> Format:
        return self.get(font_color="#0563C1", underline=1)
