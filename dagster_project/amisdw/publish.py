"""Publish the build warehouse: copy the reader-facing schemas into a fresh file, then swap
it in with an atomic rename, so a reader opening the published file read-only sees either
the previous complete version or the new one, never a partial state.

Every published version is also kept (hard-linked, so it costs no copy) under
``<folder>/versions/<name>-<timestamp>.duckdb``; the newest ``versions_kept`` (setting
AMISDW_KEEP_VERSIONS, default 5) stay. ``rollback`` swaps one of them back in, the same atomic
way. A publish interrupted by kill -9 leaves only a temporary ``.<name>.publishing-<pid>``
file, removed by the next publish.

The published file is written in the DuckDB storage format ``storage_version`` (setting
``publish_storage_version``, default ``v1.4.0``), so BI tools that embed DuckDB 1.4 can open it;
the build file keeps DuckDB's own format.

A view of a published schema (``marts.kpi``, the long form over the wide marts) is created
again in the new file from its SQL in the build file: it names only published tables, without
the build file's catalog, so it binds in the published file and any copy of it. A view that
does not bind there (it reads something not published) fails the publish. A view marked as a
published copy (comment ``amisdw:published-copy``: a mart that copies an intermediate model or
joins one to its dimensions, such as ``fct_agent_month``) is written as a table instead, read
through the build file.

With the Spark engine (``spark_warehouse``: Spark's ``spark.sql.warehouse.dir``) the marts are
read from the Parquet files of Spark's tables, ``<schema>.db/<table>/``, instead of the build
file; everything else (``meta``, the versions, the atomic swap) is the same.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from amisdw.build_state import dbt_code_version, vars_text
from amisdw.errors import AmisdwError

PUBLISHED_SCHEMAS = ("marts",)
# the comment of a build view that is published as a table (dbt macro amis_published_copy_config)
PUBLISHED_COPY = "amisdw:published-copy"
DEFAULT_STORAGE_VERSION = "v1.4.0"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    build: Path,
    published: Path,
    versions_kept: int = 5,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    storage_version: str = DEFAULT_STORAGE_VERSION,
    duckdb_config: Mapping[str, str | int | bool] | None = None,
    spark_warehouse: Path | None = None,
    dbt_vars: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """Copy ``schemas`` of ``build`` (or of ``spark_warehouse``) into a new file and
    atomically replace ``published`` (DuckDB configured by ``duckdb_config``: memory limit,
    threads, temp directory). ``meta.published`` records the dbt vars the marts were built
    with, beside the dbt project's version and the engine.

    Returns the row count of each published table (not of the views: counting the long form
    would compute it). Raw and staging (which hold personal
    data) never leave the build file; ``meta.deliveries`` records which deliveries the
    published version contains.
    """
    published.parent.mkdir(parents=True, exist_ok=True)
    for stale in published.parent.glob(f".{published.name}.publishing-*"):
        stale.unlink(missing_ok=True)  # left by an interrupted publish
    tmp = published.with_name(f".{published.name}.publishing-{os.getpid()}")
    try:
        counts = _write_copy(
            build,
            tmp,
            schemas,
            storage_version,
            duckdb_config or {},
            spark_warehouse,
            vars_text(dbt_vars or {}),
        )
    except BaseException:
        # e.g. the disk filled up: leave no half-written copy behind
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    _fsync(tmp)
    version = _keep_version(tmp, published)
    os.replace(tmp, published)
    _fsync(published.parent)
    _set_current(published, version_label(version, published))
    _prune_versions(published, versions_kept)
    return counts


def build_tables(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, str]:
    """Table name → the SQL that reads it, for every table of ``schema`` in the build file and
    every view marked as a published copy (comment ``amisdw:published-copy``: a mart computed
    from intermediate models, kept as a view in the build file and written as a table here);
    other views: build_views."""
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'build' "
        "AND table_schema = ? AND table_type = 'BASE TABLE' "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = 'build' "
        "AND schema_name = ? AND comment = ? ORDER BY 1",
        [schema, schema, PUBLISHED_COPY],
    ).fetchall()
    return {table: f'SELECT * FROM build.{schema}."{table}"' for (table,) in tables}


def build_views(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, str]:
    """View name → its CREATE VIEW statement (``CREATE VIEW <schema>.<name> AS …``, as DuckDB
    keeps it), for every view of ``schema`` in the build file that is published as a view
    (not a published copy: build_tables)."""
    views = con.execute(
        "SELECT view_name, sql FROM duckdb_views() WHERE database_name = 'build' "
        "AND schema_name = ? AND NOT internal AND comment IS DISTINCT FROM ? ORDER BY view_name",
        [schema, PUBLISHED_COPY],
    ).fetchall()
    return dict(views)


def create_view(con: duckdb.DuckDBPyConnection, schema: str, view: str, sql: str) -> None:
    """Run a build view's CREATE VIEW in the published file (attached as ``pub``) and check it
    binds there: it must read only what is published."""
    con.execute("USE pub")
    try:
        con.execute(sql)
        con.execute(f'SELECT * FROM pub.{schema}."{view}" LIMIT 0')
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        raise AmisdwError(
            f"The view {schema}.{view} of the build warehouse does not work in the published "
            f"file ({reason}). A published view may read only published tables, named without "
            "the build file's catalog (macro amis_in_file in the dbt project): fix its model "
            "and run again. The published warehouse was left as it was."
        ) from None
    finally:
        con.execute("USE memory")


def spark_tables(spark_warehouse: Path, schema: str) -> dict[str, str]:
    """Table name → the SQL that reads it, for every table Spark wrote in ``schema``: its
    folder ``<schema>.db/<table>/`` with one or more Parquet part files."""
    folder = spark_warehouse / f"{schema}.db"
    found = sorted(p for p in folder.glob("*") if p.is_dir() and any(p.glob("*.parquet")))
    return {p.name: f"SELECT * FROM read_parquet('{p.as_posix()}/*.parquet')" for p in found}


def published_type(column_type: str) -> str | None:
    """The type a published column is cast to, or None to keep it: every integer as BIGINT
    and wide decimals as DECIMAL(38, s), whichever engine built them (DuckDB sums integers
    into HUGEINT and DECIMAL(18, s) into DECIMAL(38, s), Spark into BIGINT and DECIMAL(28, s);
    the engines type some integer expressions INTEGER and BIGINT). BIGINT is also what BI
    drivers read; a value out of range fails the publish, loudly."""
    if column_type in ("HUGEINT", "INTEGER", "SMALLINT", "TINYINT"):
        return "BIGINT"
    match = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", column_type.replace(" ", ""))
    if match and 18 < int(match[1]) < 38:
        return f"DECIMAL(38,{match[2]})"
    return None


def published_select(con: duckdb.DuckDBPyConnection, select: str) -> str:
    """``select`` with its columns cast to their published types (published_type)."""
    columns = con.execute(f"DESCRIBE {select}").fetchall()
    casts = [(name, published_type(typ)) for name, typ, *_ in columns]
    if all(cast is None for _, cast in casts):
        return select
    items = ", ".join(
        f'"{name}"' if cast is None else f'CAST("{name}" AS {cast}) AS "{name}"'
        for name, cast in casts
    )
    return f"SELECT {items} FROM ({select})"


def _write_copy(
    build: Path,
    tmp: Path,
    schemas: tuple[str, ...],
    storage_version: str,
    duckdb_config: Mapping[str, str | int | bool],
    spark_warehouse: Path | None,
    dbt_vars: str,
) -> dict[str, int]:
    counts: dict[str, int] = {}
    con = duckdb.connect(config=dict(duckdb_config))
    try:
        storage = "" if storage_version == "latest" else f", STORAGE_VERSION '{storage_version}'"
        con.execute(f"ATTACH '{tmp}' AS pub (READ_WRITE{storage})")
        con.execute(f"ATTACH '{build}' AS build (READ_ONLY)")
        for schema in schemas:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS pub.{schema}")
            if spark_warehouse is None:
                tables = build_tables(con, schema)
            else:
                tables = spark_tables(spark_warehouse, schema)
            for table, select in tables.items():
                con.execute(
                    f'CREATE TABLE pub.{schema}."{table}" AS {published_select(con, select)}'
                )
                counts[f"{schema}.{table}"] = con.execute(
                    f'SELECT count(*) FROM pub.{schema}."{table}"'
                ).fetchone()[0]
            if spark_warehouse is None:  # Spark writes tables only
                for view, sql in build_views(con, schema).items():
                    create_view(con, schema, view, sql)
        con.execute("CREATE SCHEMA pub.meta")
        con.execute(
            "CREATE TABLE pub.meta.deliveries AS SELECT delivery_month, "
            "arg_max(fingerprint, loaded_at) AS fingerprint, max(loaded_at) AS loaded_at "
            "FROM build.raw._deliveries GROUP BY delivery_month ORDER BY delivery_month"
        )
        con.execute(
            "CREATE TABLE pub.meta.published AS SELECT ?::TIMESTAMP AS published_at, "
            "?::VARCHAR AS dbt_code_version, ?::VARCHAR AS storage_version, "
            "?::VARCHAR AS engine, ?::VARCHAR AS dbt_vars",
            [
                dt.datetime.now().replace(microsecond=0),
                dbt_code_version(),
                storage_version,
                "duckdb" if spark_warehouse is None else "spark",
                dbt_vars,
            ],
        )
        con.execute("DETACH build")
        con.execute("CHECKPOINT pub")
        con.execute("DETACH pub")
    finally:
        con.close()
    return counts


# --- versions and rollback --------------------------------------------------------------------


def versions_dir(published: Path) -> Path:
    return published.parent / "versions"


def _keep_version(new_file: Path, published: Path) -> Path:
    """Keep the file about to be published as a version (hard link; copy across devices)."""
    folder = versions_dir(published)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = folder / f"{published.stem}-{stamp}.duckdb"
    try:
        os.link(new_file, target)
    except OSError:
        shutil.copy2(new_file, target)
    return target


def list_versions(published: Path) -> list[Path]:
    """Kept versions, newest first."""
    folder = versions_dir(published)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{published.stem}-*.duckdb"), reverse=True)


def _prune_versions(published: Path, keep: int) -> None:
    for old in list_versions(published)[max(keep, 1) :]:
        old.unlink(missing_ok=True)


def version_label(path: Path, published: Path) -> str:
    return path.stem.removeprefix(f"{published.stem}-")


def _current_file(published: Path) -> Path:
    return versions_dir(published) / "CURRENT"


def current_version(published: Path) -> str | None:
    """The label of the version the published file is (after a publish or a rollback)."""
    path = _current_file(published)
    return path.read_text(encoding="utf-8").strip() or None if path.exists() else None


def _set_current(published: Path, label: str) -> None:
    path = _current_file(published)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(label + "\n", encoding="utf-8")
    os.replace(tmp, path)


def rollback(published: Path, to: str | None = None) -> str:
    """Atomically restore a kept version: ``to`` (its label), or by default the newest one
    older than the current. Readers see the old or the restored file, never a mix. Returns
    the label restored. The restored version stays current until the next publish."""
    from amisdw.errors import AmisdwError

    versions = list_versions(published)
    labels = [version_label(v, published) for v in versions]
    listing = ", ".join(labels) or "none"
    if to is None:
        current = current_version(published)
        older = [label for label in labels if current is None or label < current]
        if not older:
            raise AmisdwError(
                f"No version of {published} older than the current one ({current or 'unknown'}) "
                f"is kept; nothing to roll back to. Kept versions, newest first: {listing}."
            )
        to = older[0]
    if to not in labels:
        raise AmisdwError(
            f"Version {to!r} of {published} is not kept. Kept versions, newest first: {listing} "
            "(see `amisdw rollback --list`)."
        )
    chosen = versions[labels.index(to)]
    tmp = published.with_name(f".{published.name}.rollback-{os.getpid()}")
    shutil.copy2(chosen, tmp)
    _fsync(tmp)
    os.replace(tmp, published)
    _fsync(published.parent)
    _set_current(published, to)
    return to
