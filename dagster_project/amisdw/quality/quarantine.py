"""Quarantine: a delivery that fails a gate is not loaded. Its files stay untouched in the
inbox; the build warehouse records it in ``raw._quarantine`` (month, fingerprint, when,
findings as JSON) and a report is written to ``<quality dir>/quarantine/<month>-<fp>.json``.
A corrected re-delivery (new control file, so a new fingerprint) is gated afresh."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path

import duckdb

from amisdw.errors import AmisdwError
from amisdw.extracts.load import ensure_raw_schema
from amisdw.quality.gates import GateResult

MAX_FINDINGS_IN_MESSAGE = 5


class DeliveryQuarantined(AmisdwError):
    """A complete delivery failed a quality gate and was not loaded."""

    def __init__(self, message: str, gates: GateResult | None = None) -> None:
        super().__init__(message)
        self.gates = gates


def record(con: duckdb.DuckDBPyConnection, result: GateResult, report_dir: Path) -> Path:
    """Store the quarantine in the build warehouse and as a JSON report; return its path."""
    now = dt.datetime.now().replace(microsecond=0)
    findings = [asdict(f) for f in result.findings]
    ensure_raw_schema(con)
    con.execute(
        "INSERT INTO raw._quarantine VALUES (?, ?, ?, ?, ?)",
        [
            result.month,
            result.fingerprint,
            now,
            json.dumps(findings, ensure_ascii=False, default=str),
            str(result.docs_index or ""),
        ],
    )
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / f"{result.month}-{result.fingerprint[:8]}.json"
    path.write_text(
        json.dumps(
            {
                "month": result.month,
                "fingerprint": result.fingerprint,
                "quarantined_at": now.isoformat(),
                "data_docs": str(result.docs_index or ""),
                "findings": findings,
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    return path


def message(result: GateResult, report: Path) -> str:
    """The one-paragraph explanation `amisdw run` prints."""
    shown = result.findings[:MAX_FINDINGS_IN_MESSAGE]
    more = len(result.findings) - len(shown)
    parts = "; ".join(str(f) for f in shown) + (f"; and {more} more finding(s)" if more else "")
    docs = f" Data Docs: {result.docs_index}." if result.docs_index else ""
    return (
        f"Delivery {result.month} failed its quality gates and was quarantined (not loaded; its "
        f"files are untouched in the inbox): {parts}. Report: {report}.{docs} Ask AMIS to "
        f"re-deliver {result.month} corrected; the next run loads it once it passes."
    )
