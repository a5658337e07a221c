"""The sections of the quarterly review: each returns blocks (HTML strings or figures) that the
notebook displays in order. Every figure printed from marts.kpi goes through ``kpi_cell``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from amisdw.report import charts
from amisdw.report.decompose import FACTORS, Decomposition
from amisdw.report.fmt import (
    DASH,
    as_float,
    change_pct,
    change_pp,
    header,
    integer,
    pct,
    signed_wan,
    wan,
)
from amisdw.report.review import OUTLET_STAGE_ZH, WARNING_STATUS_ZH, Review
from amisdw.report.tables import Cell, kpi_cell, note, num_cell, sign_css, table, text_cell

Block = str | Figure
FACTOR_ZH = dict(FACTORS)

HEADLINE = [
    "headcount_end",
    "headcount_avg",
    "hires",
    "leavers",
    "net_growth_rate",
    "activity_rate",
    "effective_manpower",
    "new_policies",
    "new_premium",
    "first_year_standard_premium",
    "fyc",
    "policies_per_producer",
    "premium_per_policy",
    "conversion_rate_3m",
    "retention_rate_13m",
    "persistency_13m",
    "cooling_off_cancellation_ratio",
]

# the child-org tables of the sections (the Excel workbook shows the same KPIs)
MANPOWER = [
    "headcount_start",
    "headcount_end",
    "headcount_avg",
    "hires",
    "leavers",
    "transfers_in",
    "transfers_out",
    "net_growth_rate",
    "recruitment_rate",
    "attrition_rate",
]
PROMOTION = [
    "promotions",
    "promotions_to_supervisor",
    "promotion_rate_to_supervisor",
    "team_formation_rate",
    "demotions",
    "supervisors",
    "supervisor_pass_rate",
]
PROMOTION_TREND = ["promotions", "promotions_to_supervisor", "demotions"]
QUALITY = ["persistency_13m", "cooling_off_cancellation_ratio", "new_policies", "new_premium"]

RANKED: list[tuple[str, bool]] = [  # (KPI, higher is better)
    ("headcount_end", True),
    ("net_growth_rate", True),
    ("attrition_rate", False),
    ("activity_rate", True),
    ("effective_manpower_ratio", True),
    ("new_premium", True),
    ("policies_per_producer", True),
    ("premium_per_policy", True),
    ("standard_premium_per_capita", True),
    ("fyc_per_capita", True),
    ("conversion_rate_3m", True),
    ("retention_rate_13m", True),
    ("persistency_13m", True),
    ("cooling_off_cancellation_ratio", False),
]


def _child_table(rv: Review, codes: Sequence[str], caption: str) -> str:
    """The org (highlighted) and its child orgs, one column per KPI of the review quarter."""
    wide = rv.wide(list(codes), rv.quarter)
    rows = []
    for org_id, row in wide.iterrows():
        cells = [text_cell(row["org_name"])]
        cells += [kpi_cell(row[c], rv.kpi(c), str(org_id), rv.quarter) for c in codes]
        rows.append(cells)
    headers = ["机构", *[header(rv.kpi(c)) for c in codes]]
    return table(headers, rows, caption, highlight_first=True)


def _value(rv: Review, code: str, period: str | None, org_id: str | None = None) -> float | None:
    if period is None:
        return None
    df = rv.values([code], [period], [org_id or rv.org.org_id])
    return as_float(df["value"].iloc[0]) if len(df) else None


def _change(rv: Review, code: str, cur: float | None, base: float | None) -> str:
    return change_pp(cur, base) if rv.kpi(code).unit == "%" else change_pct(cur, base)


# ---- cover --------------------------------------------------------------------------------
def cover(rv: Review) -> list[Block]:
    months = rv.months
    lines = [
        f"<h2 style='margin-bottom:0.2em'>{html.escape(_org_title(rv))} · "
        f"{rv.quarter_zh}经营回顾</h2>",
        "<p class='amis-note'>"
        f"统计期间：{months[0]} 至 {months[-1]}（{len(months)} 个月）；"
        f"对比期：上季 {rv.prev_quarter or '无数据'}，去年同季 {rv.last_year_quarter or '无数据'}；"
        f"数据发布时间：{html.escape(rv.published_at)}；机构代码 {html.escape(rv.org.org_id)}，"
        f"下级机构 {len(rv.children)} 个（{html.escape(rv.child_level_name)}）。<br>"
        "口径：全部渠道；金额单位万元（件均保费、人均标保等人均/件均指标为元）；"
        "季度人力类指标为季均（三个月月均之平均），季初/季末为时点数；"
        "比率为本机构分子/分母，不对下级比率求平均；“—”表示无数据或分母为 0"
        "（如考核结果尚未下达、批次尚未到报告月）。红色数字为上升，绿色为下降。</p>",
    ]
    if rv.is_partial:
        lines.append(
            f"<div class='amis-banner'>注意：{rv.quarter_zh}仅载入 {len(months)} 个月，"
            "以下为季度至今数据，与完整季度不可直接比较。</div>"
        )
    return ["".join(lines)]


def _org_title(rv: Review) -> str:
    name, level = rv.org.org_name, rv.org.level_name_zh
    return name if name == level else f"{name}（{level}）"


# ---- 一、核心指标 --------------------------------------------------------------------------
def headline(rv: Review) -> list[Block]:
    periods = [p for p in (rv.quarter, rv.prev_quarter, rv.last_year_quarter) if p]
    long = rv.values(HEADLINE, periods, [rv.org.org_id])
    get = {(r.period, r.kpi_code): as_float(r.value) for r in long.itertuples()}
    rows = []
    for code in HEADLINE:
        kpi = rv.kpi(code)
        cur = get.get((rv.quarter, code))
        prev = get.get((rv.prev_quarter, code)) if rv.prev_quarter else None
        ly = get.get((rv.last_year_quarter, code)) if rv.last_year_quarter else None
        qoq, yoy = _change(rv, code, cur, prev), _change(rv, code, cur, ly)
        rows.append(
            [
                text_cell(header(kpi)),
                kpi_cell(cur, kpi, rv.org.org_id, rv.quarter),
                kpi_cell(prev, kpi, rv.org.org_id, rv.prev_quarter)
                if rv.prev_quarter
                else num_cell(DASH),
                num_cell(qoq, sign_css(qoq)),
                kpi_cell(ly, kpi, rv.org.org_id, rv.last_year_quarter)
                if rv.last_year_quarter
                else num_cell(DASH),
                num_cell(yoy, sign_css(yoy)),
            ]
        )
    headers = [
        "指标",
        f"本季 {rv.quarter}",
        f"上季 {rv.prev_quarter or ''}",
        "环比",
        f"去年同季 {rv.last_year_quarter or ''}",
        "同比",
    ]
    blocks: list[Block] = [_highlights(rv, get), table(headers, rows)]
    blocks.append(
        note(
            "环比/同比：比率类指标为百分点差，其余为变动率；红色为上升，绿色为下降"
            "（升降本身不代表好坏，如脱落人力上升为不利）。"
        )
    )
    return blocks


def _highlights(rv: Review, get: dict[tuple[str, str], float | None]) -> str:
    q, p, y = rv.quarter, rv.prev_quarter, rv.last_year_quarter
    premium = get.get((q, "new_premium"))
    items = [
        f"季末人力 {integer(get.get((q, 'headcount_end')))} 人，本季新增 "
        f"{integer(get.get((q, 'hires')))} 人、脱落 {integer(get.get((q, 'leavers')))} 人，"
        f"净增长率 {pct(get.get((q, 'net_growth_rate')))}。",
        f"活动率 {pct(get.get((q, 'activity_rate')))}"
        + (f"（上季 {pct(get.get((p, 'activity_rate')))}）" if p else "")
        + f"，有效人力（季均）{get.get((q, 'effective_manpower')) or 0:,.1f} 人。",
    ]
    text = f"新单保费 {wan(premium)} 万元"
    dec = rv.decomposition(p) if p else {}
    if p:
        text += f"，环比 {change_pct(premium, get.get((p, 'new_premium')))}"
    if y:
        text += f"，同比 {change_pct(premium, get.get((y, 'new_premium')))}"
    driver = dec.get(rv.org.org_id).driver if dec.get(rv.org.org_id) else None
    if driver:
        text += f"；环比变动的主要驱动因素为{FACTOR_ZH[driver]}"
    items.append(text + "。")
    lis = "".join(f"<li>{html.escape(t)}</li>" for t in items)
    style = "font-size:14px;color:#222"
    return f"<div class='amis-note' style='{style}'><b>本季要点</b><ul>{lis}</ul></div>"


# ---- 二、人力 ---------------------------------------------------------------------------
def manpower(rv: Review) -> list[Block]:
    months = rv.trend_months()
    series = rv.series(
        ["headcount_start", "headcount_end", "headcount_avg", "hires", "leavers"], months
    )
    blocks: list[Block] = [
        charts.manpower_trend(series, f"{rv.org.org_name} 月度人力走势（近 {len(months)} 个月）")
    ]
    blocks.append(
        _child_table(
            rv,
            MANPOWER,
            f"{rv.quarter_zh}人力发展（按{rv.child_level_name}）",
        )
    )
    if len(rv.children) > 1:
        frame = rv.child_series("headcount_end", months)
        names = dict(zip(rv.children["org_id"], rv.children["org_name"], strict=True))
        blocks.append(charts.child_lines(frame, names, f"各{rv.child_level_name}月末人力", "人"))
    return blocks


# ---- 三、活动率与预算 ------------------------------------------------------------------------
def activity_budget(rv: Review) -> list[Block]:
    blocks: list[Block] = [
        _child_table(
            rv,
            [
                "headcount_avg",
                "producing_manpower",
                "activity_rate",
                "effective_manpower",
                "effective_manpower_ratio",
                "supervisor_activity_rate",
                "attendance_rate",
            ],
            f"{rv.quarter_zh}活动率与有效人力（季均）",
        )
    ]
    budget = rv.budget()
    if budget.empty:
        blocks.append(note("本季无预算目标（BUDGET 未下达），不计算预算达成。"))
        return blocks
    indicators = list(dict.fromkeys(budget["indicator_code"]))
    rows = []
    for org_id in rv.org_ids:
        sub = budget[budget["org_id"] == org_id].set_index("indicator_code")
        for i, ind in enumerate(ind for ind in indicators if ind in sub.index):
            kpi = rv.kpi(ind)
            r = sub.loc[ind]
            disp = _budget_amount(kpi.unit, kpi.kind)
            value = as_float(r["value"])
            gap = (as_float(r["actual"]) or 0.0) - (as_float(r["target"]) or 0.0)
            rows.append(
                [
                    text_cell(rv.org_name(org_id) if i == 0 else ""),
                    text_cell(header(kpi)),
                    num_cell(disp(r["actual"])),
                    num_cell(disp(r["target"])),
                    num_cell(disp(gap, signed=True)),
                    Cell(
                        pct(value),
                        True,
                        str(r["kpi_code"]),
                        org_id,
                        rv.quarter,
                        "%",
                        css="" if value is not None and value >= 1 else "bad",
                    ),
                ]
            )
    blocks.append(
        table(
            ["机构", "预算指标", "实际", "目标", "差额", "完成率"],
            rows,
            f"{rv.quarter_zh}预算达成（人力为季均，保费为季累计）",
        )
    )
    att = budget.pivot_table(index="org_id", columns="indicator_code", values="value")
    att = att.reindex([i for i in rv.org_ids if i in att.index])
    att.index = [rv.org_name(i) for i in att.index]
    labels = {ind: rv.kpi(ind).name_zh for ind in indicators}
    blocks.append(
        charts.grouped_bars(att, labels, f"{rv.quarter_zh}预算完成率", percent=True, reference=1.0)
    )
    blocks.append(
        note(
            "橙色为未达成（完成率 < 100%）；首年标保的实际、目标与差额单位为万元，"
            "人力类为人（季均）。预算不可加总：上级目标为其自身的预算行。"
        )
    )
    return blocks


def _budget_amount(unit: str, kind: str):  # noqa: ANN202 - a formatter
    """Actual/target text: amounts in 万元 (header says so), manpower with one decimal."""

    def show(v: object, signed: bool = False) -> str:
        x = as_float(v)
        if x is None:
            return DASH
        if unit == "元" and kind == "amount":
            return signed_wan(x) if signed else wan(x)
        return f"{x:+,.1f}" if signed else f"{x:,.1f}"

    return show


# ---- 四、保费分解 ---------------------------------------------------------------------------
def premium(rv: Review) -> list[Block]:
    codes = ["new_premium", *[c for c, _ in FACTORS]]
    periods = [(rv.quarter, "本季"), (rv.prev_quarter, "上季"), (rv.last_year_quarter, "去年同季")]
    periods = [(p, label) for p, label in periods if p]
    long = rv.values(codes, [p for p, _ in periods], [rv.org.org_id])
    get = {(r.period, r.kpi_code): r.value for r in long.itertuples()}
    rows = []
    for code in codes:
        kpi = rv.kpi(code)
        rows.append(
            [text_cell(header(kpi))]
            + [kpi_cell(get.get((p, code)), kpi, rv.org.org_id, p) for p, _ in periods]
        )
    blocks: list[Block] = [
        table(
            ["因素", *[f"{label} {p}" for p, label in periods]],
            rows,
            f"{rv.org.org_name} 新单保费 = 人力（季均）× 活动率 × 人均件数 × 件均保费",
        )
    ]
    comparisons = [(p, label) for p, label in periods[1:]]
    decs = {p: rv.decomposition(p) for p, _ in comparisons}
    own = [(p, label, decs[p][rv.org.org_id]) for p, label in comparisons]
    drawable = [(p, label, d) for p, label, d in own if d.contributions]
    if drawable:
        bridges = [
            charts.Bridge(
                base=d.premium_base or 0.0,
                steps=[(FACTOR_ZH[c], v) for c, v in (d.contributions or {}).items()],
                current=d.premium_current or 0.0,
                base_label=f"{label}\n{p}",
                current_label=f"本季\n{rv.quarter}",
                title=f"较{label}：各因素贡献（万元）",
            )
            for p, label, d in drawable
        ]
        blocks.append(charts.premium_bridges(bridges))
    for p, label in comparisons:
        blocks.append(_decomposition_table(rv, decs[p], p, label))
    blocks.append(
        note(
            "分解方法：对数平均迪氏指数（LMDI），"
            "各因素贡献 = L(本期, 基期) × ln(因素本期/因素基期)，"
            "四项贡献之和恰等于新单保费变动额；任一因素为 0 或缺失时不做分解（—）。"
            "瀑布图纵轴未从 0 开始，以便看清各因素的增减。"
        )
    )
    return blocks


def _decomposition_table(rv: Review, decs: dict[str, Decomposition], base: str, label: str) -> str:
    headers = [
        "机构",
        f"{label}（万元）",
        "本季（万元）",
        "变动（万元）",
        "变动率",
        *[f"{zh}贡献（万元）" for _, zh in FACTORS],
        "主要驱动因素",
    ]
    rows = []
    for org_id in rv.org_ids:
        d = decs[org_id]
        change = signed_wan(d.change)
        cells = [
            text_cell(rv.org_name(org_id)),
            kpi_cell(d.premium_base, rv.kpi("new_premium"), org_id, base),
            kpi_cell(d.premium_current, rv.kpi("new_premium"), org_id, rv.quarter),
            num_cell(change, sign_css(change)),
            num_cell(change_pct(d.premium_current, d.premium_base)),
        ]
        for code, _ in FACTORS:
            v = (d.contributions or {}).get(code)
            text = signed_wan(v) if v is not None else DASH
            cells.append(num_cell(text, sign_css(text)))
        driver = d.driver
        if driver and d.contributions:
            arrow = "↑" if d.contributions[driver] >= 0 else "↓"
            cells.append(text_cell(f"{FACTOR_ZH[driver]}{arrow}"))
        else:
            cells.append(text_cell(DASH))
        rows.append(cells)
    return table(
        headers, rows, f"新单保费变动分解：本季 {rv.quarter} 较{label} {base}", highlight_first=True
    )


# ---- 五、晋升 ---------------------------------------------------------------------------
def promotion(rv: Review) -> list[Block]:
    blocks: list[Block] = [
        _child_table(
            rv,
            PROMOTION,
            f"{rv.quarter_zh}晋升与组织发展",
        )
    ]
    quarters = rv.trend_quarters()
    codes = PROMOTION_TREND
    long = rv.values(codes, quarters, [rv.org.org_id])
    frame = long.pivot_table(index="period", columns="kpi_code", values="value").reindex(
        index=quarters, columns=codes
    )
    frame.index = [f"{q[:4]}年Q{q[-1]}" for q in quarters]
    labels = {c: rv.kpi(c).name_zh for c in codes}
    blocks.append(
        charts.grouped_bars(frame, labels, f"{rv.org.org_name} 各季度晋升、晋组与降级", "人")
    )
    blocks.append(
        note(
            "晋组人数 = 晋升为业务主任（B01）的人数，每人组建一个新营业组；"
            "主管考核达标率 = 考核期结束于本季的主管中晋升或维持的比例。"
        )
    )
    return blocks


# ---- 六、转正与留存 -------------------------------------------------------------------------
def retention(rv: Review) -> list[Block]:
    codes = ["conversion_rate_3m", "retention_rate_7m", "retention_rate_13m"]
    long = rv.values(codes, [rv.quarter])
    rows = []
    for org_id in rv.org_ids:
        cells = [text_cell(rv.org_name(org_id))]
        for code in codes:
            r = long[(long["org_id"] == org_id) & (long["kpi_code"] == code)]
            num = r["numerator"].iloc[0] if len(r) else None
            den = r["denominator"].iloc[0] if len(r) else None
            cells.append(
                kpi_cell(r["value"].iloc[0] if len(r) else None, rv.kpi(code), org_id, rv.quarter)
            )
            cells.append(num_cell(f"{integer(num)}/{integer(den)}"))
        rows.append(cells)
    headers = ["机构"]
    for code in codes:
        headers += [rv.kpi(code).name_zh, "达成/考察人数"]
    blocks: list[Block] = [
        table(
            headers,
            rows,
            f"{rv.quarter_zh}新人转正与留存（本季报告的入司批次）",
            highlight_first=True,
        )
    ]
    curves = rv.retention_curves()
    if not curves.empty:
        blocks.append(charts.retention_curves(curves, f"{rv.org.org_name} 各入司季度留存曲线"))
    blocks.append(
        note(
            "三个月转正率：第 c 月入司者在第 c+3 月末前转正（职级 ≥ A02）的比例，于 c+3 月报告；"
            "七/十三个月留存率：第 c 月入司者在第 c+7 / c+13 月末仍在职（同一任职期）的比例。"
            "留存曲线按入司季度合并各月批次，只画出该季度所有批次均已观察到的月份。"
        )
    )
    return blocks


# ---- 七、品质 ---------------------------------------------------------------------------
def quality(rv: Review) -> list[Block]:
    blocks: list[Block] = []
    if rv.persistency_provisional():
        blocks.append(
            "<div class='amis-banner'>本季十三个月保费继续率含最近 2 个月的批次，"
            "宽限期内的续期保费可能尚未到账，数值为暂定。</div>"
        )
    blocks.append(
        _child_table(
            rv,
            QUALITY,
            f"{rv.quarter_zh}业务品质",
        )
    )
    months = rv.trend_months()
    codes = ["persistency_13m", "cooling_off_cancellation_ratio"]
    series = rv.series(codes, months)
    if series.notna().any().any():
        labels = {c: rv.kpi(c).name_zh for c in codes}
        blocks.append(charts.rate_panels(series, labels, f"{rv.org.org_name} 月度品质指标"))
    blocks.append(
        note(
            "十三个月保费继续率：第 c 月承保的年交长险（犹豫期撤单除外）"
            "在应交日 + 宽限期内实收的第二年保费 / 首年保费，于 c+12 月报告；"
            "犹豫期退保保费占比：第 c 月承保保单中犹豫期撤单的首年保费 / 全部首年保费（按承保月）。"
        )
    )
    return blocks


# ---- 八、考核预警 -------------------------------------------------------------------------
def warning(rv: Review, limit: int = 30) -> list[Block]:
    summary = rv.warning_summary()
    if summary.empty:
        return [note(f"{rv.quarter_zh}无考核预警数据（无 A02 及以上在职人员）。")]
    statuses = [s for s in WARNING_STATUS_ZH if s != "on_track" or rv.is_partial]
    total_row = summary[[*WARNING_STATUS_ZH, "total"]].sum()
    total_row["org_id"] = rv.org.org_id
    rows = []
    for r in [total_row, *[r for _, r in summary.iterrows()]]:
        share = r["at_risk"] / r["total"] if r["total"] else None
        rows.append(
            [
                text_cell(
                    rv.org_name(str(r["org_id"]))
                    if r is not total_row
                    else f"{rv.org.org_name}（合计）"
                )
            ]
            + [num_cell(integer(r[s]), "at_risk" if s == "at_risk" else "") for s in statuses]
            + [num_cell(integer(r["total"])), num_cell(pct(share))]
        )
    headers = ["机构", *[WARNING_STATUS_ZH[s] for s in statuses], "考核人数", "预警占比"]
    months = len(rv.months)
    blocks: list[Block] = [
        table(
            headers,
            rows,
            f"{rv.quarter_zh}考核预警（A02 及以上，季度 FYC 对照维持标准，已过 {months} 个月）",
            highlight_first=True,
        )
    ]
    frame = summary.set_index("org_id")[statuses]
    frame.index = [rv.org_name(str(i)) for i in frame.index]
    frame = frame.loc[:, frame.sum() > 0]
    blocks.append(charts.stacked_status(frame, WARNING_STATUS_ZH, "考核状态分布"))
    agents, total = rv.warning_list(limit)
    if total:
        rows = [
            [
                text_cell(a.agent_code),
                text_cell(a.agent_name_masked),
                text_cell(f"{a.grade_code} {a.grade_name_zh or ''}".strip()),
                text_cell(a.team_name),
                num_cell(_yuan(a.qtd_fyc)),
                num_cell(integer(a.threshold)),
                num_cell(_yuan(a.fyc_gap), "at_risk"),
            ]
            for a in agents.itertuples()
        ]
        shown = min(limit, total)
        blocks.append(
            table(
                [
                    "代理人编码",
                    "姓名",
                    "职级",
                    "所属营业组",
                    "季度累计FYC（元）",
                    "维持标准（元）",
                    "差额（元）",
                ],
                rows,
                f"预警名单：差额最小的 {shown} 人（共 {total:,} 人未达维持标准）",
            )
        )
        blocks.append(
            note(
                "完整名单：SELECT * FROM marts.mart_assessment_warning "
                f"WHERE quarter = '{rv.quarter}' AND org_l{rv.org.level} = "
                f"'{rv.org.org_id}' AND status = 'at_risk' ORDER BY fyc_gap;"
            )
        )
    return blocks


def _yuan(value: object) -> str:
    v = as_float(value)
    return DASH if v is None else f"{v:,.2f}"


# ---- 九、新老网点 -------------------------------------------------------------------------
def outlets(rv: Review) -> list[Block]:
    if rv.org.level > 5:
        return [note("新老网点对比按营业区（二元网点）统计，适用于营业区及以上机构。")]
    df = rv.outlet_stages()
    if df.empty:
        return [note(f"{rv.quarter_zh}无网点分阶段数据。")]
    cols = [
        ("headcount_end", "季末人力（人）", integer),
        ("headcount_avg", "季均人力（人）", lambda v: f"{as_float(v) or 0:,.1f}"),
        ("hires", "新增人力（人）", integer),
        ("leavers", "脱落人力（人）", integer),
        ("producing_manpower", "举绩人力（人）", lambda v: f"{as_float(v) or 0:,.1f}"),
        ("activity_rate", "活动率", pct),
        ("new_policies", "新单件数（件）", integer),
        ("new_premium", "新单保费（万元）", wan),
        (
            "policies_per_producer",
            "人均件数（件）",
            lambda v: DASH if as_float(v) is None else f"{as_float(v):.2f}",
        ),
        ("premium_per_policy", "件均保费（元）", integer),
        ("standard_premium_per_capita", "人均标保（元）", integer),
    ]
    stages = [OUTLET_STAGE_ZH.get(s, s) for s in df["outlet_stage"]]
    rows = [[text_cell(h)] + [num_cell(f(v)) for v in df[c]] for c, h, f in cols]
    blocks: list[Block] = [
        table(["指标", *stages], rows, f"{rv.org.org_name} {rv.quarter_zh}新设网点与已有网点对比")
    ]
    frame = df.set_index("outlet_stage")
    frame.index = [OUTLET_STAGE_ZH.get(i, i) for i in frame.index]
    blocks.append(charts.outlet_stage_bars(frame))
    blocks.append(
        note(
            "新设网点：二元网点（OutletType 1）成立后第 1–12 个月；已有网点：第 13 个月起；"
            "城区职场：OutletType 0。"
        )
    )
    return blocks


# ---- 十、排名 ---------------------------------------------------------------------------
def ranking(rv: Review) -> list[Block]:
    if len(rv.children) < 2:
        return [note(f"{rv.org.org_name}下级机构不足 2 个，不做排名。")]
    codes = [c for c, _ in RANKED]
    ids = rv.children["org_id"].tolist()
    wide = rv.wide(codes, rv.quarter, ids)
    ranks = {}
    for code, higher in RANKED:
        ranks[code] = wide[code].rank(ascending=not higher, method="min")
    caption = f"{rv.quarter_zh}各{rv.child_level_name}指标排名（数值 + 名次）"
    rows = []
    if len(ids) <= 8:  # KPIs down, orgs across: fits the page
        for code in codes:
            cells = [text_cell(header(rv.kpi(code)))]
            for org_id in ids:
                r = ranks[code].loc[org_id]
                rank = None if pd.isna(r) else int(r)
                value = wide.loc[org_id, code]
                cells.append(kpi_cell(value, rv.kpi(code), str(org_id), rv.quarter, rank=rank))
            rows.append(cells)
        headers = ["指标", *[rv.org_name(i) for i in ids]]
    else:
        for org_id, row in wide.iterrows():
            cells = [text_cell(row["org_name"])]
            for code in codes:
                r = ranks[code].loc[org_id]
                rank = None if pd.isna(r) else int(r)
                cells.append(kpi_cell(row[code], rv.kpi(code), str(org_id), rv.quarter, rank=rank))
            rows.append(cells)
        headers = ["机构", *[header(rv.kpi(c)) for c in codes]]
    return [
        table(headers, rows, caption),
        note("名次：脱落率与犹豫期退保保费占比越低越好，其余指标越高越好；缺失值不参与排名。"),
    ]


# ---- 附注 ---------------------------------------------------------------------------------
# ---- 附录：数据质量 -------------------------------------------------------------------------
FINDING_KIND_ZH = {
    "replayed_from_snapshots": "缺少人事变动记录，按人员快照推定",
    "snapshot_disagrees": "人员快照与人事变动记录不一致",
}
FINDING_FIELD_ZH = {"state": "在职状态", "team": "所属营业组", "grade": "职级"}
VALUE_ZH = {"in_service": "在职", "not_in_service": "不在职"}


def data_quality(rv: Review, limit: int = 50) -> list[Block]:
    """The findings about the source (marts.data_quality_findings) of the quarter, under the
    org: what the warehouse inferred from the snapshots and where they contradict the events."""
    counts, rows, total = rv.data_quality(limit)
    summary = rv.data_quality_summary()
    blocks: list[Block] = []
    replay = summary[summary["check_name"] == "replay_vs_snapshot"] if not summary.empty else None
    if replay is not None and not replay.empty:
        r = replay.iloc[0]
        blocks.append(
            note(
                f"全部历史：人员快照与人事变动记录不一致的人月 {integer(r['findings'])} 个，"
                f"占全部人月 {integer(r['population'])} 个的 {pct(as_float(r['share']))}"
                f"（发布阈值 {pct(as_float(r['threshold']))}，超过则暂停发布）。"
            )
        )
    if not total:
        blocks.append(note(f"{rv.quarter_zh}{rv.org.org_name}无数据质量问题记录。"))
        return blocks
    summary_rows = [
        [
            text_cell(FINDING_KIND_ZH.get(str(c.kind), str(c.kind))),
            text_cell(FINDING_FIELD_ZH.get(str(c.field), str(c.field))),
            num_cell(integer(c.findings)),
            num_cell(integer(c.agents)),
        ]
        for c in counts.itertuples()
    ]
    blocks.append(
        table(
            ["问题类别", "字段", "记录数", "涉及人数"],
            summary_rows,
            f"{rv.quarter_zh}数据质量问题（{rv.org.org_name}）",
        )
    )
    detail_rows = [
        [
            text_cell(r.agent_code),
            text_cell(r.month),
            text_cell(FINDING_KIND_ZH.get(str(r.kind), str(r.kind))),
            text_cell(FINDING_FIELD_ZH.get(str(r.field), str(r.field))),
            text_cell(VALUE_ZH.get(str(r.snapshot_value), str(r.snapshot_value or DASH))),
            text_cell(VALUE_ZH.get(str(r.replayed_value), str(r.replayed_value or DASH))),
            Cell(str(r.detail), css="wrap"),
        ]
        for r in rows.itertuples()
    ]
    shown = min(limit, total)
    blocks.append(
        table(
            ["代理人编码", "月份", "问题类别", "字段", "快照值", "重演值", "说明"],
            detail_rows,
            f"问题明细：前 {shown} 条（共 {total:,} 条）",
        )
    )
    blocks.append(
        note(
            "完整清单：SELECT * FROM marts.data_quality_findings WHERE "
            f"org_l{rv.org.level} = '{rv.org.org_id}' ORDER BY month; 请 AMIS 补录缺失的人事变动。"
        )
    )
    return blocks


def glossary(rv: Review) -> list[Block]:
    used = list(
        dict.fromkeys(
            [
                *HEADLINE,
                *[c for c, _ in RANKED],
                "headcount_start",
                "transfers_in",
                "transfers_out",
                "recruitment_rate",
                "producing_manpower",
                "supervisor_activity_rate",
                "attendance_rate",
                "promotions",
                "promotions_to_supervisor",
                "promotion_rate_to_supervisor",
                "team_formation_rate",
                "demotions",
                "supervisors",
                "supervisor_pass_rate",
                "retention_rate_7m",
            ]
        )
    )
    rows = [
        [
            text_cell(rv.kpi(c).name_zh),
            text_cell(c),
            text_cell(rv.kpi(c).name_en),
            text_cell(rv.kpi(c).unit),
            Cell(rv.kpi(c).definition, css="wrap"),
        ]
        for c in used
    ]
    return [table(["指标", "代码", "English", "单位", "定义（kpi_catalogue）"], rows, "指标口径")]
