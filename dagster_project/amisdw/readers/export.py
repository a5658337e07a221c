"""``amisdw export``: every ``marts`` table of the published warehouse as one Parquet file,
for BI tools without a DuckDB driver. Written from a read-only connection; each file is written
under a temporary name and renamed, and ``_manifest.json`` lists tables, rows and columns.

With an :class:`~amisdw.readers.scope.OrgScope` (``--org``), every table is limited to that
org's subtree (see :mod:`amisdw.readers.scope`); whole-force tables are left out and listed in
the manifest, so nothing of another org is written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from amisdw.readers.scope import OrgScope, scope_predicate
from amisdw.readers.warehouse import WarehouseError

FORMATS = ("parquet",)


@dataclass(frozen=True)
class Exported:
    table: str
    path: Path
    rows: int
    source: str


def marts_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "ORDER BY table_name"
        ).fetchall()
    ]


def _sql_literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_parquet(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    progress: Callable[[str, int, int], None] | None = None,
    scope: OrgScope | None = None,
) -> list[Exported]:
    """Write ``out/<table>.parquet`` for every marts table (zstd-compressed); the KPI names
    BI tools need to label ``marts.kpi`` come with it (``dim_kpi.parquet``). With ``scope``,
    only the rows of that org's subtree."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"Cannot create the export folder {out}: {exc}") from exc
    tables = marts_tables(con)
    done: list[Exported] = []
    left_out: list[str] = []
    for i, table in enumerate(tables):
        if progress:
            progress(table, i, len(tables))
        where = "TRUE" if scope is None else scope_predicate(con, table, scope)
        if where is None:
            left_out.append(table)
            (out / f"{table}.parquet").unlink(missing_ok=True)  # of an earlier, wider export
            continue
        query = f'SELECT * FROM marts."{table}" WHERE {where}'
        target = out / f"{table}.parquet"
        tmp = out / f".{table}.parquet.tmp"
        con.execute(f"COPY ({query}) TO {_sql_literal(tmp)} (FORMAT parquet, COMPRESSION zstd)")
        os.replace(tmp, target)
        rows = con.execute(f"SELECT count(*) FROM ({query})").fetchone()
        done.append(Exported(table, target, int(rows[0]) if rows else 0, f"marts.{table}"))
    if progress:
        progress("", len(tables), len(tables))
    _write_manifest(con, out, done, scope, left_out)
    return done


def _write_manifest(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    done: list[Exported],
    scope: OrgScope | None,
    left_out: list[str],
) -> None:
    published_at = None
    try:
        row = con.execute("SELECT max(published_at) FROM meta.published").fetchone()
        published_at = str(row[0]) if row and row[0] is not None else None
    except duckdb.Error:
        pass
    manifest = {
        "published_at": published_at,
        "org": None
        if scope is None
        else {"org_id": scope.org.org_id, "org_name": scope.org.org_name, "level": scope.org.level},
        "left_out": [
            {"table": t, "why": "figures of the whole force, not of one org"} for t in left_out
        ],
        "tables": [
            {"table": e.table, "file": e.path.name, "rows": e.rows, "source": e.source}
            for e in done
        ],
    }
    (out / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
