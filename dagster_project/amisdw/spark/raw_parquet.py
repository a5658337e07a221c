"""The raw months of the build file as Parquet, the sources of the Spark engine's dbt build.

The build file stays the store of what is loaded (``raw._deliveries``: month → fingerprint,
decided by ingestion, its quality gates and the sequencing policy). Before a Spark build each
raw table's loaded months are written as ``<raw dir>/<table>/<YYYYMM>-<fingerprint>.parquet``,
one file per table and month (a month without rows of a table still gets its file, so every
table's schema can be read). A month is written again only when its delivery changed: a
re-delivered month replaces exactly its own files, and nothing else is rewritten.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from amisdw.extracts.contract import FAMILIES, LINEAGE_COLUMNS
from amisdw.extracts.load import RAW, loaded_fingerprints


@dataclass(frozen=True)
class RawExport:
    written: list[str]  # "<table>/<YYYYMM>" files written by this call
    kept: int  # files already current


def month_file(raw_dir: Path, table: str, month: str, fingerprint: str) -> Path:
    return raw_dir / table / f"{month}-{fingerprint[:16]}.parquet"


def _select_sql(table: str, columns: list[str]) -> str:
    # JSON is text on Spark; everything else keeps its DuckDB type (Parquet carries it)
    cols = [f"CAST({c} AS VARCHAR) AS {c}" if c == "_extra" else c for c in columns]
    return f"SELECT {', '.join(cols)} FROM {RAW}.{table} WHERE _delivery_month = ?"


def export_raw_parquet(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> RawExport:
    """Bring ``raw_dir`` up to date with the months loaded in ``con`` (the build file)."""
    months = loaded_fingerprints(con)
    written: list[str] = []
    kept = 0
    for family in FAMILIES:
        table = family.raw_table
        folder = raw_dir / table
        folder.mkdir(parents=True, exist_ok=True)
        wanted = {month_file(raw_dir, table, m, fp) for m, fp in months.items()}
        for stale in set(folder.glob("*.parquet")) - wanted:
            stale.unlink()  # a superseded delivery of a month, or a month no longer loaded
        columns = [*family.columns, *LINEAGE_COLUMNS]
        for path in sorted(wanted):
            if path.is_file():
                kept += 1
                continue
            _write_month(con, table, columns, path.name[:6], path)
            written.append(f"{table}/{path.name[:6]}")
    return RawExport(written, kept)


def _write_month(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], month: str, path: Path
) -> None:
    """Write one table's month to a temporary name, then rename it into place: a reader (or
    an interrupted run) never sees half a file under the final name."""
    tmp = path.with_name(f".{path.name}.tmp")
    sql = _select_sql(table, columns).replace("?", f"'{month}'")
    con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
    os.replace(tmp, path)
