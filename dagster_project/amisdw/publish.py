"""Publish the build warehouse: copy the reader-facing schemas into a fresh file, then swap
it in with an atomic rename, so a reader opening the published file read-only sees either
the previous complete version or the new one, never a partial state.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from amisdw.build_state import dbt_code_version

PUBLISHED_SCHEMAS = ("marts",)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    build: Path, published: Path, schemas: tuple[str, ...] = PUBLISHED_SCHEMAS
) -> dict[str, int]:
    """Copy ``schemas`` of ``build`` into a new file and atomically replace ``published``.

    Returns the row count of each published table. Raw and staging (which hold personal
    data) never leave the build file; ``meta.deliveries`` records which deliveries the
    published version contains.
    """
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(f".{published.name}.publishing-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(tmp))
    try:
        con.execute(f"ATTACH '{build}' AS build (READ_ONLY)")
        for schema in schemas:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            tables = con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = 'build' AND table_schema = ? ORDER BY table_name",
                [schema],
            ).fetchall()
            for (table,) in tables:
                con.execute(
                    f'CREATE TABLE {schema}."{table}" AS SELECT * FROM build.{schema}."{table}"'
                )
                counts[f"{schema}.{table}"] = con.execute(
                    f'SELECT count(*) FROM {schema}."{table}"'
                ).fetchone()[0]
        con.execute("CREATE SCHEMA meta")
        con.execute(
            "CREATE TABLE meta.deliveries AS SELECT delivery_month, "
            "arg_max(fingerprint, loaded_at) AS fingerprint, max(loaded_at) AS loaded_at "
            "FROM build.raw._deliveries GROUP BY delivery_month ORDER BY delivery_month"
        )
        con.execute(
            "CREATE TABLE meta.published AS SELECT ?::TIMESTAMP AS published_at, "
            "?::VARCHAR AS dbt_code_version",
            [dt.datetime.now().replace(microsecond=0), dbt_code_version()],
        )
        con.execute("DETACH build")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    _fsync(tmp)
    os.replace(tmp, published)
    _fsync(published.parent)
    return counts
