"""The drill-down page's data: pure functions of a read-only connection to the published
warehouse, returning DataFrames (no Streamlit here, so every one is unit-testable).

Publish safety: the page never keeps a connection between reruns. :func:`reading` opens the
published file read-only for one batch of queries and closes it, and :func:`file_stamp`
(inode, mtime, size) keys the page's cache, so a version swapped in by ``amisdw run`` (an
atomic rename, see :mod:`amisdw.publish`) is read on the next rerun and no reader ever holds
the published file open while a new one is renamed over it.

Scope: every org the page may show is checked against an :class:`OrgScope` (the start org's
subtree), so a page started with ``--org`` never shows an org above or beside it.

All values are ``marts.kpi`` rows of channel ``ALL``; names, units and definitions come from the
KPI catalogue (``marts.dim_kpi``); numbers are displayed as in the quarterly review
(:func:`amisdw.report.fmt.display_of`: amounts in 万元, per-capita amounts in 元, rates in %).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from amisdw.readers.catalogue import Kpi, describe, load_catalogue
from amisdw.readers.scope import OrgScope, org_scope
from amisdw.readers.warehouse import (
    Org,
    WarehouseError,
    connect,
    find_org,
    head_office,
    loaded_periods,
)
from amisdw.report.fmt import DASH, as_float, display_of
from amisdw.report.params import quarter_months, shift_quarter

CHANNEL = "ALL"
PERIOD_TYPES = {"M": "月度", "Q": "季度", "Y": "年度"}
FAMILY_ZH = {
    "manpower": "人力",
    "production": "业绩",
    "promotion": "晋升",
    "retention": "留存",
    "quality": "品质",
    "budget": "预算",
}
WARNING_STATUS_ZH = {"secured": "已达标", "on_track": "进度达标", "at_risk": "未达标（预警）"}
# the KPIs a page opens with: headline figures, the trend chart, the ranking
HEADLINE_CODES = ("headcount_end", "activity_rate", "new_premium", "fyc", "retention_rate_13m")
DEFAULT_TREND_CODES = ("headcount_end", "activity_rate", "new_premium")
DEFAULT_RANKING_CODE = "activity_rate"


# ---- opening the file -----------------------------------------------------------------------
@contextmanager
def reading(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published file, read-only, for one batch of queries (closed afterwards)."""
    con = connect(Path(path))
    try:
        yield con
    finally:
        con.close()


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime_ns, size) of the published file: changes whenever a publish or rollback
    renames a new version over it; None when there is no file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def published_at(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute("SELECT max(published_at) FROM meta.published").fetchone()
    except duckdb.Error:
        return None
    return str(row[0]) if row and row[0] is not None else None


# ---- the org tree ---------------------------------------------------------------------------
def start_scope(con: duckdb.DuckDBPyConnection, org_id: str | None) -> OrgScope:
    """The top of what the page may show: ``org_id``'s subtree, or the whole force. An unknown
    org raises :class:`WarehouseError` with close matches."""
    return org_scope(con, org_id if org_id else head_office(con).org_id)


def in_scope(scope: OrgScope, org_id: str | None) -> bool:
    return org_id is not None and org_id in set(scope.org_ids)


def org_path(
    con: duckdb.DuckDBPyConnection, org_id: str, scope: OrgScope, month: str | None = None
) -> list[Org]:
    """The orgs from the scope's top down to ``org_id`` (the breadcrumb), following the parent
    of each org as of ``month`` (``dim_org_history``; else today's ``dim_org``)."""
    path: list[Org] = []
    current: str | None = org_id
    allowed = set(scope.org_ids)
    while current is not None and current in allowed:
        path.append(find_org(con, current))
        if current == scope.org.org_id:
            break
        current = _parent_as_of(con, current, month) or path[-1].parent_org_id
    path.reverse()
    if not path or path[0].org_id != scope.org.org_id:  # moved in from outside: today's chain
        path, current = [], org_id
        while current is not None and current in allowed:
            org = find_org(con, current)
            path.append(org)
            current = None if current == scope.org.org_id else org.parent_org_id
        path.reverse()
    return path


def _parent_as_of(con: duckdb.DuckDBPyConnection, org_id: str, month: str | None) -> str | None:
    if month is None:
        return None
    row = con.execute(
        "SELECT any_value(parent_org_id ORDER BY version_no DESC) FROM marts.dim_org_history "
        "WHERE org_id = ? AND strftime(valid_from_month, '%Y-%m') <= ? "
        "AND strftime(valid_to_month, '%Y-%m') >= ?",
        [org_id, month, month],
    ).fetchone()
    return row[0] if row and row[0] else None


def children(
    con: duckdb.DuckDBPyConnection, org_id: str, period_type: str, period: str, scope: OrgScope
) -> pd.DataFrame:
    """The child orgs of ``org_id`` with KPIs in the period, placed as of the period's last
    loaded month (``dim_org_history``), inside the scope: org_id, org_name, level,
    level_name_zh, label ("name (id)")."""
    month = last_month(con, period_type, period)
    df = con.execute(
        "SELECT h.org_id, any_value(h.org_name ORDER BY h.version_no DESC) AS org_name, "
        "any_value(h.level) AS level, any_value(o.level_name_zh) AS level_name_zh "
        "FROM marts.dim_org_history AS h LEFT JOIN marts.dim_org AS o USING (org_id) "
        "WHERE h.parent_org_id = ? AND strftime(h.valid_from_month, '%Y-%m') <= ? "
        "AND strftime(h.valid_to_month, '%Y-%m') >= ? "
        "AND h.org_id IN (SELECT org_id FROM marts.kpi WHERE period_type = ? AND period = ? "
        "AND channel = ? AND kpi_code = 'headcount_end') "
        "GROUP BY h.org_id ORDER BY h.org_id",
        [org_id, month, month, period_type, period, CHANNEL],
    ).df()
    df = df[df["org_id"].isin(set(scope.org_ids))].reset_index(drop=True)
    df["label"] = _labels(df)
    return df


def _labels(df: pd.DataFrame) -> list[str]:
    """'name' — or 'name (id)' where two children share a name (营业组 often do)."""
    if df.empty:
        return []
    dup = df["org_name"].duplicated(keep=False)
    return [
        f"{n}（{i}）" if d else str(n)
        for n, i, d in zip(df["org_name"], df["org_id"], dup, strict=True)
    ]


def child_level_name(con: duckdb.DuckDBPyConnection, org: Org) -> str:
    row = con.execute(
        "SELECT any_value(level_name_zh) FROM marts.dim_org WHERE level = ?", [org.level + 1]
    ).fetchone()
    return str(row[0]) if row and row[0] else "下级机构"


# ---- periods --------------------------------------------------------------------------------
def periods(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Loaded periods by type (M, Q, Y), oldest first."""
    return loaded_periods(con)


def period_labels_zh(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every loaded period label (2024-03, 2024Q1, 2024) → its Chinese label."""
    out: dict[str, str] = {}
    for m, mz, q, qz, y, yz in con.execute(
        "SELECT month_label, month_label_zh, quarter_label, quarter_label_zh, year_label, "
        "year_label_zh FROM marts.dim_month ORDER BY month_start"
    ).fetchall():
        out[m], out[q], out[y] = mz, qz, yz
    return out


def period_months(con: duckdb.DuckDBPyConnection, period_type: str, period: str) -> list[str]:
    """The loaded months of a period, oldest first."""
    column = {"M": "month_label", "Q": "quarter_label", "Y": "year_label"}[period_type]
    return [
        r[0]
        for r in con.execute(
            f"SELECT month_label FROM marts.dim_month WHERE {column} = ? ORDER BY month_start",
            [period],
        ).fetchall()
    ]


def last_month(con: duckdb.DuckDBPyConnection, period_type: str, period: str) -> str:
    months = period_months(con, period_type, period)
    if not months:
        raise WarehouseError(f"No loaded month in period {period}.")
    return months[-1]


def is_partial(con: duckdb.DuckDBPyConnection, period_type: str, period: str) -> bool:
    """A quarter or year with fewer loaded months than it has (published to date)."""
    full = {"M": 1, "Q": 3, "Y": 12}[period_type]
    return len(period_months(con, period_type, period)) < full


def shift_period(period_type: str, period: str, by: int) -> str:
    """2024-03 by -1 → 2024-02, by -12 → 2023-03; 2024Q1 by -4 → 2023Q1; 2024 by -1 → 2023."""
    if period_type == "M":
        year, month = int(period[:4]), int(period[5:7])
        index = year * 12 + month - 1 + by
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    if period_type == "Q":
        return shift_quarter(period, by)
    if period_type == "Y":
        return str(int(period) + by)
    raise ValueError(f"unknown period type {period_type!r}")


def convert_period(period: str, from_type: str, to_type: str, loaded: dict[str, list[str]]) -> str:
    """The period of ``to_type`` that holds (or ends) ``period``: 2023-05 → 2023Q2 → 2023; a
    quarter or year → its last loaded month or quarter. The latest loaded one when none is."""
    year = period[:4]
    candidates: list[str] = []
    if to_type == "Y":
        candidates = [year]
    elif to_type == "Q" and from_type == "M":
        candidates = [f"{year}Q{(int(period[5:7]) - 1) // 3 + 1}"]
    elif to_type == "Q":
        candidates = [q for q in loaded["Q"] if q.startswith(year)]
    elif to_type == "M" and from_type == "Q":
        candidates = [m for m in quarter_months(period) if m in loaded["M"]]
    elif to_type == "M":
        candidates = [m for m in loaded["M"] if m.startswith(year)]
    hits = [c for c in candidates if c in loaded[to_type]]
    return hits[-1] if hits else loaded[to_type][-1]


def comparison_periods(period_type: str, period: str) -> tuple[str | None, str]:
    """(环比 base, 同比 base): the previous month or quarter (none for a year: its previous
    period is the same year-ago one) and the same period a year before."""
    previous = None if period_type == "Y" else shift_period(period_type, period, -1)
    year_ago = shift_period(period_type, period, {"M": -12, "Q": -4, "Y": -1}[period_type])
    return previous, year_ago


# ---- the KPI catalogue ----------------------------------------------------------------------
def catalogue(con: duckdb.DuckDBPyConnection) -> dict[str, Kpi]:
    return load_catalogue(con)


def kpi_codes(con: duckdb.DuckDBPyConnection, cat: dict[str, Kpi] | None = None) -> list[str]:
    """Every kpi_code of marts.kpi: catalogue order, then budget attainment codes."""
    cat = cat if cat is not None else catalogue(con)
    published = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT kpi_code FROM marts.kpi WHERE level = 1 AND channel = ?", [CHANNEL]
        ).fetchall()
    }
    return [c for c in cat if c in published] + sorted(published - set(cat))


def kpi_label(kpi: Kpi) -> str:
    """中文 name with the display unit: 新单保费（万元）, 活动率（%）."""
    unit = display_of(kpi).unit
    return f"{kpi.name_zh}（{unit}）" if unit else kpi.name_zh


def formula(kpi: Kpi, cat: dict[str, Kpi]) -> str:
    """A rate as numerator / denominator in the catalogue's names (举绩人力 / 月均人力); a plain
    value as its column."""

    def name(column: str) -> str:
        hit = cat.get(column)
        return hit.name_zh if hit else column

    numerator, denominator = _component(kpi.numerator_column), _component(kpi.denominator_column)
    if numerator and denominator:
        return f"{name(numerator)} / {name(denominator)}"
    return ""


def _component(column: str) -> str:
    """A catalogue component column; empty for none (a null read back as text is 'nan')."""
    return "" if column.strip().lower() in ("", "nan", "none", "null") else column.strip()


def definitions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The KPI catalogue as the page's 指标说明: 类别, 指标, KPI, 单位, 定义, 公式 (a rate's
    numerator / denominator), 代码."""
    cat = catalogue(con)
    rows = []
    for code in kpi_codes(con, cat):
        kpi = describe(code, cat)
        rows.append(
            {
                "类别": FAMILY_ZH.get(kpi.family, kpi.family),
                "指标": kpi.name_zh,
                "KPI": kpi.name_en,
                "单位": display_of(kpi).unit or "—",
                "定义": kpi.definition,
                "公式": formula(kpi, cat) or "—",
                "代码": kpi.code,
            }
        )
    return pd.DataFrame(rows)


# ---- values ---------------------------------------------------------------------------------
def _values(
    con: duckdb.DuckDBPyConnection,
    org_ids: list[str],
    period_type: str,
    periods_: list[str],
    codes: list[str] | None = None,
) -> pd.DataFrame:
    sql = (
        "SELECT org_id, period, kpi_code, value, numerator, denominator FROM marts.kpi "
        "WHERE channel = ? AND period_type = ? AND period IN (SELECT unnest(?::VARCHAR[])) "
        "AND org_id IN (SELECT unnest(?::VARCHAR[]))"
    )
    params: list[object] = [CHANNEL, period_type, periods_, org_ids]
    if codes is not None:
        sql += " AND kpi_code IN (SELECT unnest(?::VARCHAR[]))"
        params.append(codes)
    return con.execute(sql, params).df()


def shown(value: object, kpi: Kpi) -> float | None:
    """A value in its display unit (a rate as a percentage, an amount in 万元)."""
    v = as_float(value)
    return None if v is None else v / display_of(kpi).scale


def value_text(value: object, kpi: Kpi) -> str:
    """The display text: 43.9%, 101.44 (万元), 264 — a headcount shows decimals only when it has
    them (a quarter's 季均 17.5, a month's 举绩人力 4)."""
    display = display_of(kpi)
    v = as_float(value)
    if display.unit == "人" and v is not None and float(v).is_integer():
        return f"{v:,.0f}"
    return display.text(value)


def change_text(current: object, base: object, kpi: Kpi) -> str:
    """环比/同比 of a KPI: rates in % change by percentage points (+1.2个百分点), everything else
    relatively (+12.3%); — when either side is missing (or the base is 0)."""
    c, b = as_float(current), as_float(base)
    if c is None or b is None:
        return DASH
    if display_of(kpi).unit == "%":
        return f"{(c - b) * 100:+.1f}个百分点"
    if b == 0:
        return DASH
    return f"{(c - b) / abs(b) * 100:+.1f}%"


def _number(value: object) -> str:
    """A numerator or denominator: 1,099 or 17.5 (at most two decimals)."""
    v = as_float(value)
    if v is None:
        return DASH
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def kpi_table(
    con: duckdb.DuckDBPyConnection, org_id: str, period_type: str, period: str
) -> pd.DataFrame:
    """Every KPI of one org and period with its 环比 and 同比 bases: kpi_code, family, name_zh,
    name_en, unit (display unit), value, numerator, denominator, previous, year_ago (raw
    marts.kpi values), and the texts value_text, previous_text, mom, year_ago_text, yoy,
    calculation ("分子 / 分母" of a rate). Catalogue order; an org without rows in the period
    gives an empty frame."""
    cat = catalogue(con)
    previous, year_ago = comparison_periods(period_type, period)
    wanted = [p for p in (period, previous, year_ago) if p]
    long = _values(con, [org_id], period_type, wanted)
    now = long[long["period"] == period].set_index("kpi_code")
    if now.empty:
        return pd.DataFrame(columns=KPI_TABLE_COLUMNS)
    prev = long[long["period"] == previous].set_index("kpi_code")["value"]
    ago = long[long["period"] == year_ago].set_index("kpi_code")["value"]
    rows = []
    for code in kpi_codes(con, cat):
        if code not in now.index:
            continue
        kpi = describe(code, cat)
        r = now.loc[code]
        v, p, a = r["value"], prev.get(code), ago.get(code)
        rows.append(
            {
                "kpi_code": code,
                "family": FAMILY_ZH.get(kpi.family, kpi.family),
                "name_zh": kpi.name_zh,
                "name_en": kpi.name_en,
                "unit": display_of(kpi).unit,
                "value": as_float(v),
                "numerator": as_float(r["numerator"]),
                "denominator": as_float(r["denominator"]),
                "previous": as_float(p),
                "year_ago": as_float(a),
                "value_text": value_text(v, kpi),
                "previous_text": value_text(p, kpi) if previous else DASH,
                "mom": change_text(v, p, kpi) if previous else DASH,
                "year_ago_text": value_text(a, kpi),
                "yoy": change_text(v, a, kpi),
                "calculation": (
                    f"{_number(r['numerator'])} / {_number(r['denominator'])}"
                    if _component(kpi.numerator_column) and as_float(r["denominator"]) is not None
                    else ""
                ),
            }
        )
    return pd.DataFrame(rows, columns=KPI_TABLE_COLUMNS)


KPI_TABLE_COLUMNS = [
    "kpi_code",
    "family",
    "name_zh",
    "name_en",
    "unit",
    "value",
    "numerator",
    "denominator",
    "previous",
    "year_ago",
    "value_text",
    "previous_text",
    "mom",
    "year_ago_text",
    "yoy",
    "calculation",
]


def kpi_table_display(table: pd.DataFrame, period_type: str) -> pd.DataFrame:
    """The KPI table as shown: Chinese headers, texts only (no 环比 columns for a year)."""
    out = pd.DataFrame(
        {
            "类别": table["family"],
            "指标": table["name_zh"],
            "KPI": table["name_en"],
            "单位": table["unit"].replace("", "—"),
            "本期": table["value_text"],
            "上期": table["previous_text"],
            "环比": table["mom"],
            "去年同期": table["year_ago_text"],
            "同比": table["yoy"],
            "分子 / 分母": table["calculation"],
        }
    )
    if period_type == "Y":
        out = out.drop(columns=["上期", "环比"])
    return out.reset_index(drop=True)


def trend(
    con: duckdb.DuckDBPyConnection,
    org_id: str,
    period_type: str,
    codes: list[str],
    upto: str | None = None,
    last: int = 24,
) -> pd.DataFrame:
    """The series of each KPI for one org, the ``last`` loaded periods up to ``upto``: long
    rows period, kpi_code, label (中文 with unit), value (raw), shown (display unit)."""
    cat = catalogue(con)
    all_periods = periods(con)[period_type]
    if upto is not None and upto in all_periods:
        all_periods = all_periods[: all_periods.index(upto) + 1]
    window = all_periods[-last:]
    long = _values(con, [org_id], period_type, window, list(codes))
    rows = []
    for code in codes:
        kpi = describe(code, cat)
        series = long[long["kpi_code"] == code].set_index("period")["value"]
        for p in window:
            v = as_float(series.get(p))
            rows.append(
                {
                    "period": p,
                    "kpi_code": code,
                    "label": kpi_label(kpi),
                    "value": v,
                    "shown": shown(v, kpi),
                }
            )
    return pd.DataFrame(rows, columns=["period", "kpi_code", "label", "value", "shown"])


def ranking(
    con: duckdb.DuckDBPyConnection,
    org_id: str,
    period_type: str,
    period: str,
    code: str,
    scope: OrgScope,
    ascending: bool = False,
) -> pd.DataFrame:
    """The child orgs ranked on one KPI (largest first, orgs without a value last): rank,
    org_id, org_name, label, value, numerator, denominator, shown, value_text."""
    kpi = describe(code, catalogue(con))
    kids = children(con, org_id, period_type, period, scope)
    columns = [
        "rank",
        "org_id",
        "org_name",
        "label",
        "value",
        "numerator",
        "denominator",
        "shown",
        "value_text",
    ]
    if kids.empty:
        return pd.DataFrame(columns=columns)
    vals = _values(con, kids["org_id"].tolist(), period_type, [period], [code])
    df = kids[["org_id", "org_name", "label"]].merge(
        vals[["org_id", "value", "numerator", "denominator"]], on="org_id", how="left"
    )
    df = df.sort_values(
        ["value", "org_id"], ascending=[ascending, True], na_position="last"
    ).reset_index(drop=True)
    df["rank"] = df["value"].rank(ascending=ascending, method="min")
    df["rank"] = df["rank"].map(lambda r: None if r is None or math.isnan(r) else int(r))
    df["shown"] = [shown(v, kpi) for v in df["value"]]
    df["value_text"] = [value_text(v, kpi) for v in df["value"]]
    return df[columns]


# ---- 考核预警 -------------------------------------------------------------------------------
def warning_quarter(con: duckdb.DuckDBPyConnection, period_type: str, period: str) -> str | None:
    """The assessment quarter of a period: a month's quarter, the quarter itself, or a year's
    latest loaded quarter; None when the mart holds none."""
    months = period_months(con, period_type, period)
    if not months:
        return None
    row = con.execute(
        "SELECT quarter_label FROM marts.dim_month WHERE month_label = ?", [months[-1]]
    ).fetchone()
    return row[0] if row else None


def warning_summary(con: duckdb.DuckDBPyConnection, org: Org, quarter: str) -> pd.DataFrame:
    """Agents assessed (grade ≥ A02) under the org in the quarter by status: status, 状态, n."""
    df = con.execute(
        f"SELECT status, count(*) AS n FROM marts.mart_assessment_warning "
        f"WHERE org_l{int(org.level)} = ? AND quarter = ? GROUP BY status",
        [org.org_id, quarter],
    ).df()
    counts = dict(zip(df["status"], df["n"], strict=True))
    return pd.DataFrame(
        [
            {"status": s, "状态": zh, "n": int(counts.get(s, 0))}
            for s, zh in WARNING_STATUS_ZH.items()
        ]
    )


def warning_list(
    con: duckdb.DuckDBPyConnection, org: Org, quarter: str, limit: int = 50
) -> tuple[pd.DataFrame, int]:
    """At-risk agents under the org, smallest FYC gap first (the easiest to save), names masked
    as published; and how many there are in all."""
    where = f"w.org_l{int(org.level)} = ? AND w.quarter = ? AND w.status = 'at_risk'"
    total = con.execute(
        f"SELECT count(*) FROM marts.mart_assessment_warning AS w WHERE {where}",
        [org.org_id, quarter],
    ).fetchone()
    df = con.execute(
        "SELECT w.agent_code, w.agent_name_masked, w.grade_code, g.grade_name_zh, "
        "w.team_id, t.org_name AS team_name, w.qtd_fyc::DOUBLE AS qtd_fyc, "
        "w.quarterly_fyc_threshold::DOUBLE AS threshold, w.fyc_gap::DOUBLE AS fyc_gap "
        "FROM marts.mart_assessment_warning AS w "
        "LEFT JOIN marts.dim_grade AS g USING (grade_code) "
        "LEFT JOIN marts.dim_org AS t ON t.org_id = w.team_id "
        f"WHERE {where} ORDER BY w.fyc_gap, g.grade_rank DESC, w.agent_code LIMIT ?",
        [org.org_id, quarter, limit],
    ).df()
    return df, int(total[0]) if total else 0


def warning_display(df: pd.DataFrame) -> pd.DataFrame:
    def yuan(v: object) -> str:
        x = as_float(v)
        return DASH if x is None else f"{x:,.2f}"

    return pd.DataFrame(
        {
            "代理人编码": df["agent_code"],
            "姓名": df["agent_name_masked"],
            "职级": [
                f"{c} {n}".strip() if isinstance(n, str) else c
                for c, n in zip(df["grade_code"], df["grade_name_zh"], strict=True)
            ],
            "所属营业组": df["team_name"],
            "季度累计FYC（元）": [yuan(v) for v in df["qtd_fyc"]],
            "维持标准（元）": [yuan(v) for v in df["threshold"]],
            "差额（元）": [yuan(v) for v in df["fyc_gap"]],
        }
    )
