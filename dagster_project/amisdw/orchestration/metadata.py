"""What the assets report as Dagster metadata: row counts and the head-office KPIs of a month.

Plain functions on DuckDB files, so tests (and other readers) can call them directly.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb

# The headline KPIs shown on the publish asset (codes of dbt_project/seeds/kpi_catalogue.csv).
HEADLINE_KPIS = (
    "headcount_end",
    "hires",
    "leavers",
    "activity_rate",
    "new_premium",
    "retention_rate_13m",
)


def connect_when_free(
    path: Path, read_only: bool = True, seconds: float = 60.0
) -> duckdb.DuckDBPyConnection:
    """Open ``path``, waiting while a finishing dbt process still holds its lock.

    The build file is opened with the default config (``read_only=False``), which a connection
    still open in this process may share; the published file read-only, like every reader.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def relation_row_counts(database: Path, relations: Iterable[str]) -> dict[str, int]:
    """Rows of each ``schema.name`` relation that exists in ``database`` (others are left out).
    ``database`` is the build file: call it only while holding the warehouse pool."""
    wanted = set(relations)
    if not wanted or not database.exists():
        return {}
    counts: dict[str, int] = {}
    with connect_when_free(database, read_only=False) as con:
        existing = {
            f"{s}.{t}"
            for s, t in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables"
            ).fetchall()
        }
        for relation in sorted(wanted & existing):
            schema, name = relation.split(".", 1)
            counts[relation] = con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[
                0
            ]
    return counts


def month_label(yyyymm: str) -> str:
    """``202403`` → ``2024-03``, the ``period`` of a month in ``marts.kpi``."""
    return f"{yyyymm[:4]}-{yyyymm[4:]}"


def head_office_kpis(
    published: Path, up_to_month: str | None = None, codes: Iterable[str] = HEADLINE_KPIS
) -> tuple[str | None, dict[str, float | None]]:
    """The head office's (level 1, channel ALL) monthly KPIs of the latest period in
    ``marts.kpi`` on or before ``up_to_month`` (``YYYYMM``; None: the latest of all).

    Returns (period, {kpi_code: value}); (None, {}) when the warehouse has no monthly KPIs.
    """
    codes = list(codes)
    if not published.exists():
        return None, {}
    bound = month_label(up_to_month) if up_to_month else "9999-12"
    with connect_when_free(published) as con:
        row = con.execute(
            "SELECT max(period) FROM marts.kpi "
            "WHERE level = 1 AND channel = 'ALL' AND period_type = 'M' AND period <= ?",
            [bound],
        ).fetchone()
        period = row[0] if row else None
        if period is None:
            return None, {}
        values: Mapping[str, float | None] = dict(
            con.execute(
                "SELECT kpi_code, value FROM marts.kpi WHERE level = 1 AND channel = 'ALL' "
                "AND period_type = 'M' AND period = ? AND list_contains(?, kpi_code)",
                [period, codes],
            ).fetchall()
        )
    return period, {code: values.get(code) for code in codes}
