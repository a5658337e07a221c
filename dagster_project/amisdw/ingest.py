"""Ingest one delivery month from the inbox into the build warehouse's raw schema: check the
control file, run the quality gates, then load (or quarantine) the month."""

from __future__ import annotations

from pathlib import Path

import duckdb

from amisdw import settings
from amisdw.errors import DeliveryIncomplete
from amisdw.extracts.delivery import check_delivery
from amisdw.extracts.load import LoadResult, load_delivery, loaded_fingerprints
from amisdw.quality import quarantine
from amisdw.quality.gates import run_gates


def ingest_month(
    con: duckdb.DuckDBPyConnection, inbox: Path, month: str, quality_dir: Path | None = None
) -> LoadResult:
    """Load ``inbox/<month>`` if it is a complete delivery not loaded yet and it passes the
    quality gates; else explain why not (DeliveryIncomplete, DeliveryQuarantined).

    ``quality_dir`` holds the GX project (validation results, Data Docs) and quarantine
    reports; default: ``quality/`` next to the warehouse file ``con`` writes (the build file,
    which sits beside the published one).
    """
    folder = inbox / month
    if not folder.is_dir():
        raise DeliveryIncomplete(
            f"No delivery for {month}: folder {folder} does not exist. Wait for AMIS to deliver "
            "the month, or check the inbox path (--inbox / AMISDW_INBOX)."
        )
    delivery = check_delivery(folder)
    if not delivery.complete:
        raise DeliveryIncomplete(
            f"Delivery {month} is incomplete and was not loaded: "
            + "; ".join(delivery.reasons)
            + ". Nothing was changed; re-run once AMIS has re-delivered the month."
        )
    if loaded_fingerprints(con).get(month) != delivery.fingerprint:
        quality = quality_dir or _quality_dir_of(con)
        gates = run_gates(delivery, con, quality / "gx")
        if not gates.passed:
            report = quarantine.record(con, gates, quality / "quarantine")
            raise quarantine.DeliveryQuarantined(quarantine.message(gates, report), gates)
    result = load_delivery(con, delivery)
    result.warnings[:0] = delivery.warnings
    return result


def _quality_dir_of(con: duckdb.DuckDBPyConnection) -> Path:
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    if row and row[0]:
        return settings.quality_path(Path(row[0]).resolve())
    return settings.quality_path(settings.published_path())

