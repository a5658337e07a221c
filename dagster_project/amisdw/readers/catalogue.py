"""The KPI catalogue (code, 中文, English, family, kind, unit, definition): the dbt seed
``dbt_project/seeds/kpi_catalogue.csv``, the one list of KPIs.

The published file holds only ``marts`` (seeds are not published), so readers take the
catalogue from ``marts.dim_kpi`` (the seed, published) when the warehouse carries it, else from the
seed file in the repository. Budget attainment codes (``budget_attainment_<indicator>``) are
named after their indicator.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from amisdw import settings

SEED_PATH = settings.DBT_PROJECT_DIR / "seeds" / "kpi_catalogue.csv"
BUDGET_PREFIX = "budget_attainment_"


@dataclass(frozen=True)
class Kpi:
    code: str
    name_zh: str
    name_en: str
    family: str
    kind: str
    unit: str
    definition: str
    numerator_column: str = ""
    denominator_column: str = ""

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


def _row_to_kpi(row: dict[str, str | None]) -> Kpi:
    def g(key: str) -> str:
        return (row.get(key) or "").strip()

    return Kpi(
        code=g("kpi_code"),
        name_zh=g("name_zh"),
        name_en=g("name_en"),
        family=g("family"),
        kind=g("kind"),
        unit=g("unit"),
        definition=g("definition"),
        numerator_column=g("numerator_column"),
        denominator_column=g("denominator_column"),
    )


def load_catalogue(
    con: duckdb.DuckDBPyConnection | None = None, seed: Path = SEED_PATH
) -> dict[str, Kpi]:
    """Every catalogue KPI by code, in catalogue order."""
    rows: list[dict[str, str | None]] = []
    if con is not None:
        has = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'marts' AND table_name = 'dim_kpi'"
        ).fetchone()
        if has and has[0]:
            # plain tuples, not a DataFrame: pandas would turn a null text into NaN ("nan")
            cur = con.execute("SELECT * FROM marts.dim_kpi")
            names = [d[0] for d in cur.description]
            rows = [
                {k: (None if v is None else str(v)) for k, v in zip(names, r, strict=True)}
                for r in cur.fetchall()
            ]
    if not rows:
        with seed.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    kpis = [_row_to_kpi(r) for r in rows]
    return {k.code: k for k in kpis if k.code}


def budget_kpi(code: str, catalogue: dict[str, Kpi]) -> Kpi:
    """The catalogue entry of a ``budget_attainment_<indicator>`` code."""
    indicator = code.removeprefix(BUDGET_PREFIX)
    base = catalogue.get(indicator)
    zh = base.name_zh if base else indicator
    en = base.name_en if base else indicator
    return Kpi(
        code=code,
        name_zh=f"预算完成率·{zh}",
        name_en=f"budget attainment: {en}",
        family="budget",
        kind="rate",
        unit="%",
        definition=f"actual / target of {indicator} (BUDGET)",
        numerator_column="actual",
        denominator_column="target",
    )


def describe(code: str, catalogue: dict[str, Kpi]) -> Kpi:
    """The catalogue entry of any published kpi_code (budget attainment included)."""
    if code in catalogue:
        return catalogue[code]
    if code.startswith(BUDGET_PREFIX):
        return budget_kpi(code, catalogue)
    raise KeyError(code)
