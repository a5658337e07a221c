"""The review pack's charts (matplotlib, Chinese labels in Noto Sans SC)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

from amisdw.report.fonts import use_cjk_font  # noqa: E402

PALETTE = ["#1f4e79", "#e07b39", "#2a9d8f", "#7d5ba6", "#c9a227", "#8c8c8c", "#5b8fc9", "#a0522d"]
GOOD, BAD, NEUTRAL = "#4a9c5d", "#b22222", "#c9a227"
UP, DOWN = "#c0392b", "#2e8b57"  # 红涨绿跌, as in the tables


def setup() -> None:
    """Fonts and a quiet house style; call once before drawing."""
    use_cjk_font()
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.color": "#e3e7ec",
            "grid.linewidth": 0.8,
            "axes.axisbelow": True,
            "axes.titlesize": 13,
            "axes.titleweight": "normal",  # Noto Sans SC ships Regular only
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 10,
            "legend.frameon": False,
            "axes.prop_cycle": plt.cycler(color=PALETTE),
        }
    )


def png(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (tight bounding box); the figure is closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return buffer.getvalue()


def month_ticks(labels: Sequence[str]) -> list[str]:
    """Short Chinese month labels: 3月, with the year under January and the first month."""
    ticks = []
    for i, label in enumerate(labels):
        month = int(label[5:7])
        ticks.append(f"{month}月\n{label[:4]}年" if i == 0 or month == 1 else f"{month}月")
    return ticks


def _percent_axis(ax: Axes, decimals: int = 0) -> None:
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=decimals))


def _count_axis(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _wan_axis(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 10_000:,.0f}"))


def manpower_trend(series: pd.DataFrame, title: str) -> Figure:
    """月初/月末/月均 lines over bars of 新增 / 脱落 per month."""
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(10, 5.6), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    x = np.arange(len(series))
    for code, label, style in (
        ("headcount_start", "月初人力", "--"),
        ("headcount_end", "月末人力", "-"),
        ("headcount_avg", "月均人力", ":"),
    ):
        top.plot(x, series[code], style, marker="o", markersize=3.5, label=label, linewidth=1.8)
    top.set_ylabel("人")
    top.set_title(title)
    top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _count_axis(top)
    width = 0.38
    bottom.bar(x - width / 2, series["hires"], width, label="新增人力", color=PALETTE[0])
    bottom.bar(x + width / 2, series["leavers"], width, label="脱落人力", color=PALETTE[1])
    bottom.set_ylabel("人")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _count_axis(bottom)
    bottom.set_xticks(x, month_ticks(list(series.index)), rotation=0)
    fig.tight_layout()
    return fig


def child_lines(
    frame: pd.DataFrame, names: dict[str, str], title: str, ylabel: str, percent: bool = False
) -> Figure:
    """One line per child org over months (frame: index month, one column per org)."""
    fig, ax = plt.subplots(figsize=(10, 3.8))
    x = np.arange(len(frame))
    for col in frame.columns:
        ax.plot(x, frame[col], marker="o", markersize=3, linewidth=1.6, label=names.get(col, col))
    ax.set_xticks(x, month_ticks(list(frame.index)))
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if percent:
        _percent_axis(ax)
    else:
        _count_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def grouped_bars(
    frame: pd.DataFrame,
    labels: dict[str, str],
    title: str,
    ylabel: str = "",
    percent: bool = False,
    reference: float | None = None,
) -> Figure:
    """Grouped bars: one group per row (index = category label), one bar per column."""
    fig, ax = plt.subplots(figsize=(10, 3.8))
    n = max(len(frame.columns), 1)
    width = 0.8 / n
    x = np.arange(len(frame))
    for i, col in enumerate(frame.columns):
        values = frame[col].astype(float)
        bars = ax.bar(x + (i - (n - 1) / 2) * width, values, width, label=labels.get(col, col))
        for rect, v in zip(bars, values, strict=True):
            if np.isfinite(v):
                text = f"{v * 100:.0f}%" if percent else f"{v:,.0f}"
                ax.annotate(
                    text,
                    (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=8.5,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
    if reference is not None:
        ax.axhline(
            reference,
            color=BAD,
            linewidth=1.2,
            linestyle="--",
            label="目标 100%" if percent else f"{reference:,.0f}",
        )
    ax.set_xticks(x, list(frame.index))
    ax.set_title(title)
    if ylabel:
        ax.set_ylabel(ylabel)
    if percent:
        _percent_axis(ax)
    else:
        _count_axis(ax)
    ax.margins(y=0.15)
    if len(frame.columns) > 1 or reference is not None:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def waterfall(
    ax: Axes,
    base: float,
    steps: list[tuple[str, float]],
    current: float,
    base_label: str,
    current_label: str,
    title: str,
) -> None:
    """Premium bridge: base bar, one floating bar per factor, current bar (yuan, shown 万元)."""
    labels = [base_label, *[s for s, _ in steps], current_label]
    bottoms, heights, colors = [0.0], [base], [PALETTE[0]]
    level = base
    for _, delta in steps:
        bottoms.append(level if delta >= 0 else level + delta)
        heights.append(abs(delta))
        colors.append(UP if delta >= 0 else DOWN)
        level += delta
    bottoms.append(0.0)
    heights.append(current)
    colors.append(PALETTE[0])
    x = np.arange(len(labels))
    ax.bar(x, heights, bottom=bottoms, color=colors, width=0.6)
    for i, (b, h) in enumerate(zip(bottoms, heights, strict=True)):
        if 0 < i < len(labels) - 1:
            delta = steps[i - 1][1]
            text = f"{delta / 10_000:+,.1f}"
        else:
            text = f"{h / 10_000:,.1f}"
        ax.annotate(
            text,
            (i, b + h),
            ha="center",
            va="bottom",
            fontsize=9,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.set_xticks(x, labels)
    ax.set_title(title)
    ax.set_ylabel("新单保费（万元）")
    _wan_axis(ax)
    low = min(b for b in bottoms[1:-1]) if len(bottoms) > 2 else 0.0
    top = max(b + h for b, h in zip(bottoms, heights, strict=True))
    ax.set_ylim(max(0.0, low - (top - low) * 0.6), top * 1.08)


@dataclass(frozen=True)
class Bridge:
    """One premium bridge: the base period's premium, each factor's contribution (label,
    yuan) and the current premium, with the bars' labels and the panel's title."""

    base: float
    steps: list[tuple[str, float]]
    current: float
    base_label: str
    current_label: str
    title: str


def premium_bridges(bridges: Sequence[Bridge]) -> Figure:
    """Premium bridges side by side, one waterfall panel per comparison period."""
    fig, axes = plt.subplots(1, len(bridges), figsize=(10, 4.2), squeeze=False)
    for ax, b in zip(axes[0], bridges, strict=True):
        waterfall(ax, b.base, b.steps, b.current, b.base_label, b.current_label, b.title)
    fig.tight_layout()
    return fig


def outlet_stage_bars(frame: pd.DataFrame) -> Figure:
    """活动率 and 人均标保 side by side, one labelled bar per outlet stage (frame: index the
    stage's label, columns ``activity_rate`` and ``standard_premium_per_capita``)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.4))
    for ax, col, title, fmt in (
        (a, "activity_rate", "活动率", "{:.1%}"),
        (b, "standard_premium_per_capita", "人均标保（元）", "{:,.0f}"),
    ):
        values = frame[col].astype(float)
        bars = ax.bar(list(frame.index), values, color=PALETTE[: len(frame)])
        for rect, v in zip(bars, values, strict=True):
            ax.annotate(
                fmt.format(v),
                (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                ha="center",
                va="bottom",
                fontsize=9,
            )
        ax.set_title(title)
        ax.margins(y=0.15)
    _percent_axis(a)
    _count_axis(b)
    fig.tight_layout()
    return fig


def retention_curves(curves: pd.DataFrame, title: str) -> Figure:
    """One retention curve per hire quarter (share still in service by months after hire),
    with the 3rd, 7th and 13th months marked."""
    fig, ax = plt.subplots(figsize=(10, 4.2))
    for hire_quarter, g in curves.groupby("hire_quarter"):
        size = int(g.loc[g["months_after_hire"] == 0, "cohort_size"].sum())
        ax.plot(
            g["months_after_hire"],
            g["share"],
            marker="o",
            markersize=3,
            linewidth=1.7,
            label=f"{str(hire_quarter)[:4]}年Q{str(hire_quarter)[-1]}入司（{size}人）",
        )
    for k in (3, 7, 13):
        ax.axvline(k, color="#999", linewidth=0.8, linestyle=":")
        ax.annotate(f"第{k}月", (k, 1.02), ha="center", fontsize=9, color="#666")
    ax.set_xlabel("入司后月数")
    ax.set_ylabel("在职比例")
    ax.set_ylim(0, 1.08)
    _percent_axis(ax)
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def rate_panels(series: pd.DataFrame, labels: dict[str, str], title: str) -> Figure:
    """One small panel per rate (rates of different magnitude keep their own axis)."""
    n = len(series.columns)
    fig, axes = plt.subplots(1, n, figsize=(10, 3.4), squeeze=False)
    x = np.arange(len(series))
    for i, (ax, col) in enumerate(zip(axes[0], series.columns, strict=True)):
        values = series[col].astype(float)
        ax.plot(x, values, marker="o", markersize=3.5, linewidth=1.8, color=PALETTE[i])
        ax.set_xticks(x, month_ticks(list(series.index)), fontsize=8)
        finite = values.dropna()
        _percent_axis(ax, decimals=1 if len(finite) and finite.max() < 0.1 else 0)
        ax.set_title(labels[col], fontsize=12)
        if values.notna().sum() == 0:
            ax.annotate("本期间尚无报告值", (0.5, 0.5), xycoords="axes fraction", ha="center")
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return fig


def stacked_status(frame: pd.DataFrame, labels: dict[str, str], title: str) -> Figure:
    """Horizontal stacked bars of agents by status per org (frame: index org name)."""
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(frame) + 1.6))
    left = np.zeros(len(frame))
    colors = {"secured": GOOD, "on_track": NEUTRAL, "at_risk": BAD}
    y = np.arange(len(frame))
    for col in frame.columns:
        values = frame[col].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=colors.get(col), label=labels.get(col, col))
        for yi, (lv, v) in enumerate(zip(left, values, strict=True)):
            if v > 0:
                ax.annotate(
                    f"{v:,.0f}",
                    (lv + v / 2, yi),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white",
                )
        left += values
    ax.set_yticks(y, list(frame.index))
    ax.invert_yaxis()
    ax.set_xlabel("人")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig
