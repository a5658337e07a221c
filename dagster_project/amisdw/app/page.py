"""The drill-down page (``amisdw app``): one org at a time, from the start org down to a team.

Run by ``amisdw app`` as ``streamlit run page.py -- --warehouse FILE [--org ID]`` (under
Streamlit's AppTest the test sets ``sys.argv``); without ``--warehouse``, the settings' file.

State lives in ``st.session_state`` and is mirrored into the URL (``?org=…&pt=…&period=…&kpis=…
&rank=…``), so a link opens the same view. An org from the URL outside the start org's subtree is
refused. Every query goes through :mod:`amisdw.app.data`: each batch opens the published file
read-only and closes it; the cache is keyed on the file's inode/mtime/size (and expires after
``CACHE_SECONDS``), so a new published version is shown on the next interaction and the page
never holds the file open while ``amisdw run`` renames a new one over it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from amisdw.app import data
from amisdw.readers.catalogue import describe
from amisdw.readers.warehouse import WarehouseError, find_org

CACHE_SECONDS = 300
# widget keys that are the page's state: Streamlit forgets a widget's value in a run that does
# not draw it, so main() hands each value on (the ranking's widgets are not drawn at a team)
WIDGET_STATE = ("pt", "period", "trend_kpis", "rank_kpi", "rank_desc")
WARNING_LIMIT = 50


# ---- configuration --------------------------------------------------------------------------
def _config() -> tuple[Path, str | None]:
    """(warehouse, start org) from the script's arguments (``streamlit run page.py -- …``);
    without ``--warehouse``, the settings' published file (the one place reading the
    environment)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--warehouse")
    parser.add_argument("--org")
    args, _ = parser.parse_known_args(sys.argv[1:])
    warehouse = args.warehouse
    if not warehouse:
        from amisdw.settings import Settings

        warehouse = str(Settings.from_env().published)
    return Path(warehouse).expanduser().resolve(), args.org or None


# ---- cached query batches (one read-only connection each) -----------------------------------
@st.cache_data(ttl=CACHE_SECONDS, max_entries=32, show_spinner=False)
def load_base(path: str, stamp: Any, root: str | None) -> dict[str, Any]:
    with data.reading(Path(path)) as con:
        scope = data.start_scope(con, root)
        cat = data.catalogue(con)
        codes = data.kpi_codes(con, cat)
        return {
            "scope": scope,
            "periods": data.periods(con),
            "labels": data.period_labels_zh(con),
            "codes": codes,
            "names": {c: data.kpi_label(describe(c, cat)) for c in codes},
            "definitions": data.definitions(con),
            "published_at": data.published_at(con),
        }


@st.cache_data(ttl=CACHE_SECONDS, max_entries=256, show_spinner=False)
def load_view(
    path: str, stamp: Any, root: str | None, org_id: str, pt: str, period: str
) -> dict[str, Any]:
    with data.reading(Path(path)) as con:
        scope = data.start_scope(con, root)
        org = find_org(con, org_id)
        month = data.last_month(con, pt, period)
        quarter = data.warning_quarter(con, pt, period)
        summary, agents, total = None, None, 0
        if quarter:
            summary = data.warning_summary(con, org, quarter)
            agents, total = data.warning_list(con, org, quarter, WARNING_LIMIT)
        return {
            "org": org,
            "path": data.org_path(con, org_id, scope, month),
            "children": data.children(con, org_id, pt, period, scope),
            "child_level": data.child_level_name(con, org),
            "kpis": data.kpi_table(con, org_id, pt, period),
            "months": data.period_months(con, pt, period),
            "partial": data.is_partial(con, pt, period),
            "comparison": data.comparison_periods(pt, period),
            "warning_quarter": quarter,
            "warning_summary": summary,
            "warning_list": agents,
            "warning_total": total,
        }


@st.cache_data(ttl=CACHE_SECONDS, max_entries=256, show_spinner=False)
def load_trend(
    path: str, stamp: Any, org_id: str, pt: str, period: str, codes: tuple[str, ...]
) -> pd.DataFrame:
    with data.reading(Path(path)) as con:
        return data.trend(con, org_id, pt, list(codes), upto=period)


@st.cache_data(ttl=CACHE_SECONDS, max_entries=256, show_spinner=False)
def load_ranking(
    path: str,
    stamp: Any,
    root: str | None,
    org_id: str,
    pt: str,
    period: str,
    code: str,
    ascending: bool,
) -> pd.DataFrame:
    with data.reading(Path(path)) as con:
        scope = data.start_scope(con, root)
        return data.ranking(con, org_id, pt, period, code, scope, ascending)


# ---- state ----------------------------------------------------------------------------------
def _init_state(base: dict[str, Any]) -> None:
    """The view a session opens with: the URL's (when valid and in scope), else the defaults."""
    scope, periods, codes = base["scope"], base["periods"], base["codes"]
    qp = st.query_params
    ss = st.session_state
    org = qp.get("org")
    if org and not data.in_scope(scope, org):
        ss["notice"] = (
            f"机构 {org} 不在可查看范围内（{scope.org.org_name} 及其下级机构），已显示 "
            f"{scope.org.org_name}。"
        )
        org = None
    ss["org"] = org or scope.org.org_id
    pt = qp.get("pt")
    ss["pt"] = pt if pt in data.PERIOD_TYPES and periods.get(pt) else "M"
    period = qp.get("period")
    ss["period"] = period if period in periods[ss["pt"]] else periods[ss["pt"]][-1]
    wanted = [c for c in (qp.get("kpis") or "").split(",") if c in codes]
    ss["trend_kpis"] = wanted or [c for c in data.DEFAULT_TREND_CODES if c in codes]
    rank = qp.get("rank")
    ss["rank_kpi"] = rank if rank in codes else data.DEFAULT_RANKING_CODE
    ss["rank_desc"] = qp.get("order") != "asc"
    ss["nav"] = 0


def _keep_state_valid(base: dict[str, Any]) -> None:
    """After a new version was published (or rolled back) the chosen period or org may be gone."""
    ss, periods = st.session_state, base["periods"]
    if ss["pt"] not in data.PERIOD_TYPES or not periods.get(ss["pt"]):
        ss["pt"] = "M"
    if ss["period"] not in periods[ss["pt"]]:
        ss["period"] = periods[ss["pt"]][-1]
    if not data.in_scope(base["scope"], ss["org"]):
        ss["org"] = base["scope"].org.org_id


def _go(org_id: str) -> None:
    if data.in_scope(st.session_state["scope"], org_id):
        st.session_state["org"] = org_id
        st.session_state["nav"] += 1  # fresh widget keys: no stale selection follows the user


def _on_drill() -> None:
    chosen = st.session_state.get("drill")
    st.session_state["drill"] = None
    if chosen:
        _go(chosen)


def _on_period_type() -> None:
    """From 2023-05 to 季度 shows 2023Q2, not the latest quarter."""
    ss = st.session_state
    ss["period"] = data.convert_period(ss["period"], ss["shown_pt"], ss["pt"], ss["periods"])


def _on_rank_select(key: str, org_ids: list[str]) -> None:
    rows = st.session_state[key].selection.rows
    if rows:
        _go(org_ids[rows[0]])


def _sync_url() -> None:
    ss = st.session_state
    st.query_params.from_dict(
        {
            "org": ss["org"],
            "pt": ss["pt"],
            "period": ss["period"],
            "kpis": ",".join(ss["trend_kpis"]),
            "rank": ss["rank_kpi"],
            "order": "desc" if ss["rank_desc"] else "asc",
        }
    )


# ---- sections -------------------------------------------------------------------------------
def _sidebar(base: dict[str, Any], path: Path) -> None:
    labels, periods = base["labels"], base["periods"]
    scope = base["scope"]
    with st.sidebar:
        st.header("amisdw 机构下钻")
        st.radio(
            "周期类型",
            [p for p in data.PERIOD_TYPES if periods.get(p)],
            format_func=lambda p: data.PERIOD_TYPES[p],
            key="pt",
            horizontal=True,
            on_change=_on_period_type,
        )
        st.selectbox(
            "周期",
            list(reversed(periods[st.session_state["pt"]])),
            format_func=lambda p: labels.get(p, p),
            key="period",
        )
        st.divider()
        st.caption(f"可查看范围：{scope.org.org_name}（{scope.org.org_id}）及其下级机构")
        st.caption(f"数据版本：{base['published_at'] or '—'} 发布")
        st.caption(f"数据文件：{path}")
        st.caption("口径：全部渠道；金额单位万元，人均金额单位元，比率单位 %。")


def _breadcrumb(view: dict[str, Any]) -> None:
    path: list[Any] = view["path"]
    if len(path) < 2:
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        for i, org in enumerate(path):
            if i:
                st.markdown("›")
            if org.org_id == view["org"].org_id:
                st.markdown(f"**{org.org_name}**")
            else:
                st.button(
                    org.org_name,
                    key=f"crumb_{org.org_id}_{st.session_state['nav']}",
                    on_click=_go,
                    args=(org.org_id,),
                    type="tertiary",
                    help=f"回到{org.level_name_zh} {org.org_name}（{org.org_id}）",
                )


def _header(base: dict[str, Any], view: dict[str, Any]) -> None:
    org = view["org"]
    period = st.session_state["period"]
    label = base["labels"].get(period, period)
    st.title(f"{org.org_name}")
    months = view["months"]
    partial = (
        f" · 截至 {months[-1]}（已载入 {len(months)} 个月，流量为期内累计）"
        if view["partial"] and months
        else ""
    )
    st.caption(f"{org.level_name_zh} · 机构代码 {org.org_id} · {label}{partial}")
    if st.session_state.get("notice"):
        st.warning(st.session_state.pop("notice"))
    kids: pd.DataFrame = view["children"]
    if not kids.empty:
        ids = kids["org_id"].tolist()
        # with the code: team names repeat across a province (天马组, 希望组 …)
        names = {i: f"{n}（{i}）" for i, n in zip(ids, kids["org_name"], strict=True)}
        st.selectbox(
            f"进入下级{view['child_level']}（{len(ids)} 个）",
            ids,
            index=None,
            format_func=lambda i: names.get(i, i),
            placeholder=f"选择{view['child_level']}…",
            key="drill",
            on_change=_on_drill,
        )
    elif org.level < 7:
        st.caption(f"{label}无下级机构数据。")


def _headline(view: dict[str, Any]) -> None:
    table: pd.DataFrame = view["kpis"]
    rows = table.set_index("kpi_code")
    codes = [c for c in data.HEADLINE_CODES if c in rows.index]
    if not codes:
        return
    cols = st.columns(len(codes))
    basis = "同比" if st.session_state["pt"] == "Y" else "环比"
    for col, code in zip(cols, codes, strict=True):
        r = rows.loc[code]
        change = r["yoy"] if basis == "同比" else r["mom"]
        unit = f"（{r['unit']}）" if r["unit"] and r["unit"] != "%" else ""
        col.metric(
            f"{r['name_zh']}{unit}",
            r["value_text"],
            delta=None if change == "—" else f"{basis} {change}",
            delta_color="inverse" if code in INVERSE_CODES else "normal",
            border=True,
        )


# a rise of these is bad news: shown red
INVERSE_CODES = frozenset({"leavers", "attrition_rate", "transfers_out", "demotions"})


def _kpi_tab(view: dict[str, Any]) -> None:
    table: pd.DataFrame = view["kpis"]
    previous, year_ago = view["comparison"]
    labels = st.session_state["labels"]
    pt = st.session_state["pt"]
    bases = []
    if previous:
        bases.append(f"上期 = {labels.get(previous, previous)}")
    bases.append(f"去年同期 = {labels.get(year_ago, year_ago)}")
    st.caption(
        "；".join(bases)
        + "。比率的变化以百分点计，其他指标以变化率计；— 表示无数据或分母为 0。"
        + "定义见“指标说明”。"
    )
    with st.container(key="kpi_table"):
        st.table(data.kpi_table_display(table, pt), hide_index=True)


def _trend_tab(base: dict[str, Any], path: Path, stamp: Any) -> None:
    names = base["names"]
    ss = st.session_state
    chosen = st.multiselect(
        "指标", base["codes"], format_func=lambda c: names.get(c, c), key="trend_kpis"
    )
    if not chosen:
        st.info("选择一个或多个指标查看走势。")
        return
    df = load_trend(str(path), stamp, ss["org"], ss["pt"], ss["period"], tuple(chosen))
    order = list(dict.fromkeys(df["period"]))
    labels = base["labels"]
    df = df.assign(周期=df["period"].map(lambda p: labels.get(p, p)))
    order_zh = [labels.get(p, p) for p in order]
    cols = st.columns(2)
    for i, code in enumerate(chosen):
        one = df[df["kpi_code"] == code]
        title = names.get(code, code)
        chart = (
            alt.Chart(one, title=title)
            .mark_line(point=True)
            .encode(
                x=alt.X("周期:N", sort=order_zh, title=None, axis=alt.Axis(labelAngle=-45)),
                y=alt.Y("shown:Q", title=title, scale=alt.Scale(zero=False)),
                tooltip=[alt.Tooltip("周期:N"), alt.Tooltip("shown:Q", title=title, format=",.2f")],
            )
            .properties(height=260)
        )
        cols[i % 2].altair_chart(chart, width="stretch")


def _ranking_tab(base: dict[str, Any], view: dict[str, Any], path: Path, stamp: Any) -> None:
    ss = st.session_state
    kids: pd.DataFrame = view["children"]
    if kids.empty:
        st.info(f"{view['org'].org_name} 没有下级机构可排名。")
        return
    names = base["names"]
    left, right = st.columns([3, 1])
    code = left.selectbox(
        "排名指标", base["codes"], format_func=lambda c: names.get(c, c), key="rank_kpi"
    )
    right.toggle("从高到低", key="rank_desc")
    df = load_ranking(
        str(path), stamp, ss["root"], ss["org"], ss["pt"], ss["period"], code, not ss["rank_desc"]
    )
    title = names.get(code, code)
    st.caption(
        f"{view['org'].org_name} 的 {len(df)} 个下级{view['child_level']}，点击一行进入该机构。"
    )
    key = f"rank_{ss['nav']}_{code}"
    st.dataframe(
        pd.DataFrame({"排名": df["rank"], "机构": df["label"], title: df["shown"]}),
        hide_index=True,
        column_config={
            "排名": st.column_config.NumberColumn(format="%d", width="small"),
            title: st.column_config.NumberColumn(format=_number_format(title)),
        },
        on_select=lambda: _on_rank_select(key, df["org_id"].tolist()),
        selection_mode="single-row",
        key=key,
    )
    bars = df.dropna(subset=["shown"])
    if not bars.empty:
        chart = (
            alt.Chart(bars)
            .mark_bar()
            .encode(
                y=alt.Y("label:N", sort=None, title=None),
                x=alt.X("shown:Q", title=title),
                tooltip=[
                    alt.Tooltip("label:N", title="机构"),
                    alt.Tooltip("value_text:N", title=title),
                ],
            )
            .properties(height=max(120, 28 * len(bars)))
        )
        st.altair_chart(chart, width="stretch")


def _number_format(label: str) -> str:
    if label.endswith("（%）"):
        return "%.1f%%"
    if label.endswith("（万元）"):
        return "%,.2f"
    return "%,.1f" if "均" in label else "%,.0f"


def _warning_tab(view: dict[str, Any]) -> None:
    quarter = view["warning_quarter"]
    summary: pd.DataFrame | None = view["warning_summary"]
    if not quarter or summary is None or summary["n"].sum() == 0:
        st.info("本期无考核预警数据（无 A02 及以上在职人员）。")
        return
    label = st.session_state["labels"].get(quarter, quarter)
    assessed = int(summary["n"].sum())
    counts = dict(zip(summary["status"], summary["n"], strict=True))
    st.caption(
        f"{label}：A02 及以上在职人员的季度累计 FYC 对照职级维持标准（考核预警名单按季度，"
        "差额最小的在前）。姓名已脱敏。"
    )
    cols = st.columns(4)
    cols[0].metric("考核人数", f"{assessed:,}", border=True)
    for col, status in zip(cols[1:], data.WARNING_STATUS_ZH, strict=True):
        col.metric(data.WARNING_STATUS_ZH[status], f"{counts.get(status, 0):,}", border=True)
    total = view["warning_total"]
    agents: pd.DataFrame = view["warning_list"]
    if total:
        st.markdown(
            f"**预警名单**：共 {total:,} 人未达维持标准"
            + (f"，显示差额最小的 {len(agents)} 人" if total > len(agents) else "")
        )
        st.dataframe(data.warning_display(agents), hide_index=True)


def _definitions_tab(base: dict[str, Any]) -> None:
    st.caption("指标口径来自 KPI 目录（dbt seed kpi_catalogue.csv，发布为 marts.dim_kpi）。")
    st.table(base["definitions"], hide_index=True)


# Chinese may break after any character: in a narrow table column 月末人力 would stand one
# character a line. keep-all breaks Chinese only where English would break (spaces, punctuation).
STYLE = """<style>
[data-testid="stTableStyledTable"] th, [data-testid="stTableStyledTable"] th *,
[data-testid="stTableStyledTable"] td, [data-testid="stTableStyledTable"] td * {
  word-break: keep-all !important;
}
/* the KPI table's figures (本期 … 分子 / 分母) line up on the right */
.st-key-kpi_table td:nth-child(n+5), .st-key-kpi_table th:nth-child(n+5) {
  text-align: right !important;
  white-space: nowrap;
}
</style>"""


# ---- the page -------------------------------------------------------------------------------
def main() -> None:
    st.set_page_config(page_title="amisdw 机构下钻", page_icon="📊", layout="wide")
    st.html(STYLE)
    path, root = _config()
    stamp = data.file_stamp(path)
    try:
        base = load_base(str(path), stamp, root)
    except WarehouseError as exc:
        st.title("amisdw 机构下钻")
        st.error(str(exc))
        st.stop()
    ss = st.session_state
    if "org" not in ss or ss.get("root") != root:
        _init_state(base)
    for key in WIDGET_STATE:  # keep a widget's value while its tab shows no widget (at a team)
        if key in ss:
            ss[key] = ss[key]
    ss["root"], ss["scope"] = root, base["scope"]
    ss["periods"], ss["labels"] = base["periods"], base["labels"]
    _keep_state_valid(base)
    ss["shown_pt"] = ss["pt"]  # the period type of the period in view (for _on_period_type)
    _sidebar(base, path)
    try:
        view = load_view(str(path), stamp, root, ss["org"], ss["pt"], ss["period"])
    except WarehouseError as exc:
        st.error(str(exc))
        st.stop()
    _breadcrumb(view)
    _header(base, view)
    if view["kpis"].empty:
        label = ss["labels"].get(ss["period"], ss["period"])
        st.info(f"{view['org'].org_name} 在 {label} 没有数据（该机构当时未设立或已撤销）。")
    else:
        _headline(view)
        tabs = st.tabs(["核心指标", "趋势", "下级排名", "考核预警", "指标说明"])
        with tabs[0]:
            _kpi_tab(view)
        with tabs[1]:
            _trend_tab(base, path, stamp)
        with tabs[2]:
            _ranking_tab(base, view, path, stamp)
        with tabs[3]:
            _warning_tab(view)
        with tabs[4]:
            _definitions_tab(base)
    _sync_url()


main()
