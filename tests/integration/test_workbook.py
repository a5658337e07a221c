"""`amisdw report --format xlsx`: the quarterly review as an Excel workbook, read back with
openpyxl and checked against marts.kpi read independently (read-only SQL)."""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.worksheet import Worksheet

from amisdw.cli import main
from tests.integration.conftest import Built

SHEETS = [
    "封面",
    "核心指标",
    "人力发展",
    "活动率与预算",
    "新单保费因素分解",
    "晋升",
    "转正与留存",
    "品质",
    "考核预警",
    "网点",
    "下级机构排名",
]
TREND_SHEETS = ["人力发展", "活动率与预算", "新单保费因素分解", "晋升", "转正与留存", "品质"]
NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
}
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True)
class Xlsx:
    path: Path
    quarter: str
    org_id: str
    output: str


def latest_complete_quarter(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "SELECT quarter_label FROM marts.dim_month GROUP BY 1 HAVING count(*) = 3 "
        "ORDER BY 1 DESC LIMIT 1"
    ).fetchone()
    assert row is not None
    return str(row[0])


def shift(quarter: str, by: int) -> str:
    index = int(quarter[:4]) * 4 + int(quarter[-1]) - 1 + by
    return f"{index // 4}Q{index % 4 + 1}"


def build(warehouse: Path, out: Path, quarter: str, *extra: str) -> Xlsx:
    args = ["report", "--warehouse", str(warehouse), "--quarter", quarter, "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--format", "xlsx", *extra])
    assert result.exit_code == 0, result.output
    files = list(out.iterdir())
    assert len(files) == 1 and files[0].suffix == ".xlsx", files  # no notebook, no HTML
    org = extra[extra.index("--org") + 1] if "--org" in extra else "86"
    return Xlsx(files[0], quarter, org, result.output)


@pytest.fixture(scope="module")
def con(tiny15: Built) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tiny15.warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def quarter(con: duckdb.DuckDBPyConnection) -> str:
    return latest_complete_quarter(con)


@pytest.fixture(scope="module")
def head_office(tiny15: Built, quarter: str, tmp_path_factory: pytest.TempPathFactory) -> Xlsx:
    return build(tiny15.warehouse, tmp_path_factory.mktemp("wb_ho"), quarter)


@pytest.fixture(scope="module")
def city_id(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT min(org_id) FROM marts.dim_org WHERE level = 3").fetchone()
    assert row and row[0]
    return str(row[0])


@pytest.fixture(scope="module")
def city(
    tiny15: Built, quarter: str, city_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Xlsx:
    return build(tiny15.warehouse, tmp_path_factory.mktemp("wb_city"), quarter, "--org", city_id)


# ---- helpers ---------------------------------------------------------------------------------
def header_rows(ws: Worksheet) -> tuple[int, int]:
    """(row of the 中文 headers of the sheet's main table, its first data row)."""
    top = next((r for r in range(1, 20) if ws.cell(r, 1).value == "机构名称"), None)
    assert top is not None, f"no main table on {ws.title}"
    first = top + 1
    while ws.cell(first, 2).value in (None, "org id"):
        first += 1
    return top, first


def data_rows(ws: Worksheet, first: int) -> list[int]:
    rows, row = [], first
    while ws.cell(row, 2).value is not None:
        rows.append(row)
        row += 1
    return rows


def subtree(con: duckdb.DuckDBPyConnection, org_id: str, depth: int) -> dict[str, int]:
    """org_id → depth below ``org_id`` (0 itself), from marts.dim_org."""
    out, frontier = {org_id: 0}, [org_id]
    for d in range(1, depth + 1):
        frontier = [
            r[0]
            for r in con.execute(
                "SELECT org_id FROM marts.dim_org WHERE parent_org_id IN "
                "(SELECT unnest(?::VARCHAR[]))",
                [frontier],
            ).fetchall()
        ]
        out.update({o: d for o in frontier})
    return out


def kpi_meta(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, float]]:
    """English name → (kpi_code, divisor): amounts in yuan are shown in 万元."""
    return {
        name_en: (code, 10_000.0 if unit == "元" and kind == "amount" else 1.0)
        for code, name_en, unit, kind in con.execute(
            "SELECT kpi_code, name_en, unit, kind FROM marts.dim_kpi"
        ).fetchall()
    }


def sql_value(con: duckdb.DuckDBPyConnection, org_id: str, period: str, code: str) -> float | None:
    row = con.execute(
        "SELECT value FROM marts.kpi WHERE org_id = ? AND period_type = 'Q' AND period = ? "
        "AND channel = 'ALL' AND kpi_code = ?",
        [org_id, period, code],
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def close(actual: object, expected: float | None) -> bool:
    if expected is None:
        return actual is None
    return isinstance(actual, int | float) and math.isclose(
        float(actual), expected, rel_tol=1e-9, abs_tol=1e-12
    )


def chart_sheets(path: Path) -> dict[str, list[tuple[set[str], str]]]:
    """Sheet name → for each chart drawn on it: the sheet names its series read, its title."""
    with zipfile.ZipFile(path) as z:

        def xml(name: str) -> ElementTree.Element:
            return ElementTree.fromstring(z.read(name))

        def targets(name: str) -> list[str]:
            """The files ``name`` links to, as paths in the zip."""
            folder, base = name.rsplit("/", 1)
            rels = f"{folder}/_rels/{base}.rels"
            if rels not in z.namelist():
                return []
            return [
                posixpath.normpath(posixpath.join(folder, r.get("Target", "")))
                for r in xml(rels).findall("rel:Relationship", NS)
            ]

        book = xml("xl/workbook.xml").find("main:sheets", NS)
        assert book is not None
        rel_of = dict(
            zip(
                [r.get("Id") for r in xml("xl/_rels/workbook.xml.rels")],
                targets("xl/workbook.xml"),
                strict=True,
            )
        )
        out: dict[str, list[tuple[set[str], str]]] = {}
        for sheet in book:
            charts = out.setdefault(str(sheet.get("name")), [])
            drawings = [t for t in targets(rel_of[sheet.get(R_ID)]) if "/drawing" in t]
            for chart in (c for d in drawings for c in targets(d) if "/charts/" in c):
                text = z.read(chart).decode("utf-8")
                refs = set(re.findall(r"<c:f>'?([^'!<]+)'?!", text))
                charts.append((refs, "".join(re.findall(r"<a:t>([^<]*)</a:t>", text))))
        return out


# ---- tests -----------------------------------------------------------------------------------
def test_sheets_in_order(head_office: Xlsx) -> None:
    wb = openpyxl.load_workbook(head_office.path)
    assert wb.sheetnames == SHEETS
    assert head_office.path.name == f"quarterly_review_86_{head_office.quarter}.xlsx"


def test_cover_states_org_quarter_publication_and_findings(
    head_office: Xlsx, con: duckdb.DuckDBPyConnection
) -> None:
    ws = openpyxl.load_workbook(head_office.path)["封面"]
    facts = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 15)}
    published = con.execute("SELECT max(published_at) FROM meta.published").fetchone()[0]
    months = [f"{head_office.quarter[:4]}-{m:02d}" for m in range(1, 13)]
    months = months[(int(head_office.quarter[-1]) - 1) * 3 :][:3]
    findings = con.execute(
        "SELECT count(*) FROM marts.data_quality_findings WHERE org_l1 = '86' "
        "AND month IN (SELECT unnest(?::VARCHAR[]))",
        [months],
    ).fetchone()[0]
    assert "（86，" in str(facts["机构"])
    assert str(facts["季度"]).startswith(head_office.quarter)
    assert facts["数据发布时间"] == str(published)
    assert facts["数据质量问题（条）"] == findings
    assert facts["数据状态"] == "完整季度"


def test_headline_cells_equal_marts_kpi(head_office: Xlsx, con: duckdb.DuckDBPyConnection) -> None:
    """Every number of 核心指标 is marts.kpi's value (万元 = yuan / 10,000), or its change."""
    ws = openpyxl.load_workbook(head_office.path)["核心指标"]
    top, first = header_rows(ws)
    meta, q = kpi_meta(con), head_office.quarter
    periods = {"本季": q, "上季": shift(q, -1), "去年同季": shift(q, -4)}
    bases = {"环比": periods["上季"], "同比": periods["去年同季"]}
    rows = data_rows(ws, first)
    assert {ws.cell(r, 2).value for r in rows} == set(subtree(con, "86", 2))
    english, checked, nulls = None, 0, 0
    for col in range(3, ws.max_column + 1):
        english = ws.cell(top + 1, col).value or english  # merged over the KPI's columns
        code, divisor = meta[english]
        sub = str(ws.cell(top + 2, col).value)
        label, _, period = sub.partition("\n")
        if label in periods:
            assert period == periods[label], sub
        for r in rows:
            org_id, cell = ws.cell(r, 2).value, ws.cell(r, col).value
            if label in periods:
                want = sql_value(con, org_id, period, code)
                want = None if want is None else want / divisor
            else:
                want = change(con, org_id, q, bases[label], code)
            assert close(cell, want), (org_id, code, sub, cell, want)
            checked += 1
            nulls += want is None
    assert checked == len(rows) * 17 * 5 and nulls > 0


def change(
    con: duckdb.DuckDBPyConnection, org_id: str, current: str, base: str, code: str
) -> float | None:
    """环比/同比 as the workbook stores it: a rate's change in 个百分点, else relative."""
    row = con.execute("SELECT unit FROM marts.dim_kpi WHERE kpi_code = ?", [code]).fetchone()
    c, b = sql_value(con, org_id, current, code), sql_value(con, org_id, base, code)
    if row is None or c is None or b is None:
        return None
    if row[0] == "%":
        return (c - b) * 100
    return None if b == 0 else (c - b) / abs(b)


def test_number_formats_freeze_and_outline(head_office: Xlsx) -> None:
    ws = openpyxl.load_workbook(head_office.path)["核心指标"]
    top, first = header_rows(ws)
    formats = {}
    for col in range(3, ws.max_column + 1):
        english = ws.cell(top + 1, col).value or formats.get("_last")
        formats["_last"] = english
        if str(ws.cell(top + 2, col).value).startswith("本季"):
            formats[english] = ws.cell(first, col).number_format
    assert formats["headcount at period end"] == "#,##0"  # 人
    assert formats["new premium"] == "#,##0.00"  # 万元
    assert formats["activity rate"] == "0.0%"  # a ratio shown in %
    assert ws.freeze_panes == f"C{first}"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{top + 2}:")
    assert ws.sheet_properties.outlinePr.summaryBelow is False
    levels = [ws.row_dimensions[r].outline_level for r in data_rows(ws, first)]
    assert levels[0] == 0 and 1 in levels and 2 in levels
    assert set(levels) <= {0, 1, 2}


def test_outline_levels_follow_dim_org(head_office: Xlsx, con: duckdb.DuckDBPyConnection) -> None:
    tree = subtree(con, "86", 2)
    wb = openpyxl.load_workbook(head_office.path)
    for name in ("核心指标", "下级机构排名"):
        ws = wb[name]
        _, first = header_rows(ws)
        for r in data_rows(ws, first):
            org_id = ws.cell(r, 2).value
            assert ws.row_dimensions[r].outline_level == tree[org_id], (name, org_id)


def test_every_trend_sheet_has_a_native_chart(head_office: Xlsx) -> None:
    charts = chart_sheets(head_office.path)
    for name in TREND_SHEETS:
        assert charts[name], f"no chart on {name}"
        for refs, title in charts[name]:
            assert refs == {name}, (name, refs)  # its data is on the sheet itself
            assert re.search(r"[\u4e00-\u9fff]", title), (name, title)  # a Chinese title


def test_premium_decomposition_adds_up(head_office: Xlsx, con: duckdb.DuckDBPyConnection) -> None:
    """新单保费因素分解: the change is marts.kpi's, and the four contributions sum to it."""
    ws = openpyxl.load_workbook(head_office.path)["新单保费因素分解"]
    top, first = header_rows(ws)
    q, base = head_office.quarter, shift(head_office.quarter, -1)
    subs = [str(ws.cell(top + 2, c).value) for c in range(1, ws.max_column + 1)]
    change_col = subs.index("变动\n（万元）") + 1  # the first group: 较上季
    assert ws.cell(top, change_col - 1).value == f"较上季 {base}"  # merged over the group
    for r in data_rows(ws, first):
        org_id = ws.cell(r, 2).value
        cur, prev = (sql_value(con, org_id, p, "new_premium") for p in (q, base))
        assert cur is not None and prev is not None
        assert close(ws.cell(r, 3).value, cur / 10_000)
        assert close(ws.cell(r, change_col).value, (cur - prev) / 10_000)
        parts = [ws.cell(r, change_col + 2 + i).value for i in range(4)]
        assert math.isclose(sum(parts), (cur - prev) / 10_000, rel_tol=1e-9, abs_tol=1e-9)


def test_city_workbook_is_scoped(city: Xlsx, con: duckdb.DuckDBPyConnection) -> None:
    wb = openpyxl.load_workbook(city.path)
    ws = wb["下级机构排名"]
    _, first = header_rows(ws)
    rows = data_rows(ws, first)
    children = {
        r[0]: r[1]
        for r in con.execute(
            "SELECT org_id, org_name FROM marts.dim_org WHERE parent_org_id = ?", [city.org_id]
        ).fetchall()
    }
    assert ws.cell(rows[0], 2).value == city.org_id
    assert ws.row_dimensions[rows[0]].outline_level == 0
    shown = {ws.cell(r, 2).value: ws.cell(r, 1).value for r in rows[1:]}
    assert shown == children
    assert all(ws.row_dimensions[r].outline_level == 1 for r in rows[1:])

    inside = set(subtree(con, city.org_id, 6))
    province = con.execute(
        "SELECT parent_org_id FROM marts.dim_org WHERE org_id = ?", [city.org_id]
    ).fetchone()[0]
    all_ids = {r[0] for r in con.execute("SELECT org_id FROM marts.dim_org").fetchall()}
    foreign_names = [
        r[0]
        for r in con.execute(
            "SELECT org_name FROM marts.dim_org WHERE level IN (2, 3) AND org_id NOT IN (?, ?)",
            [province, city.org_id],
        ).fetchall()
    ]
    texts = [
        str(c.value)
        for sheet in wb.worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert not [t for t in texts if t in all_ids and t not in inside]
    assert not [(n, t) for t in texts for n in foreign_names if n in t]


def test_html_and_xlsx_together_same_bytes(
    tiny15: Built, head_office: Xlsx, tmp_path: Path
) -> None:
    """`--format html,xlsx` writes both; the workbook is byte-identical run to run."""
    args = ["report", "--warehouse", str(tiny15.warehouse), "--quarter", head_office.quarter]
    result = CliRunner().invoke(main, [*args, "--format", "html,xlsx", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    stem = head_office.path.stem
    assert sorted(f.name for f in tmp_path.iterdir()) == [
        f"{stem}.html",
        f"{stem}.ipynb",
        f"{stem}.xlsx",
    ]
    assert (tmp_path / f"{stem}.xlsx").read_bytes() == head_office.path.read_bytes()


def test_bad_parameters_are_one_paragraph_errors(tiny15: Built, tmp_path: Path) -> None:
    base = ["report", "--warehouse", str(tiny15.warehouse), "--out", str(tmp_path)]
    unknown = CliRunner().invoke(main, [*base, "--format", "pdf"])
    assert unknown.exit_code == 2
    assert "html" in unknown.output and "xlsx" in unknown.output
    no_data = CliRunner().invoke(main, [*base, "--format", "xlsx", "--quarter", "1999Q1"])
    assert no_data.exit_code != 0
    assert "No data for quarter 1999Q1" in no_data.output and "Traceback" not in no_data.output
    assert not list(tmp_path.iterdir())
