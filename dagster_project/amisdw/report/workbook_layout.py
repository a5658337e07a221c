"""Laying out one sheet of the review workbook: a title, the sheet's main table (header rows
frozen, autofilter, org rows as outline levels), further tables as Excel tables, native charts
beside them, notes. Section-free: :mod:`amisdw.report.workbook` says what goes where.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from xlsxwriter.chart import Chart
from xlsxwriter.workbook import Workbook

from amisdw.report.workbook_formats import FILTER_BUTTON, Formats, NumberStyle, Widths, number_text
from amisdw.report.workbook_formats import text_width as width_of

Value = str | float | int | None
ROW_PIXELS = 20  # default row height
CHART_WIDTH, CHART_HEIGHT = 640, 300
TABLE_STYLE = "Table Style Light 1"
INDENT_WIDTH = 3.0  # column width of one indent level (the org tree)


@dataclass(frozen=True)
class Col:
    """A table column: Chinese header, English header (second row), number style (None: text).

    Consecutive columns with the same ``group`` share merged header cells above theirs (a KPI
    over 本季 / 上季 / 环比 …); ``comment`` is shown on the (group) header cell.
    """

    zh: str
    en: str = ""
    style: NumberStyle | None = None
    group: str = ""
    group_en: str = ""
    comment: str = ""
    wrap_at: float = 0.0  # > 0: a text column this wide, its long texts wrapped


@dataclass(frozen=True)
class Row:
    values: Sequence[Value]
    level: int = 0  # outline level: 0 the org, 1 a child org, 2 a grandchild
    bold: bool = False
    styles: Sequence[NumberStyle | None] | None = None  # per cell, for mixed-unit tables
    indent: int = 0  # indent of the first cell (the org tree)


@dataclass(frozen=True)
class Placed:
    """Where a table landed (0-based): its last header row and its data rows."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int
    first_col: int
    n_cols: int

    def col(self, i: int) -> int:
        return self.first_col + i

    def values(self, i: int) -> list[Any]:
        return [self.sheet, self.first_row, self.col(i), self.last_row, self.col(i)]

    def header(self, i: int) -> list[Any]:
        return [self.sheet, self.header_row, self.col(i)]


def two_line_width(text: str) -> float:
    """The width ``text`` needs when wrapped at a space into at most two lines."""
    words = text.split()
    if len(words) < 2:
        return width_of(text)
    return min(
        max(width_of(" ".join(words[:i])), width_of(" ".join(words[i:])))
        for i in range(1, len(words))
    )


def unique(names: Sequence[str]) -> list[str]:
    """Excel table headers must differ (case-insensitively): repeat names get （2）, （3）…"""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = n
        out.append(name if n == 1 else f"{name}（{n}）")
    return out


class Sheet:
    """One worksheet, written top to bottom; ``row`` is the next free row."""

    def __init__(self, workbook: Workbook, formats: Formats, name: str) -> None:
        self.workbook, self.fmt, self.name = workbook, formats, name
        self.ws = workbook.add_worksheet(name)
        self.row = 0
        self.widths = Widths()
        self._outline = False

    # ---- text -----------------------------------------------------------------------------
    def title(self, text: str, subtitle: str = "") -> None:
        self.ws.set_row(self.row, 24)
        self.ws.write_string(self.row, 0, text, self.fmt.title())
        self.row += 1
        if subtitle:
            self.ws.write_string(self.row, 0, subtitle, self.fmt.note())
            self.row += 1
        self.row += 1

    def note(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.fmt.note())
        self.row += 1

    def banner(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.fmt.banner())
        self.row += 1

    def gap(self, rows: int = 1) -> None:
        self.row += rows

    # ---- cells ------------------------------------------------------------------------------
    def _cell(self, r: int, c: int, value: Value, col: Col, row: Row) -> None:
        indent = row.indent if c == 0 else 0
        style = row.styles[c] if row.styles is not None else col.style
        if style is None:
            fmt = self.fmt.cell(bold=row.bold, indent=indent, wrap=col.wrap_at > 0)
            if value is None:
                self.ws.write_blank(r, c, None, fmt)
            elif col.wrap_at:
                self.ws.write_string(r, c, str(value), fmt)
                self.widths.fit(c, min(width_of(str(value)), col.wrap_at))
            else:
                self.ws.write_string(r, c, str(value), fmt)
                self.widths.fit_text(c, str(value), extra=INDENT_WIDTH * indent)
            return
        fmt = self.fmt.cell(style.num_format, bold=row.bold)
        number = style.cell(value)
        if number is None:
            self.ws.write_blank(r, c, None, fmt)
        else:
            self.ws.write_number(r, c, number, fmt)
            self.widths.fit_text(c, number_text(number, style.num_format), extra=1.0)

    def _rows(self, first: int, cols: Sequence[Col], rows: Sequence[Row]) -> None:
        for i, row in enumerate(rows):
            r = first + i
            if row.level:
                self.ws.set_row(r, None, None, {"level": row.level})
                self._outline = True
            for c, (col, value) in enumerate(zip(cols, row.values, strict=True)):
                self._cell(r, c, value, col, row)

    def _comment(self, r: int, c: int, text: str) -> None:
        if text:
            self.ws.write_comment(r, c, text, {"x_scale": 2.4, "y_scale": 1.6})

    # ---- the main table ---------------------------------------------------------------------
    def main_table(self, cols: Sequence[Col], rows: Sequence[Row], freeze_cols: int = 2) -> Placed:
        """The sheet's table: header rows frozen, an autofilter on the last header row."""
        top = self.row
        grouped = any(c.group for c in cols)
        header = top + (2 if grouped else 1)
        if grouped:
            self._group_headers(top, cols)
        for c, col in enumerate(cols):
            if grouped and col.group:
                self.ws.write_string(header, c, col.zh, self.fmt.header())
                self.widths.fit_text(c, col.zh, FILTER_BUTTON)
            else:
                self._plain_header(top, c, col, filter_row=header)
        self.ws.set_row(top, 30)
        self.ws.set_row(top + 1, 26)
        if grouped:
            self.ws.set_row(header, 30 if any("\n" in c.zh for c in cols) else 18)
        first = header + 1
        self._rows(first, cols, rows)
        last = first + max(len(rows), 1) - 1
        self.ws.autofilter(header, 0, last, len(cols) - 1)
        self.ws.freeze_panes(first, freeze_cols)
        self.row = last + 2
        return Placed(self.name, header, first, last, 0, len(cols))

    def _plain_header(self, top: int, c: int, col: Col, filter_row: int) -> None:
        """A column without a group: 中文 on the first row, English below; blank to the filter."""
        self.ws.write_string(top, c, col.zh, self.fmt.header())
        self.ws.write_string(top + 1, c, col.en, self.fmt.header_en())
        for r in range(top + 2, filter_row + 1):
            self.ws.write_blank(r, c, None, self.fmt.header())
        self._comment(top, c, col.comment)
        self.widths.fit_text(c, col.zh, FILTER_BUTTON if filter_row == top + 1 else 0)
        self.widths.fit(c, two_line_width(col.en) * 0.9 + FILTER_BUTTON)

    def _group_headers(self, top: int, cols: Sequence[Col]) -> None:
        spans: list[tuple[int, int, Col]] = []
        for c, col in enumerate(cols):
            if not col.group:
                continue
            if spans and spans[-1][2].group == col.group and spans[-1][1] == c - 1:
                spans[-1] = (spans[-1][0], c, spans[-1][2])
            else:
                spans.append((c, c, col))
        for first, last, col in spans:
            for r, text, fmt in (
                (top, col.group, self.fmt.header()),
                (top + 1, col.group_en, self.fmt.header_en()),
            ):
                if first == last:
                    self.ws.write_string(r, first, text, fmt)
                else:
                    self.ws.merge_range(r, first, r, last, text, fmt)
            self._comment(top, first, col.comment)
            need = max(width_of(col.group), two_line_width(col.group_en) * 0.9)
            for c in range(first, last + 1):
                self.widths.fit(c, need / (last - first + 1))

    # ---- further tables ---------------------------------------------------------------------
    def list_table(
        self, cols: Sequence[Col], rows: Sequence[Row], caption: str = ""
    ) -> Placed | None:
        """An Excel table (its own filter buttons) with a caption and an English header row."""
        if caption:
            self.ws.write_string(self.row, 0, caption, self.fmt.caption())
            self.row += 1
        if not rows:
            self.note("（无数据）")
            self.row += 1
            return None
        if any(c.en for c in cols):
            self.ws.set_row(self.row, 26)
            for c, col in enumerate(cols):
                self.ws.write_string(self.row, c, col.en, self.fmt.header_en())
                self.widths.fit(c, two_line_width(col.en) * 0.9)
            self.row += 1
        header, first = self.row, self.row + 1
        headers = unique([c.zh for c in cols])
        for c, name in enumerate(headers):
            self.widths.fit_text(c, name, FILTER_BUTTON)
        self.ws.add_table(
            header,
            0,
            header + len(rows),
            len(cols) - 1,
            {
                "columns": [
                    {"header": h, "header_format": self.fmt.header(False)} for h in headers
                ],
                "style": TABLE_STYLE,
                "autofilter": True,
            },
        )
        for c, col in enumerate(cols):
            self._comment(header, c, col.comment)
        self._rows(first, cols, rows)
        last = first + len(rows) - 1
        self.row = last + 2
        return Placed(self.name, header, first, last, 0, len(cols))

    # ---- charts -----------------------------------------------------------------------------
    def charts_beside(self, placed: Placed, charts: Sequence[Chart]) -> None:
        """Charts side by side to the right of ``placed``; the sheet continues below both."""
        if not charts:
            return
        anchor = max(placed.header_row - 2, 0)  # level with the table's caption
        for i, chart in enumerate(charts):
            chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
            self.ws.insert_chart(
                anchor, placed.col(placed.n_cols) + 1, chart, {"x_offset": i * (CHART_WIDTH + 16)}
            )
        self.row = max(self.row, anchor + math.ceil(CHART_HEIGHT / ROW_PIXELS) + 2)

    def charts_below(self, charts: Sequence[Chart]) -> None:
        """Charts side by side from column B of the next free row; the sheet continues below."""
        for i, made in enumerate(charts):
            made.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
            self.ws.insert_chart(self.row, 1, made, {"x_offset": i * (CHART_WIDTH + 16)})
        if charts:
            self.row += math.ceil(CHART_HEIGHT / ROW_PIXELS) + 2

    def finish(self) -> None:
        if self._outline:
            self.ws.outline_settings(True, False, True, False)
        self.widths.apply(self.ws)


def chart(
    workbook: Workbook,
    kind: str,
    title: str,
    placed: Placed,
    x: int,
    ys: Sequence[int],
    num_format: str = "#,##0",
    y_name: str = "",
    subtype: str | None = None,
) -> Chart:
    """A native line/column/bar chart of columns ``ys`` of ``placed`` over column ``x``."""
    options: dict[str, Any] = {"type": kind}
    if subtype:
        options["subtype"] = subtype
    made = workbook.add_chart(options)
    assert made is not None
    for y in ys:
        series: dict[str, Any] = {
            "name": placed.header(y),
            "categories": placed.values(x),
            "values": placed.values(y),
        }
        if kind == "line":
            series["marker"] = {"type": "circle", "size": 4}
        made.add_series(series)
    made.set_title({"name": title, "name_font": {"size": 12, "bold": False}})
    value_axis = {"num_format": num_format, "name": y_name, "major_gridlines": {"visible": True}}
    if kind == "bar":
        made.set_x_axis(value_axis)
        made.set_y_axis({"reverse": True})
    else:
        made.set_y_axis(value_axis)
    made.set_legend({"position": "bottom"})
    return made
