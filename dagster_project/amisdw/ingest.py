"""Ingest one delivery month from the inbox into the build warehouse's raw schema."""

from __future__ import annotations

from pathlib import Path

import duckdb

from amisdw.errors import DeliveryIncomplete
from amisdw.extracts.delivery import check_delivery
from amisdw.extracts.load import LoadResult, load_delivery


def ingest_month(con: duckdb.DuckDBPyConnection, inbox: Path, month: str) -> LoadResult:
    """Load ``inbox/<month>`` if it is a complete delivery not loaded yet; else explain why not."""
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
    result = load_delivery(con, delivery)
    result.warnings[:0] = delivery.warnings
    return result
