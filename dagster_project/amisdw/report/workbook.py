"""``amisdw report --format xlsx``: the quarterly review as one Excel workbook.

One sheet per section of the HTML pack (same KPIs, periods and 环比/同比), after a cover sheet.
Every figure comes from :class:`~amisdw.report.review.Review` (``marts.kpi`` channel ALL, names
and units from the KPI catalogue); the org's subtree is the tree of the review's org, its child
orgs and their children, written as outline rows (level 0, 1, 2) so a reader can fold it. Cells
hold numbers in the display unit (rates as ratios shown in %, amounts in 万元); a missing value
or a zero denominator is a blank cell. Same warehouse and arguments give the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd
from xlsxwriter.workbook import Workbook

from amisdw.readers.warehouse import find_org
from amisdw.report.decompose import FACTOR_CODES, FACTORS, Decomposition, decompose
from amisdw.report.fmt import as_float, header
from amisdw.report.render import ReportError, report_stem
from amisdw.report.review import (
    OUTLET_STAGE_ZH,
    WARNING_STATUS_ZH,
    Review,
    _children,
    open_review,
)
from amisdw.report.sections import HEADLINE, MANPOWER, PROMOTION, PROMOTION_TREND, QUALITY, RANKED
from amisdw.report.workbook_formats import (
    CHANGE,
    COUNT,
    MEAN,
    PERCENT,
    RANK,
    SIGNED_WAN,
    WAN,
    YUAN,
    YUAN_CENTS,
    Formats,
    NumberStyle,
    change_style,
    change_value,
    kpi_style,
)
from amisdw.report.workbook_layout import Col, Placed, Row, Sheet, Value, chart, unique

COVER = "封面"
SHEETS = (
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
)
SECTION_TITLES = {
    "核心指标": "一、核心指标一览",
    "人力发展": "二、人力发展",
    "活动率与预算": "三、活动率、有效人力与预算达成",
    "新单保费因素分解": "四、新单保费因素分解",
    "晋升": "五、晋升与组织发展",
    "转正与留存": "六、新人转正与留存",
    "品质": "七、业务品质：十三个月继续率与犹豫期退保",
    "考核预警": "八、考核预警名单",
    "网点": "九、新设网点与已有网点",
    "下级机构排名": "十、下级机构排名",
}
MANPOWER_TREND = ["headcount_start", "headcount_end", "headcount_avg", "hires", "leavers"]
ACTIVITY = [
    "headcount_avg",
    "producing_manpower",
    "activity_rate",
    "effective_manpower",
    "effective_manpower_ratio",
    "supervisor_activity_rate",
    "attendance_rate",
]
ACTIVITY_TREND = [
    "headcount_avg",
    "producing_manpower",
    "activity_rate",
    "effective_manpower_ratio",
]
PREMIUM_TREND = [
    "new_premium",
    "new_policies",
    "headcount_avg",
    "activity_rate",
    "policies_per_producer",
    "premium_per_policy",
]
RETENTION = ["conversion_rate_3m", "retention_rate_7m", "retention_rate_13m"]
QUALITY_TREND = ["persistency_13m", "cooling_off_cancellation_ratio"]
OUTLET = [
    "headcount_end",
    "headcount_avg",
    "hires",
    "leavers",
    "producing_manpower",
    "activity_rate",
    "new_policies",
    "new_premium",
    "policies_per_producer",
    "premium_per_policy",
    "standard_premium_per_capita",
]
FACTOR_ZH = dict(FACTORS)
WARNING_LIST_MAX = 10_000
ORG_COLS = [Col("机构名称", "org name"), Col("机构代码", "org id")]
FIXED_CREATED = datetime(2000, 1, 1)


# ---- the org tree --------------------
@dataclass(frozen=True)
class Node:
    org_id: str
    org_name: str
    depth: int  # 0 the review's org, 1 a child org, 2 a grandchild
    parent_id: str | None = None


@dataclass
class Scope:
    """The review and its org tree (the children's own reviews give the grandchildren)."""

    rv: Review
    nodes: list[Node]
    subs: dict[str, Review] = field(default_factory=dict)  # child org_id → its review

    @property
    def ids(self) -> list[str]:
        return [n.org_id for n in self.nodes]

    def values(
        self, codes: Sequence[str], periods: Sequence[str]
    ) -> dict[tuple[str, str, str], tuple[float | None, float | None, float | None]]:
        """(org, period, KPI) → (value, numerator, denominator) for every org of the tree."""
        df = self.rv.values(list(codes), list(periods), self.ids)
        return {
            (r.org_id, r.period, r.kpi_code): (
                as_float(r.value),
                as_float(r.numerator),
                as_float(r.denominator),
            )
            for r in df.itertuples()
        }

    def row(self, node: Node, values: Sequence[Value]) -> Row:
        return Row(
            [node.org_name, node.org_id, *values],
            level=node.depth,
            bold=node.depth == 0,
            indent=node.depth,
        )


def sub_review(rv: Review, org_id: str) -> Review:
    """The review of a child org on the same connection (its children: the grandchildren)."""
    org = find_org(rv.con, org_id)
    return replace(rv, org=org, children=_children(rv.con, org, rv.quarter, rv.months[-1]))


def open_scope(rv: Review) -> Scope:
    scope = Scope(rv, [Node(rv.org.org_id, rv.org.org_name, 0)])
    for child in rv.children.itertuples():
        child_id, name = str(child.org_id), str(child.org_name)
        scope.nodes.append(Node(child_id, name, 1, rv.org.org_id))
        sub = sub_review(rv, child_id)
        scope.subs[child_id] = sub
        scope.nodes += [
            Node(str(g.org_id), str(g.org_name), 2, child_id) for g in sub.children.itertuples()
        ]
    return scope


# ---- shared pieces --------------------
def kpi_col(rv: Review, code: str) -> Col:
    kpi = rv.kpi(code)
    return Col(header(kpi), kpi.name_en, kpi_style(kpi), comment=_kpi_comment(rv, code))


def _kpi_comment(rv: Review, code: str) -> str:
    kpi = rv.kpi(code)
    return f"{kpi.code}\n{kpi.definition}".strip()


def _org_title(rv: Review) -> str:
    name, level = rv.org.org_name, rv.org.level_name_zh
    return name if name == level else f"{name}（{level}）"


def start_sheet(sheet: Sheet, rv: Review) -> None:
    months = rv.months
    partial = f"；季度至今，仅 {len(months)} 个月" if rv.is_partial else ""
    sheet.title(
        f"{_org_title(rv)} {rv.quarter_zh} · {SECTION_TITLES[sheet.name]}",
        f"机构代码 {rv.org.org_id}；统计期间 {months[0]} 至 {months[-1]}{partial}；全部渠道；"
        "金额单位万元（人均/件均为元）；空白 = 无数据或分母为 0",
    )


def tree_table(sheet: Sheet, sc: Scope, codes: Sequence[str]) -> Placed:
    """The org tree for the review quarter, one column per KPI."""
    q = sc.rv.quarter
    vals = sc.values(codes, [q])
    rows = [sc.row(n, [vals.get((n.org_id, q, c), (None,))[0] for c in codes]) for n in sc.nodes]
    return sheet.main_table([*ORG_COLS, *[kpi_col(sc.rv, c) for c in codes]], rows)


def series_table(
    sheet: Sheet, rv: Review, codes: Sequence[str], periods: Sequence[str], caption: str
) -> Placed | None:
    """The org's values over periods (months or quarters), one column per KPI."""
    frame = rv.series(list(codes), list(periods))
    label = ("月份", "month") if periods and "-" in periods[0] else ("季度", "quarter")
    rows = [Row([p, *[frame.at[p, c] for c in codes]]) for p in periods]
    cols = [Col(*label), *[kpi_col(rv, c) for c in codes]]
    return sheet.list_table(cols, rows, caption)


# ---- 封面 --------------------
def cover_sheet(sheet: Sheet, sc: Scope, codes_used: Sequence[str]) -> None:
    rv, months = sc.rv, sc.rv.months
    sheet.title(f"{_org_title(rv)} · {rv.quarter_zh}经营回顾")
    _, _, findings = rv.data_quality(limit=0)
    items: list[tuple[str, Value, NumberStyle | None]] = [
        ("机构", f"{rv.org.org_name}（{rv.org.org_id}，{rv.org.level_name_zh}）", None),
        ("季度", f"{rv.quarter}（{rv.quarter_zh}）", None),
        ("统计期间", f"{months[0]} 至 {months[-1]}（{len(months)} 个月）", None),
        (
            "对比期",
            f"上季 {rv.prev_quarter or '无数据'}；去年同季 {rv.last_year_quarter or '无数据'}",
            None,
        ),
        ("数据发布时间", rv.published_at, None),
        ("下级机构", f"{len(rv.children)} 个（{rv.child_level_name}）", None),
        ("数据状态", _partial_note(rv) or "完整季度", None),
        ("数据质量问题（条）", findings, COUNT),
    ]
    for label, value, style in items:
        sheet.ws.write_string(sheet.row, 0, label, sheet.fmt.label())
        if style is None:
            sheet.ws.write_string(sheet.row, 1, str(value), sheet.fmt.get())
        else:
            sheet.ws.write_number(
                sheet.row,
                1,
                style.cell(value) or 0,
                sheet.fmt.get(num_format=style.num_format, align="left"),
            )
        sheet.widths.fit_text(0, label)
        sheet.row += 1
    sheet.note(
        "数据质量问题：本季本机构源数据（人事变动与人员快照）的问题记录数，"
        "明细见 marts.data_quality_findings 与 HTML 版附录一。"
    )
    sheet.gap()
    for line in COVER_NOTES:
        sheet.note(line)
    sheet.gap()
    _sheet_index(sheet)
    sheet.gap()
    glossary(sheet, rv, codes_used)


COVER_NOTES = (
    "口径：全部渠道；季度人力类指标为季均（三个月月均之平均），季初/季末为时点数；"
    "比率为本机构分子/分母，不对下级比率求平均。",
    "单元格为数值，可直接计算：比率存为小数并以 % 显示；金额单位万元（已除以 10,000），"
    "人均/件均指标为元；人数为人；空白 = 无数据或分母为 0（如考核结果尚未下达）。",
    "环比/同比：比率类指标为百分点差（个百分点），其余为变动率；表头第二行为指标英文名，"
    "指向表头可见指标代码与定义。",
    "各表首行为本机构，其下为下级机构（第 2 级）及其下级（第 3 级）：点击左侧 − / + 折叠或展开。",
)


def _partial_note(rv: Review) -> str:
    if not rv.is_partial:
        return ""
    return (
        f"注意：{rv.quarter_zh}仅载入 {len(rv.months)} 个月，为季度至今数据，"
        "与完整季度不可直接比较。"
    )


def _sheet_index(sheet: Sheet) -> None:
    sheet.ws.write_string(sheet.row, 0, "目录", sheet.fmt.caption())
    sheet.row += 1
    for name in SHEETS:
        sheet.ws.write_url(sheet.row, 0, f"internal:'{name}'!A1", sheet.fmt.link(), string=name)
        sheet.ws.write_string(sheet.row, 1, SECTION_TITLES[name], sheet.fmt.get())
        sheet.row += 1


def glossary(sheet: Sheet, rv: Review, codes: Sequence[str]) -> None:
    cols = [
        Col("指标", "KPI"),
        Col("代码", "code"),
        Col("English", "English name"),
        Col("单位", "unit"),
        Col("定义（kpi_catalogue）", "definition", wrap_at=70),
    ]
    rows = []
    for code in codes:
        kpi = rv.kpi(code)
        unit = kpi_style(kpi).unit
        rows.append(Row([kpi.name_zh, code, kpi.name_en, unit, kpi.definition]))
    sheet.list_table(cols, rows, "指标口径")


# ---- 一、核心指标 --------------------
def headline_sheet(sheet: Sheet, sc: Scope) -> None:
    rv = sc.rv
    q, p, y = rv.quarter, rv.prev_quarter, rv.last_year_quarter
    vals = sc.values(HEADLINE, [x for x in (q, p, y) if x])
    cols = list(ORG_COLS)
    for code in HEADLINE:
        kpi = rv.kpi(code)
        group = {"group": header(kpi), "group_en": kpi.name_en, "comment": _kpi_comment(rv, code)}
        style, change = kpi_style(kpi), change_style(kpi)
        cols += [
            Col(f"本季\n{q}", style=style, **group),
            Col(f"上季\n{p or '无数据'}", style=style, **group),
            Col(
                "环比" + ("\n（个百分点）" if change.unit == "个百分点" else ""),
                style=change,
                **group,
            ),
            Col(f"去年同季\n{y or '无数据'}", style=style, **group),
            Col(
                "同比" + ("\n（个百分点）" if change.unit == "个百分点" else ""),
                style=change,
                **group,
            ),
        ]

    def get(org_id: str, period: str | None, code: str) -> float | None:
        return vals.get((org_id, period, code), (None,))[0] if period else None

    rows = []
    for n in sc.nodes:
        cells: list[Value] = []
        for code in HEADLINE:
            kpi = rv.kpi(code)
            cur, prev, ly = (get(n.org_id, x, code) for x in (q, p, y))
            cells += [cur, prev, change_value(kpi, cur, prev), ly, change_value(kpi, cur, ly)]
        rows.append(sc.row(n, cells))
    sheet.main_table(cols, rows)
    sheet.note(
        "环比/同比：比率类指标为百分点差，其余为变动率（升降本身不代表好坏，如脱落人力上升为不利）。"
    )


# ---- 二、人力发展 --------------------
def manpower_sheet(sheet: Sheet, sc: Scope) -> None:
    rv, wb = sc.rv, sheet.workbook
    tree_table(sheet, sc, MANPOWER)
    months = rv.trend_months()
    trend = series_table(
        sheet,
        rv,
        MANPOWER_TREND,
        months,
        f"{rv.org.org_name} 月度人力走势（近 {len(months)} 个月）",
    )
    if trend is not None:
        sheet.charts_beside(
            trend,
            [
                chart(
                    wb, "line", f"{rv.org.org_name} 月度人力走势", trend, 0, [1, 2, 3], y_name="人"
                ),
                chart(wb, "column", "每月新增与脱落人力", trend, 0, [4, 5], y_name="人"),
            ],
        )
    if len(rv.children) > 1:
        child_lines(sheet, rv, "headcount_end", months, f"各{rv.child_level_name}月末人力")


def child_lines(sheet: Sheet, rv: Review, code: str, months: Sequence[str], title: str) -> None:
    frame = rv.child_series(code, list(months))
    ids = rv.children["org_id"].tolist()
    style = kpi_style(rv.kpi(code))
    names = unique([rv.org_name(i) for i in ids])
    cols = [Col("月份", "month"), *[Col(n, i, style) for n, i in zip(names, ids, strict=True)]]
    rows = [Row([m, *[frame.at[m, i] for i in ids]]) for m in months]
    placed = sheet.list_table(cols, rows, f"{title}（{header(rv.kpi(code))}）")
    if placed is not None:
        sheet.charts_beside(
            placed,
            [chart(sheet.workbook, "line", title, placed, 0, range(1, len(cols)), y_name="人")],
        )


# ---- 三、活动率与预算 --------------------
def activity_sheet(sheet: Sheet, sc: Scope) -> None:
    rv, wb = sc.rv, sheet.workbook
    tree_table(sheet, sc, ACTIVITY)
    budget = rv.budget()
    if budget.empty:
        sheet.note("本季无预算目标（BUDGET 未下达），不计算预算达成。")
        sheet.gap()
    else:
        budget_tables(sheet, rv, budget)
    months = rv.trend_months()
    trend = series_table(
        sheet, rv, ACTIVITY_TREND, months, f"{rv.org.org_name} 月度活动率与有效人力"
    )
    if trend is not None:
        sheet.charts_beside(
            trend,
            [
                chart(
                    wb,
                    "line",
                    f"{rv.org.org_name} 月度活动率与有效人力占比",
                    trend,
                    0,
                    [3, 4],
                    "0%",
                )
            ],
        )


def _budget_styles(rv: Review, indicator: str) -> tuple[NumberStyle, NumberStyle, str]:
    """(actual/target, gap) styles and unit: amounts in 万元, manpower (季均) with one decimal."""
    kpi = rv.kpi(indicator)
    if kpi.unit == "元" and kpi.kind == "amount":
        return WAN, SIGNED_WAN, "万元"
    return MEAN, NumberStyle("+#,##0.0;-#,##0.0;0.0", 1.0, "人"), kpi.unit or "人"


def budget_tables(sheet: Sheet, rv: Review, budget: pd.DataFrame) -> None:
    indicators = list(dict.fromkeys(budget["indicator_code"]))
    cols = [
        *ORG_COLS,
        Col("预算指标", "indicator"),
        Col("单位", "unit"),
        Col("实际", "actual"),
        Col("目标", "target"),
        Col("差额", "actual − target"),
        Col("完成率", "attainment", PERCENT),
    ]
    rows = []
    for depth, org_id in enumerate(rv.org_ids):
        sub = budget[budget["org_id"] == org_id].set_index("indicator_code")
        for ind in (i for i in indicators if i in sub.index):
            r = sub.loc[ind]
            amount, signed, unit = _budget_styles(rv, ind)
            actual, target = as_float(r["actual"]), as_float(r["target"])
            gap = None if actual is None or target is None else actual - target
            level = 0 if depth == 0 else 1
            rows.append(
                Row(
                    [
                        rv.org_name(org_id),
                        org_id,
                        header(rv.kpi(ind)),
                        unit,
                        actual,
                        target,
                        gap,
                        r["value"],
                    ],
                    level=level,
                    bold=level == 0,
                    indent=level,
                    styles=[None, None, None, None, amount, amount, signed, PERCENT],
                )
            )
    sheet.list_table(cols, rows, f"{rv.quarter_zh}预算达成（人力为季均，保费为季累计）")
    sheet.note("预算不可加总：上级目标为其自身的预算行；首年标保的实际、目标与差额单位为万元。")
    sheet.gap()
    att = budget.pivot_table(index="org_id", columns="indicator_code", values="value")
    ids = [i for i in rv.org_ids if i in att.index]
    pcols = [Col("机构名称", "org name"), *[Col(rv.kpi(i).name_zh, i, PERCENT) for i in indicators]]
    prows = [Row([rv.org_name(o), *[att.at[o, i] for i in indicators]]) for o in ids]
    placed = sheet.list_table(pcols, prows, f"{rv.quarter_zh}预算完成率（按机构）")
    if placed is not None:
        sheet.charts_beside(
            placed,
            [
                chart(
                    sheet.workbook,
                    "column",
                    f"{rv.quarter_zh}预算完成率",
                    placed,
                    0,
                    range(1, len(pcols)),
                    "0%",
                )
            ],
        )


# ---- 四、新单保费因素分解 --------------------
def _decompositions(sc: Scope, base: str) -> dict[str, Decomposition]:
    """The LMDI split of every org of the tree (one read of marts.kpi for all of them)."""
    q, codes = sc.rv.quarter, ["new_premium", *FACTOR_CODES]
    vals = sc.values(codes, [q, base])

    def factors(org_id: str, period: str) -> dict[str, object]:
        return {c: vals.get((org_id, period, c), (None,))[0] for c in codes}

    return {i: decompose(factors(i, base), factors(i, q)) for i in sc.ids}


def _comparisons(rv: Review) -> list[tuple[str, str, str]]:
    """(base quarter, 上季 / 去年同季, English) for the comparisons that have data."""
    out = [
        (rv.prev_quarter, "上季", "vs previous quarter"),
        (rv.last_year_quarter, "去年同季", "vs same quarter last year"),
    ]
    return [(b, zh, en) for b, zh, en in out if b]


def _decomposition_cells(d: Decomposition) -> list[Value]:
    contributions = d.contributions or {}
    driver = d.driver
    if driver and d.contributions:
        arrow = "↑" if d.contributions[driver] >= 0 else "↓"
        driver_text: str | None = f"{FACTOR_ZH[driver]}{arrow}"
    else:
        driver_text = None
    base, current = d.premium_base, d.premium_current
    rate = None if base in (None, 0) or current is None else (current - base) / abs(base)
    return [
        base,
        d.change,
        rate,
        *[contributions.get(code) for code, _ in FACTORS],
        driver_text,
    ]


def premium_sheet(sheet: Sheet, sc: Scope) -> None:
    rv = sc.rv
    q = rv.quarter
    comparisons = _comparisons(rv)
    decs = {base: _decompositions(sc, base) for base, _, _ in comparisons}
    current = sc.values(["new_premium"], [q])
    cols = [
        *ORG_COLS,
        Col(f"本季\n{q}", style=WAN, group="新单保费（万元）", group_en="new premium"),
    ]
    for base, zh, en in comparisons:
        g = {"group": f"较{zh} {base}", "group_en": en}
        cols += [
            Col(f"{zh}\n{base}（万元）", style=WAN, **g),
            Col("变动\n（万元）", style=SIGNED_WAN, **g),
            Col("变动率", style=CHANGE, **g),
            *[Col(f"{f}贡献\n（万元）", style=SIGNED_WAN, **g) for _, f in FACTORS],
            Col("主要驱动\n因素", **g),
        ]
    rows = []
    for n in sc.nodes:
        cells: list[Value] = [current.get((n.org_id, q, "new_premium"), (None,))[0]]
        for base, _, _ in comparisons:
            d = decs[base].get(n.org_id)
            cells += _decomposition_cells(d) if d else [None] * (4 + len(FACTORS))
        rows.append(sc.row(n, cells))
    sheet.main_table(cols, rows)
    sheet.note(
        "分解方法：对数平均迪氏指数（LMDI），各因素贡献 = L(本期, 基期) × ln(因素本期/因素基期)，"
        "四项贡献之和恰等于新单保费变动额；任一因素为 0 或缺失时不做分解（空白）。"
    )
    sheet.gap()
    factor_table(sheet, rv)
    contribution_chart(sheet, rv, decs, comparisons)
    months = rv.trend_months()
    trend = series_table(
        sheet, rv, PREMIUM_TREND, months, f"{rv.org.org_name} 月度新单保费及其因素"
    )
    if trend is not None:
        sheet.charts_beside(
            trend,
            [
                chart(
                    sheet.workbook,
                    "column",
                    f"{rv.org.org_name} 月度新单保费（万元）",
                    trend,
                    0,
                    [1],
                    WAN.num_format,
                    "万元",
                )
            ],
        )


def factor_table(sheet: Sheet, rv: Review) -> None:
    codes = ["new_premium", *[c for c, _ in FACTORS]]
    periods = [(rv.quarter, "本季"), (rv.prev_quarter, "上季"), (rv.last_year_quarter, "去年同季")]
    periods = [(p, label) for p, label in periods if p]
    long = rv.values(codes, [p for p, _ in periods], [rv.org.org_id])
    get = {(r.period, r.kpi_code): r.value for r in long.itertuples()}
    cols = [Col("因素", "factor"), *[Col(f"{label} {p}", p) for p, label in periods]]
    rows = []
    for code in codes:
        style = kpi_style(rv.kpi(code))
        rows.append(
            Row(
                [header(rv.kpi(code)), *[get.get((p, code)) for p, _ in periods]],
                styles=[None, *[style] * len(periods)],
            )
        )
    sheet.list_table(
        cols, rows, f"{rv.org.org_name} 新单保费 = 人力（季均）× 活动率 × 人均件数 × 件均保费"
    )


def contribution_chart(
    sheet: Sheet,
    rv: Review,
    decs: dict[str, dict[str, Decomposition]],
    comparisons: Sequence[tuple[str, str, str]],
) -> None:
    own = [(base, zh, decs[base].get(rv.org.org_id)) for base, zh, _ in comparisons]
    own = [(base, zh, d) for base, zh, d in own if d is not None and d.contributions]
    if not own:
        return
    cols = [
        Col("因素", "factor"),
        *[Col(f"较{zh} {base}（万元）", base, SIGNED_WAN) for base, zh, _ in own],
    ]
    rows = [
        Row([f, *[(d.contributions or {}).get(code) for _, _, d in own]]) for code, f in FACTORS
    ]
    placed = sheet.list_table(cols, rows, f"{rv.org.org_name} 各因素对新单保费变动的贡献（万元）")
    if placed is not None:
        sheet.charts_beside(
            placed,
            [
                chart(
                    sheet.workbook,
                    "column",
                    "各因素贡献（万元）",
                    placed,
                    0,
                    range(1, len(cols)),
                    "#,##0.00",
                    "万元",
                )
            ],
        )


# ---- 五、晋升 --------------------
def promotion_sheet(sheet: Sheet, sc: Scope) -> None:
    rv = sc.rv
    tree_table(sheet, sc, PROMOTION)
    sheet.note(
        "晋组人数 = 晋升为业务主任（B01）的人数，每人组建一个新营业组；"
        "主管考核达标率 = 考核期结束于本季的主管中晋升或维持的比例。"
    )
    sheet.gap()
    trend = series_table(
        sheet, rv, PROMOTION_TREND, rv.trend_quarters(), f"{rv.org.org_name} 各季度晋升、晋组与降级"
    )
    if trend is not None:
        sheet.charts_beside(
            trend,
            [
                chart(
                    sheet.workbook,
                    "column",
                    f"{rv.org.org_name} 各季度晋升、晋组与降级",
                    trend,
                    0,
                    [1, 2, 3],
                    y_name="人",
                )
            ],
        )


# ---- 六、转正与留存 --------------------
def retention_sheet(sheet: Sheet, sc: Scope) -> None:
    rv, q = sc.rv, sc.rv.quarter
    vals = sc.values(RETENTION, [q])
    cols = list(ORG_COLS)
    for code in RETENTION:
        kpi = rv.kpi(code)
        g = {"group": kpi.name_zh, "group_en": kpi.name_en, "comment": _kpi_comment(rv, code)}
        cols += [
            Col("比率", style=PERCENT, **g),
            Col("达成人数", style=COUNT, **g),
            Col("考察人数", style=COUNT, **g),
        ]
    rows = []
    for n in sc.nodes:
        cells: list[Value] = []
        for code in RETENTION:
            cells += list(vals.get((n.org_id, q, code), (None, None, None)))
        rows.append(sc.row(n, cells))
    sheet.main_table(cols, rows)
    sheet.note(
        "三个月转正率：第 c 月入司者在第 c+3 月末前转正（职级 ≥ A02）的比例，于 c+3 月报告；"
        "七/十三个月留存率：第 c 月入司者在第 c+7 / c+13 月末仍在职（同一任职期）的比例。"
    )
    sheet.gap()
    retention_curves(sheet, rv)


def retention_curves(sheet: Sheet, rv: Review) -> None:
    curves = rv.retention_curves()
    if curves.empty:
        return
    quarters = sorted(curves["hire_quarter"].unique())
    share = curves.pivot_table(index="months_after_hire", columns="hire_quarter", values="share")
    sizes = curves[curves["months_after_hire"] == 0].groupby("hire_quarter")["cohort_size"].sum()
    labels = [f"{str(h)[:4]}年Q{str(h)[-1]}入司（{int(sizes.get(h, 0))}人）" for h in quarters]
    months = list(range(int(share.index.max()) + 1))
    share = share.reindex(index=months)
    cols = [Col("入司后月数", "months after hire", RANK)]
    cols += [Col(label, str(h), PERCENT) for label, h in zip(labels, quarters, strict=True)]
    rows = [Row([m, *[share.at[m, h] for h in quarters]]) for m in months]
    placed = sheet.list_table(
        cols, rows, f"{rv.org.org_name} 各入司季度留存曲线（该季度各月批次均已观察到的月份）"
    )
    if placed is not None:
        sheet.charts_beside(
            placed,
            [
                chart(
                    sheet.workbook,
                    "line",
                    f"{rv.org.org_name} 各入司季度留存曲线",
                    placed,
                    0,
                    range(1, len(cols)),
                    "0%",
                    "在职比例",
                )
            ],
        )


# ---- 七、品质 --------------------
def quality_sheet(sheet: Sheet, sc: Scope) -> None:
    rv = sc.rv
    if rv.persistency_provisional():
        sheet.banner(
            "本季十三个月保费继续率含最近 2 个月的批次，宽限期内的续期保费可能尚未到账，"
            "数值为暂定。"
        )
        sheet.gap()
    tree_table(sheet, sc, QUALITY)
    sheet.note(
        "十三个月保费继续率：第 c 月承保的年交长险（犹豫期撤单除外）在应交日 + 宽限期内实收的"
        "第二年保费 / 首年保费，于 c+12 月报告；犹豫期退保保费占比：第 c 月承保保单中犹豫期撤单的"
        "首年保费 / 全部首年保费（按承保月）。"
    )
    sheet.gap()
    months = rv.trend_months()
    trend = series_table(sheet, rv, QUALITY_TREND, months, f"{rv.org.org_name} 月度品质指标")
    series = rv.series(QUALITY_TREND, months)
    if trend is not None and series.notna().any().any():
        sheet.charts_beside(
            trend,
            [
                chart(sheet.workbook, "line", rv.kpi(code).name_zh, trend, 0, [i + 1], "0.0%")
                for i, code in enumerate(QUALITY_TREND)
            ],
        )


# ---- 八、考核预警 --------------------
def warning_sheet(sheet: Sheet, sc: Scope) -> None:
    rv = sc.rv
    summary = rv.warning_summary()
    if summary.empty:
        sheet.note(f"{rv.quarter_zh}无考核预警数据（无 A02 及以上在职人员）。")
        return
    statuses = [s for s in WARNING_STATUS_ZH if s != "on_track" or rv.is_partial]
    counts = {str(r["org_id"]): r for _, r in summary.iterrows()}
    for sub in sc.subs.values():
        if sub.org.level < 7:
            counts.update({str(r["org_id"]): r for _, r in sub.warning_summary().iterrows()})
    total = summary[[*WARNING_STATUS_ZH, "total"]].sum()
    cols = [
        *ORG_COLS,
        *[Col(WARNING_STATUS_ZH[s], s, COUNT) for s in statuses],
        Col("考核人数", "assessed", COUNT),
        Col("预警占比", "at-risk share", PERCENT),
    ]

    def cells(r: pd.Series) -> list[Value]:
        share = r["at_risk"] / r["total"] if r["total"] else None
        return [*[r[s] for s in statuses], r["total"], share]

    rows = [sc.row(replace(sc.nodes[0], org_name=f"{rv.org.org_name}（合计）"), cells(total))]
    children = {n.org_id for n in sc.nodes if n.depth == 1}
    for org_id in summary["org_id"].astype(str):
        if org_id == rv.org.org_id:  # a team's own row: the total already
            continue
        node = next((n for n in sc.nodes if n.org_id == org_id and n.depth == 1), None)
        node = node or Node(org_id, rv.org_name(org_id), 1, rv.org.org_id)
        rows.append(sc.row(node, cells(counts[org_id])))
        if org_id in children:
            rows += [
                sc.row(g, cells(counts[g.org_id]))
                for g in sc.nodes
                if g.parent_id == org_id and g.org_id in counts
            ]
    sheet.main_table(cols, rows)
    sheet.note(
        f"A02 及以上在职人员，季度累计 FYC 对照职级维持标准，已过 {len(rv.months)} 个月；"
        "“进度达标”仅用于未满一季的季度至今数据。"
    )
    sheet.gap()
    status_chart(sheet, rv, summary, statuses)
    warning_list(sheet, rv)


def status_chart(sheet: Sheet, rv: Review, summary: pd.DataFrame, statuses: list[str]) -> None:
    shown = [s for s in statuses if summary[s].sum() > 0]
    cols = [Col("机构名称", "org name"), *[Col(WARNING_STATUS_ZH[s], s, COUNT) for s in shown]]
    rows = [
        Row([rv.org_name(str(r["org_id"])), *[r[s] for s in shown]]) for _, r in summary.iterrows()
    ]
    placed = sheet.list_table(cols, rows, "考核状态分布")
    if placed is not None and shown:
        sheet.charts_beside(
            placed,
            [
                chart(
                    sheet.workbook,
                    "bar",
                    "考核状态分布（人）",
                    placed,
                    0,
                    range(1, len(cols)),
                    subtype="stacked",
                )
            ],
        )


def warning_list(sheet: Sheet, rv: Review) -> None:
    agents, total = rv.warning_list(WARNING_LIST_MAX)
    if not total:
        return
    listed = "" if len(agents) == total else f"，列出差额最小的 {len(agents):,} 人"
    cols = [
        Col("代理人编码", "agent code"),
        Col("姓名", "name (masked)"),
        Col("职级", "grade"),
        Col("职级名称", "grade name"),
        Col("所属营业组", "team"),
        Col("季度累计FYC（元）", "quarter-to-date FYC", YUAN_CENTS),
        Col("维持标准（元）", "threshold", YUAN),
        Col("差额（元）", "FYC gap", YUAN_CENTS),
    ]
    rows = [
        Row(
            [
                a.agent_code,
                a.agent_name_masked,
                a.grade_code,
                a.grade_name_zh,
                a.team_name,
                a.qtd_fyc,
                a.threshold,
                a.fyc_gap,
            ]
        )
        for a in agents.itertuples()
    ]
    sheet.list_table(cols, rows, f"预警名单：共 {total:,} 人未达维持标准{listed}（差额最小者在前）")
    sheet.note(
        "完整名单：SELECT * FROM marts.mart_assessment_warning "
        f"WHERE quarter = '{rv.quarter}' AND org_l{rv.org.level} = "
        f"'{rv.org.org_id}' AND status = 'at_risk' ORDER BY fyc_gap;"
    )


# ---- 九、网点 --------------------
def outlet_sheet(sheet: Sheet, sc: Scope) -> None:
    rv = sc.rv
    if rv.org.level > 5:
        sheet.note("新老网点对比按营业区（二元网点）统计，适用于营业区及以上机构。")
        return
    df = rv.outlet_stages()
    if df.empty:
        sheet.note(f"{rv.quarter_zh}无网点分阶段数据。")
        return
    cols = [Col("网点类型", "outlet stage"), *[kpi_col(rv, c) for c in OUTLET]]
    rows = [
        Row(
            [
                OUTLET_STAGE_ZH.get(str(r["outlet_stage"]), str(r["outlet_stage"])),
                *[r[c] for c in OUTLET],
            ]
        )
        for _, r in df.iterrows()
    ]
    placed = sheet.main_table(cols, rows, freeze_cols=1)
    sheet.note(
        "季度人力类为季均；新设网点：二元网点（OutletType 1）成立后第 1–12 个月；"
        "已有网点：第 13 个月起；城区职场：OutletType 0。"
    )
    sheet.gap()
    wb = sheet.workbook
    sheet.charts_below(
        [
            chart(wb, "column", "活动率", placed, 0, [1 + OUTLET.index("activity_rate")], "0%"),
            chart(
                wb,
                "column",
                "人均标保（元）",
                placed,
                0,
                [1 + OUTLET.index("standard_premium_per_capita")],
                "#,##0",
                "元",
            ),
        ]
    )


# ---- 十、下级机构排名 --------------------
def ranking_sheet(sheet: Sheet, sc: Scope) -> None:
    rv = sc.rv
    ids = rv.children["org_id"].tolist()
    if not ids:
        sheet.note(f"{rv.org.org_name}无下级机构，不做排名。")
        return
    codes = [c for c, _ in RANKED]
    wide = rv.wide(codes, rv.quarter)
    ranked = len(ids) >= 2
    ranks = {
        code: wide.loc[ids, code].rank(ascending=not higher, method="min")
        for code, higher in RANKED
    }
    cols = list(ORG_COLS)
    for code in codes:
        kpi = rv.kpi(code)
        g = {"group": header(kpi), "group_en": kpi.name_en, "comment": _kpi_comment(rv, code)}
        cols += [Col("数值", style=kpi_style(kpi), **g), Col("名次", style=RANK, **g)]
    rows = []
    for depth, org_id in enumerate(rv.org_ids):
        node = Node(org_id, rv.org_name(org_id), min(depth, 1))
        cells: list[Value] = []
        for code in codes:
            rank = ranks[code].get(org_id) if depth and ranked else None
            cells += [wide.at[org_id, code], rank]
        rows.append(sc.row(node, cells))
    sheet.main_table(cols, rows)
    if ranked:
        sheet.note("名次：脱落率与犹豫期退保保费占比越低越好，其余指标越高越好；缺失值不参与排名。")
    else:
        sheet.note(f"{rv.org.org_name}下级机构不足 2 个，不做排名（只列数值）。")


# ---- the workbook --------------------
WRITERS: dict[str, Callable[[Sheet, Scope], None]] = {
    "核心指标": headline_sheet,
    "人力发展": manpower_sheet,
    "活动率与预算": activity_sheet,
    "新单保费因素分解": premium_sheet,
    "晋升": promotion_sheet,
    "转正与留存": retention_sheet,
    "品质": quality_sheet,
    "考核预警": warning_sheet,
    "网点": outlet_sheet,
    "下级机构排名": ranking_sheet,
}
CODES_USED = list(
    dict.fromkeys(
        [*HEADLINE, *MANPOWER, *ACTIVITY, *PROMOTION, *RETENTION, *QUALITY, *OUTLET]
        + [c for c, _ in RANKED]
    )
)


@dataclass(frozen=True)
class Written:
    path: Path
    quarter: str
    org_id: str
    org_name: str


def created_at(rv: Review) -> datetime:
    """The workbook's creation date: the warehouse's publication (so reruns give equal bytes)."""
    try:
        return datetime.fromisoformat(rv.published_at)
    except ValueError:
        return FIXED_CREATED


def build(rv: Review, path: Path) -> None:
    """Write every sheet of the review of ``rv`` to ``path``."""
    workbook = Workbook(str(path))
    workbook.set_properties(
        {
            "title": f"{rv.org.org_name} {rv.quarter} 季度经营回顾",
            "subject": "quarterly review",
            "author": "amisdw",
            "created": created_at(rv),
        }
    )
    formats = Formats(workbook)
    scope = open_scope(rv)
    cover = Sheet(workbook, formats, COVER)
    cover_sheet(cover, scope, CODES_USED)
    cover.finish()
    for name in SHEETS:
        sheet = Sheet(workbook, formats, name)
        start_sheet(sheet, rv)
        WRITERS[name](sheet, scope)
        sheet.finish()
    workbook.close()


def write_workbook(
    warehouse: Path, out: Path, quarter: str | None = None, org_id: str | None = None
) -> Written:
    """The review of (quarter, org) as ``<out>/quarterly_review_<org>_<quarter>.xlsx``."""
    rv = open_review(warehouse, quarter, org_id)
    try:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReportError(f"Cannot create the output folder {out}: {exc}") from exc
        path = out / f"{report_stem(rv.org.org_id, rv.quarter)}.xlsx"
        partial = path.with_name(f".{path.name}.partial")
        try:
            build(rv, partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return Written(path, rv.quarter, rv.org.org_id, rv.org.org_name)
    finally:
        rv.con.close()
