"""``amisdw export``: every ``marts`` table of the published warehouse as one Parquet file,
for BI tools without a DuckDB driver. Written from a read-only connection; each file is written
under a temporary name and renamed, and ``_manifest.json`` lists tables, rows and columns.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

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
) -> list[Exported]:
    """Write ``out/<table>.parquet`` for every marts table (zstd-compressed); the KPI names
    BI tools need to label ``marts.kpi`` come with it (``dim_kpi.parquet``)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"Cannot create the export folder {out}: {exc}") from exc
    tables = marts_tables(con)
    done: list[Exported] = []
    for i, table in enumerate(tables):
        if progress:
            progress(table, i, len(tables))
        target = out / f"{table}.parquet"
        tmp = out / f".{table}.parquet.tmp"
        con.execute(
            f'COPY (SELECT * FROM marts."{table}") TO {_sql_literal(tmp)} '
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        os.replace(tmp, target)
        rows = con.execute(f'SELECT count(*) FROM marts."{table}"').fetchone()
        done.append(Exported(table, target, int(rows[0]) if rows else 0, f"marts.{table}"))
    if progress:
        progress("", len(tables), len(tables))
    _write_manifest(con, out, done)
    return done


def _write_manifest(con: duckdb.DuckDBPyConnection, out: Path, done: list[Exported]) -> None:
    published_at = None
    try:
        row = con.execute("SELECT max(published_at) FROM meta.published").fetchone()
        published_at = str(row[0]) if row and row[0] is not None else None
    except duckdb.Error:
        pass
    manifest = {
        "published_at": published_at,
        "tables": [
            {"table": e.table, "file": e.path.name, "rows": e.rows, "source": e.source}
            for e in done
        ],
    }
    (out / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
