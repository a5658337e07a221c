"""The review pack's pure parts: quarters, parameter injection, the premium decomposition,
number display, and the CJK font (no missing-glyph warnings when drawing Chinese)."""

from __future__ import annotations

import io
import math
import warnings

import nbformat
import pytest

from amisdw.readers.catalogue import load_catalogue
from amisdw.readers.kpi import parse_codes
from amisdw.report.decompose import FACTOR_CODES, decompose, log_mean
from amisdw.report.fmt import display_of
from amisdw.report.params import (
    INJECTED_TAG,
    inject_parameters,
    parameters_source,
    quarter_months,
    shift_quarter,
)


def test_quarter_arithmetic() -> None:
    assert shift_quarter("2024Q1", -1) == "2023Q4"
    assert shift_quarter("2024Q1", -4) == "2023Q1"
    assert shift_quarter("2023Q4", 1) == "2024Q1"
    assert quarter_months("2024Q2") == ["2024-04", "2024-05", "2024-06"]
    with pytest.raises(ValueError):
        shift_quarter("2024-03", 1)


def test_parameters_are_injected_after_the_parameters_cell() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_code_cell("quarter = None"),
        nbformat.v4.new_code_cell("print(quarter)"),
    ]
    nb.cells[1].metadata["tags"] = ["parameters"]
    once = inject_parameters(nb, {"quarter": "2024Q1", "org_id": None})
    assert [c.source for c in nb.cells] == ["# title", "quarter = None", "print(quarter)"]
    assert once.cells[2].metadata["tags"] == [INJECTED_TAG]
    assert "quarter = '2024Q1'" in once.cells[2].source
    assert "org_id = None" in once.cells[2].source
    twice = inject_parameters(once, {"quarter": "2023Q4"})
    injected = [c for c in twice.cells if INJECTED_TAG in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "2023Q4" in injected[0].source
    with pytest.raises(TypeError):
        parameters_source({"x": [1, 2]})
    with pytest.raises(ValueError):
        parameters_source({"not a name": 1})


def _factors(h: float, a: float, n: float, s: float) -> dict[str, float]:
    return {
        "headcount_avg": h,
        "activity_rate": a,
        "policies_per_producer": n,
        "premium_per_policy": s,
        "new_premium": h * a * n * s,
    }


def test_decomposition_is_exact_and_names_the_driver() -> None:
    base = _factors(250.0, 0.40, 3.8, 7500.0)
    current = _factors(245.0, 0.46, 3.7, 7450.0)
    d = decompose(base, current)
    assert d.contributions is not None
    assert set(d.contributions) == set(FACTOR_CODES)
    assert math.isclose(sum(d.contributions.values()), d.change or 0.0, rel_tol=1e-9)
    assert d.driver == "activity_rate"
    assert d.contributions["headcount_avg"] < 0 < d.contributions["activity_rate"]
    same = decompose(base, base)
    assert same.contributions is not None and all(v == 0 for v in same.contributions.values())
    assert log_mean(2.0, 2.0) == 2.0


def test_no_decomposition_when_a_factor_is_missing_or_zero() -> None:
    base = _factors(250.0, 0.40, 3.8, 7500.0)
    zero = {**base, "activity_rate": 0.0, "new_premium": 0.0}
    assert decompose(base, zero).contributions is None
    assert decompose({**base, "policies_per_producer": None}, base).contributions is None
    assert decompose(base, zero).change == -base["new_premium"]


def test_display_units_follow_the_catalogue() -> None:
    cat = load_catalogue()
    assert display_of(cat["activity_rate"]).text(0.43867) == "43.9%"
    assert display_of(cat["new_premium"]).text(3163267.08) == "316.33"
    assert display_of(cat["new_premium"]).unit == "万元"
    assert display_of(cat["premium_per_policy"]).text(7443.2) == "7,443"
    assert display_of(cat["headcount_avg"]).text(259.0) == "259.0"
    assert display_of(cat["headcount_end"]).text(264.0) == "264"
    assert display_of(cat["policies_per_producer"]).text(3.7407) == "3.74"
    assert display_of(cat["activity_rate"]).text(None) == "—"
    assert parse_codes(" a,b ,a,,c") == ["a", "b", "c"]


def test_a_null_catalogue_field_read_from_the_warehouse_is_empty_not_nan() -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.dim_kpi AS SELECT 'hires' AS kpi_code, '新增人力' AS name_zh, "
        "'hires' AS name_en, 'manpower' AS family, 'count' AS kind, '人' AS unit, "
        "'d' AS definition, NULL::VARCHAR AS numerator_column, NULL::VARCHAR AS denominator_column"
    )
    hires = load_catalogue(con)["hires"]
    assert (hires.numerator_column, hires.denominator_column) == ("", "")
    assert not hires.is_rate


def test_chinese_text_renders_without_missing_glyphs() -> None:
    from matplotlib import font_manager

    from amisdw.report import charts
    from amisdw.report.fonts import CJK_FAMILY, cjk_font_path

    assert cjk_font_path().is_file()
    charts.setup()
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert found == str(cjk_font_path())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = charts.plt.subplots()
        ax.set_title("新单保费 = 人力 × 活动率 × 人均件数 × 件均保费（万元）")
        ax.set_xlabel("入司后月数：第13月，十三个月留存率 −1.5%")
        ax.plot([1, 2, 3], [-1, 0, 1], label="月初人力、月末人力、月均人力")
        ax.legend()
        fig.savefig(io.BytesIO(), format="png")
        charts.plt.close(fig)
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "missing from font" in m or "Glyph" in m], messages
    assert CJK_FAMILY == "Noto Sans SC"
