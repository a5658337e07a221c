"""Small HTML tables for the notebook (displayed with IPython.display.HTML)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from amisdw.readers.catalogue import Kpi
from amisdw.report.fmt import display_of

STYLE = """
<style>
.amis-table { border-collapse: collapse; margin: 0.4em 0 1.2em 0; font-size: 13px;
  font-family: "Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", sans-serif; }
.amis-table caption { caption-side: top; text-align: left; font-weight: 600; padding: 4px 0;
  color: #333; white-space: nowrap; }
.amis-wrap { overflow-x: auto; max-width: 100%; }
.amis-table th { background: #1f4e79; color: #fff; font-weight: 600; padding: 5px 9px;
  border: 1px solid #c9d3df; text-align: center !important; white-space: nowrap; }
.amis-table td { padding: 4px 9px; border: 1px solid #d9dee5; white-space: nowrap;
  text-align: left !important; }
.amis-table td.num { text-align: right !important; font-variant-numeric: tabular-nums; }
.amis-table td.wrap { white-space: normal; min-width: 320px; }
.amis-table tr:nth-child(even) td { background: #f5f8fb; }
.amis-table tr.self td { background: #fff4d6; font-weight: 600; }
.amis-table td.up { color: #c0392b; } .amis-table td.down { color: #2e8b57; }
.amis-table td.bad { color: #d9822b; font-weight: 600; }
.amis-table .rank { color: #888; font-size: 11px; margin-left: 4px; }
.amis-table td.at_risk { color: #b22222; font-weight: 600; }
.amis-note { color: #555; font-size: 12.5px; margin: 0.2em 0 1em 0; }
.amis-kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 0.5em 0 1.2em 0; }
.amis-kpi { border: 1px solid #d9dee5; border-radius: 6px; padding: 8px 12px; min-width: 150px;
  background: #fafcfe; }
.amis-kpi .name { color: #555; font-size: 12px; }
.amis-kpi .v { font-size: 20px; font-weight: 600; color: #1f4e79; }
.amis-kpi .delta { font-size: 11.5px; color: #666; }
.amis-banner { background: #fff4d6; border-left: 4px solid #e0a800; padding: 6px 10px;
  margin: 0.5em 0; }
</style>
"""


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False
    kpi: str | None = None
    org: str | None = None
    period: str | None = None
    unit: str | None = None
    rank: int | None = None
    css: str = ""

    def html(self) -> str:
        attrs = []
        classes = [c for c in ("num" if self.numeric else "", self.css) if c]
        if classes:
            attrs.append(f'class="{" ".join(classes)}"')
        for name, value in (
            ("data-kpi", self.kpi),
            ("data-org", self.org),
            ("data-period", self.period),
            ("data-unit", self.unit),
        ):
            if value is not None:
                attrs.append(f'{name}="{html.escape(value)}"')
        body = f'<span class="v">{html.escape(self.text)}</span>'
        if self.rank is not None:
            body += f'<span class="rank">第{self.rank}</span>'
        return f"<td {' '.join(attrs)}>{body}</td>" if attrs else f"<td>{body}</td>"


def kpi_cell(value: object, kpi: Kpi, org: str, period: str, rank: int | None = None) -> Cell:
    """A cell printing a marts.kpi value (tagged so tests can read it back)."""
    d = display_of(kpi)
    return Cell(d.text(value), True, kpi.code, org, period, d.unit, rank)


def text_cell(text: object) -> Cell:
    return Cell("" if text is None else str(text))


def num_cell(text: str, css: str = "") -> Cell:
    return Cell(text, True, css=css)


def sign_css(text: str) -> str:
    return "up" if text.startswith("+") else "down" if text.startswith("-") else ""


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    caption: str | None = None,
    highlight_first: bool = False,
) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = ' class="self"' if highlight_first and i == 0 else ""
        body.append(f"<tr{cls}>" + "".join(c.html() for c in row) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="amis-wrap"><table class="amis-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def note(text: str) -> str:
    return f'<p class="amis-note">{html.escape(text)}</p>'
