"""Open the published warehouse read-only, and answer what it holds (orgs, levels, periods).

Every reader goes through :func:`connect`: the file is opened ``read_only=True``, so a refresh
can swap in a new version while a report or a BI tool is reading.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from amisdw.errors import AmisdwError

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
QUARTER_RE = re.compile(r"^\d{4}Q[1-4]$")
YEAR_RE = re.compile(r"^\d{4}$")


class WarehouseError(AmisdwError):
    """The published warehouse is missing, unreadable, or lacks what was asked for."""


def connect(path: Path, wait_seconds: float = 30.0) -> duckdb.DuckDBPyConnection:
    """Open the published file read-only (waiting briefly if a writer still holds its lock)."""
    if not path.exists():
        raise WarehouseError(
            f"No published warehouse at {path}. Build one with `amisdw run` (or "
            "`amisdw run --inbox DIR --warehouse FILE`), or pass --warehouse FILE "
            "(or set AMISDW_WAREHOUSE) to the published .duckdb file."
        )
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.IOException as exc:
            if "not a valid DuckDB database" in str(exc) or path.is_dir():
                raise WarehouseError(
                    f"{path} is not a DuckDB database file, so it is not an amisdw warehouse. "
                    "Pass --warehouse with the .duckdb file that `amisdw run` publishes (e.g. "
                    "data/warehouse.duckdb)."
                ) from exc
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise WarehouseError(f"Cannot open {path} read-only: {exc}") from exc
            time.sleep(0.5)
        except duckdb.Error as exc:
            raise WarehouseError(
                f"{path} is not a readable DuckDB warehouse ({exc}). Pass the published file "
                "written by `amisdw run`."
            ) from exc
    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchall()
    }
    if not {"kpi", "dim_org", "dim_month"} <= tables:
        con.close()
        raise WarehouseError(
            f"{path} has no marts.kpi / marts.dim_org / marts.dim_month: it is not a published "
            "amisdw warehouse. Pass the file that `amisdw run` publishes (e.g. "
            "data/warehouse.duckdb), not the build file."
        )
    return con


def period_type_of(period: str) -> str | None:
    """`M` for 2024-03, `Q` for 2024Q1, `Y` for 2024; None when it is none of these."""
    if MONTH_RE.match(period):
        return "M"
    if QUARTER_RE.match(period):
        return "Q"
    if YEAR_RE.match(period):
        return "Y"
    return None


def loaded_periods(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The published periods by type, oldest first (from marts.dim_month)."""
    rows = con.execute(
        "SELECT month_label, quarter_label, year_label FROM marts.dim_month ORDER BY month_start"
    ).fetchall()
    out: dict[str, list[str]] = {"M": [], "Q": [], "Y": []}
    for month, quarter, year in rows:
        for key, value in (("M", month), ("Q", quarter), ("Y", year)):
            if value not in out[key]:
                out[key].append(value)
    return out


def describe_periods(periods: dict[str, list[str]]) -> str:
    months = periods["M"]
    if not months:
        return "the warehouse has no loaded month"
    return (
        f"months {months[0]} … {months[-1]}, quarters {', '.join(periods['Q'])}, "
        f"years {', '.join(periods['Y'])}"
    )


def complete_quarters(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Quarters with all three months loaded, oldest first."""
    return [
        r[0]
        for r in con.execute(
            "SELECT quarter_label FROM marts.dim_month WHERE NOT is_partial_quarter "
            "GROUP BY quarter_label ORDER BY quarter_label"
        ).fetchall()
    ]


@dataclass(frozen=True)
class Org:
    org_id: str
    org_name: str
    level: int
    level_name_zh: str
    level_name_en: str
    parent_org_id: str | None


def head_office(con: duckdb.DuckDBPyConnection) -> Org:
    row = con.execute(
        "SELECT org_id FROM marts.dim_org WHERE level = 1 ORDER BY org_id LIMIT 1"
    ).fetchone()
    if row is None:
        raise WarehouseError("marts.dim_org has no head office (level 1): rebuild with amisdw run.")
    return find_org(con, row[0])


def find_org(con: duckdb.DuckDBPyConnection, org_id: str) -> Org:
    """The org with this org_id; an unknown id raises with the closest ids/names as a hint."""
    row = con.execute(
        "SELECT org_id, org_name, level, level_name_zh, level_name_en, parent_org_id "
        "FROM marts.dim_org WHERE org_id = ?",
        [org_id],
    ).fetchone()
    if row is not None:
        return Org(*row)
    like = con.execute(
        "SELECT org_id || ' ' || org_name FROM marts.dim_org "
        "WHERE org_id LIKE ? OR org_code = ? OR org_name LIKE ? ORDER BY level, org_id LIMIT 8",
        [f"{org_id[:4]}%", org_id, f"%{org_id}%"],
    ).fetchall()
    top = con.execute(
        "SELECT org_id || ' ' || org_name FROM marts.dim_org WHERE level <= 2 "
        "ORDER BY level, org_id LIMIT 8"
    ).fetchall()
    hint = ", ".join(r[0] for r in (like or top))
    raise WarehouseError(
        f"No org {org_id!r} in marts.dim_org. Pass an org_id (ComCode for levels 1–4, AgentGroup "
        f"for levels 5–7), e.g. {hint}; list them with "
        "`SELECT org_id, org_name, level FROM marts.dim_org`."
    )


def levels(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
    return [
        (int(r[0]), r[1], r[2])
        for r in con.execute(
            "SELECT DISTINCT level, level_name_zh, level_name_en FROM marts.dim_org ORDER BY 1"
        ).fetchall()
    ]
