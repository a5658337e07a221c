"""Load a complete delivery into the ``raw`` schema of the build warehouse.

One delivery month is one transaction: every raw table's rows of that delivery month are
deleted and the month's files inserted, and the delivery is recorded in
``raw._deliveries``. A failure anywhere rolls the whole month back. Loading a delivery
whose fingerprint is already the month's latest changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb

from amisdw.extracts.contract import FAMILIES, LINEAGE_COLUMNS
from amisdw.extracts.delivery import Delivery
from amisdw.extracts.parse import ParsedDelivery, ParsedFile
from amisdw.extracts.read import FileInfo
from amisdw.sequencing import WarehouseMonths

RAW = "raw"


@dataclass
class LoadResult:
    month: str
    fingerprint: str
    loaded: bool
    rows: dict[str, int] = field(default_factory=dict)
    files: list[FileInfo] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_reason: str = ""


RAW_TABLES = frozenset(
    [f.raw_table for f in FAMILIES] + ["_deliveries", "_delivery_files", "_quarantine"]
)


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and tables that are missing (one catalogue look-up, and no
    DDL, once they all exist: every month's load asks)."""
    present = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = ?",
        [RAW],
    ).fetchall()
    if {name for (name,) in present} >= RAW_TABLES:
        return
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW}")
    for family in FAMILIES:
        cols = [f"{f.column} {f.type.duckdb_type}" for f in family.fields]
        cols += [f"{name} {typ}" for name, typ in LINEAGE_COLUMNS.items()]
        con.execute(f"CREATE TABLE IF NOT EXISTS {RAW}.{family.raw_table} ({', '.join(cols)})")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {RAW}._deliveries (
            delivery_month VARCHAR, fingerprint VARCHAR, loaded_at TIMESTAMP, rows BIGINT)"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {RAW}._delivery_files (
            delivery_month VARCHAR, fingerprint VARCHAR, family VARCHAR, file VARCHAR,
            md5 VARCHAR, rows BIGINT, encoding VARCHAR, header_variant VARCHAR,
            extra_columns JSON, loaded_at TIMESTAMP)"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {RAW}._quarantine (
            delivery_month VARCHAR, fingerprint VARCHAR, quarantined_at TIMESTAMP,
            findings JSON, data_docs VARCHAR)"""
    )


@contextmanager
def checkpoints_deferred(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within the block, committed months stay in the write-ahead log (as durable as after
    a checkpoint) and are written to the file by an explicit ``CHECKPOINT``, not after every
    month: DuckDB's automatic checkpoint, once the log passes 16 MB, rewrites the tables'
    last row groups each time, so a run of many months paid for it once per month."""
    (before,) = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone() or ("",)
    con.execute("SET checkpoint_threshold = '1TB'")
    try:
        yield
    finally:
        con.execute(f"SET checkpoint_threshold = '{before}'")


def warehouse_months(con: duckdb.DuckDBPyConnection) -> WarehouseMonths:
    """What the sequencing policy needs of the build warehouse: each month's loaded delivery
    and every quarantined delivery. Reads only (the sensor's connection is read-only)."""
    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [RAW]
        ).fetchall()
    }
    if not {"_deliveries", "_quarantine"} <= tables:
        return WarehouseMonths()
    quarantined: dict[str, frozenset[str]] = {}
    for month, fingerprint in con.execute(
        f"SELECT DISTINCT delivery_month, fingerprint FROM {RAW}._quarantine"
    ).fetchall():
        quarantined[month] = quarantined.get(month, frozenset()) | {fingerprint}
    loaded = con.execute(
        f"""SELECT delivery_month, arg_max(fingerprint, loaded_at)
            FROM {RAW}._deliveries GROUP BY delivery_month"""
    ).fetchall()
    return WarehouseMonths(loaded=dict(loaded), quarantined=quarantined)


def loaded_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The fingerprint of the latest loaded delivery of each month."""
    ensure_raw_schema(con)
    rows = con.execute(
        f"""SELECT delivery_month, arg_max(fingerprint, loaded_at)
            FROM {RAW}._deliveries GROUP BY delivery_month"""
    ).fetchall()
    return dict(rows)


def load_delivery(
    con: duckdb.DuckDBPyConnection, parsed: ParsedDelivery, loaded_at: dt.datetime | None = None
) -> LoadResult:
    """Replace the delivery's month in raw with the parsed files, in one transaction."""
    delivery = parsed.delivery
    if not delivery.complete or not parsed.ok:
        raise ValueError(f"delivery {delivery.month} is incomplete or did not parse")
    result = LoadResult(delivery.month, delivery.fingerprint, loaded=False)
    loaded = loaded_fingerprints(con)
    if loaded.get(delivery.month) == delivery.fingerprint:
        result.skipped_reason = "already loaded (same control file)"
        return result
    loaded_at = loaded_at or dt.datetime.now().replace(microsecond=0)
    con.execute("BEGIN TRANSACTION")
    try:
        for family in FAMILIES:
            if delivery.month in loaded:  # a re-delivery replaces the month's rows
                con.execute(
                    f"DELETE FROM {RAW}.{family.raw_table} WHERE _delivery_month = ?",
                    [delivery.month],
                )
            result.rows[family.name] = 0
        for pfile in parsed.files:
            _insert(con, delivery, pfile, loaded_at)
            result.rows[pfile.file.family.name] += pfile.info.rows
            result.files.append(pfile.info)
            result.warnings.extend(pfile.info.warnings)
        con.execute(
            f"INSERT INTO {RAW}._deliveries VALUES (?, ?, ?, ?)",
            [delivery.month, delivery.fingerprint, loaded_at, sum(result.rows.values())],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    result.loaded = True
    return result


def _insert(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, pfile: ParsedFile, loaded_at: dt.datetime
) -> None:
    family, info, md5 = pfile.file.family, pfile.info, pfile.file.entry.md5
    cols = ", ".join(family.columns)
    con.register("_amisdw_batch", pfile.table)
    try:
        con.execute(
            f"INSERT INTO {RAW}.{family.raw_table} ({cols}, {', '.join(LINEAGE_COLUMNS)}) "
            f"SELECT {cols}, ?, ?, ?, _source_line, ?, _extra::JSON FROM _amisdw_batch",
            [delivery.month, info.name, md5, loaded_at],
        )
    finally:
        con.unregister("_amisdw_batch")
    con.execute(
        f"INSERT INTO {RAW}._delivery_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            delivery.month,
            delivery.fingerprint,
            family.name,
            info.name,
            md5,
            info.rows,
            info.encoding,
            info.header_variant,
            json.dumps(info.extra_columns, ensure_ascii=False),
            loaded_at,
        ],
    )
