"""``amisdw kpi``: KPI values of the published ``marts.kpi`` for one level and period.

:func:`query_kpis` validates every argument against what the warehouse holds (unknown codes,
levels, periods and orgs raise with the valid ones listed) and returns one row per org and KPI.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from amisdw.readers.catalogue import BUDGET_PREFIX, Kpi, describe, load_catalogue
from amisdw.readers.warehouse import (
    WarehouseError,
    describe_periods,
    find_org,
    levels,
    loaded_periods,
    period_type_of,
)

CHANNELS = ("ALL", "1", "4")
OUTPUT_COLUMNS = [
    "org_id",
    "org_name",
    "level",
    "period_type",
    "period",
    "channel",
    "kpi_code",
    "name_zh",
    "name_en",
    "unit",
    "value",
    "numerator",
    "denominator",
]


@dataclass(frozen=True)
class KpiQuery:
    codes: list[str]
    level: int | None
    period: str
    org_id: str | None = None
    channel: str = "ALL"


def parse_codes(text: str) -> list[str]:
    """`a,b, c` → ['a', 'b', 'c'] (order kept, duplicates dropped)."""
    seen: list[str] = []
    for part in text.split(","):
        code = part.strip()
        if code and code not in seen:
            seen.append(code)
    return seen


def valid_codes(con: duckdb.DuckDBPyConnection, catalogue: dict[str, Kpi]) -> list[str]:
    budget = (
        [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT kpi_code FROM marts.mart_budget ORDER BY 1"
            ).fetchall()
        ]
        if _has_table(con, "mart_budget")
        else []
    )
    return [*catalogue, *[b for b in budget if b not in catalogue]]


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts' "
        "AND table_name = ?",
        [table],
    ).fetchone()
    return bool(row and row[0])


def query_kpis(con: duckdb.DuckDBPyConnection, q: KpiQuery) -> pd.DataFrame:
    """Rows of marts.kpi for the query, with the catalogue names; columns OUTPUT_COLUMNS."""
    catalogue = load_catalogue(con)
    known = valid_codes(con, catalogue)
    if not q.codes:
        raise WarehouseError(
            f"Give at least one KPI code with --kpi; valid codes: {', '.join(known)}."
        )
    unknown = [c for c in q.codes if c not in known]
    if unknown:
        raise WarehouseError(
            f"Unknown KPI code(s) {', '.join(unknown)}. Valid codes (kpi_catalogue and budget "
            f"attainment): {', '.join(known)}."
        )
    if q.channel not in CHANNELS:
        raise WarehouseError(f"Unknown channel {q.channel!r}; use one of {', '.join(CHANNELS)}.")
    period_type = period_type_of(q.period)
    periods = loaded_periods(con)
    if period_type is None or q.period not in periods[period_type]:
        raise WarehouseError(
            f"No period {q.period!r} in the warehouse. Periods are written 2024-03 (month), "
            f"2024Q1 (quarter) or 2024 (year); loaded: {describe_periods(periods)}."
        )
    level = q.level
    all_levels = levels(con)
    valid_levels = ", ".join(f"{n} {zh} ({en})" for n, zh, en in all_levels)
    if q.org_id is not None:
        org = find_org(con, q.org_id)
        if level is not None and level != org.level:
            raise WarehouseError(
                f"Org {org.org_id} {org.org_name} is at level {org.level} "
                f"({org.level_name_zh}), not {level}: drop --level or pass --level {org.level}."
            )
        level = org.level
    if level is None:
        raise WarehouseError(f"Give --level N (or --org ID); levels: {valid_levels}.")
    if level not in {n for n, _, _ in all_levels}:
        raise WarehouseError(f"Unknown level {level}; valid levels: {valid_levels}.")

    sql = (
        "SELECT k.org_id, o.org_name, k.level, k.period_type, k.period, k.channel, k.kpi_code, "
        "k.value, k.numerator, k.denominator "
        "FROM marts.kpi AS k LEFT JOIN marts.dim_org AS o USING (org_id) "
        "WHERE k.level = ? AND k.period_type = ? AND k.period = ? AND k.channel = ? "
        "AND k.kpi_code IN (SELECT unnest(?::VARCHAR[]))"
    )
    params: list[object] = [level, period_type, q.period, q.channel, q.codes]
    if q.org_id is not None:
        sql += " AND k.org_id = ?"
        params.append(q.org_id)
    df = con.execute(sql, params).df()
    order = {c: i for i, c in enumerate(q.codes)}
    df["_order"] = df["kpi_code"].map(order)
    df = df.sort_values(["org_id", "_order"]).drop(columns="_order").reset_index(drop=True)
    names = {c: describe(c, catalogue) for c in q.codes}
    df["name_zh"] = df["kpi_code"].map(lambda c: names[c].name_zh)
    df["name_en"] = df["kpi_code"].map(lambda c: names[c].name_en)
    df["unit"] = df["kpi_code"].map(lambda c: names[c].unit)
    return df[OUTPUT_COLUMNS]


def format_value(value: float | None, unit: str) -> str:
    """A value as a reader sees it: 43.87% for rates in %, thousands separators otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "%":
        return f"{value * 100:.2f}%"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def to_csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, float_format="%.10g")


def to_json(df: pd.DataFrame) -> str:
    def plain(v: object) -> object:
        if hasattr(v, "item"):  # numpy scalars
            v = v.item()  # type: ignore[union-attr]
        if isinstance(v, float) and math.isnan(v):
            return None
        return v

    records = [{k: plain(v) for k, v in rec.items()} for rec in df.to_dict("records")]
    return json.dumps(records, ensure_ascii=False, indent=2, default=str)


def is_budget(code: str) -> bool:
    return code.startswith(BUDGET_PREFIX)
