"""Which month folders are complete deliveries, and loading them into raw."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from amisdw.errors import DeliveryIncomplete, ExtractError
from amisdw.extracts.delivery import check_delivery, scan_inbox
from amisdw.extracts.load import load_delivery, loaded_fingerprints
from amisdw.ingest import ingest_month
from amisdw.quality.quarantine import DeliveryQuarantined
from tests.delivery_builder import base_rows, write_delivery, write_ok


@pytest.fixture
def con(tmp_path: Path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield c
    c.close()


def test_month_without_control_file_is_incomplete(tmp_path: Path):
    write_delivery(tmp_path, "202401", control=False)
    (d,), _ = scan_inbox(tmp_path)
    assert not d.complete
    assert "no control file 202401.ok" in d.reasons[0]


def test_wrong_row_count_or_md5_is_incomplete(tmp_path: Path):
    folder = write_delivery(tmp_path, "202401")
    ok = folder / "202401.ok"
    lines = ok.read_text().splitlines()
    lines = [ln.replace("ACTIVITY_202401.csv|2|", "ACTIVITY_202401.csv|3|") for ln in lines]
    ok.write_text("\n".join(lines) + "\n")
    d = check_delivery(folder)
    assert d.reasons == ["ACTIVITY_202401.csv has 2 data rows but 202401.ok says 3"]

    folder = write_delivery(tmp_path, "202402")
    with (folder / "POLICY_202402.csv").open("ab") as fh:  # changed after the .ok was written
        fh.write(b"P9,1000000001,G000000003,86610101,L20,L,12,20,2024-02-01,,,1.00,1,\r\n")
    d = check_delivery(folder)
    assert len(d.reasons) == 1 and d.reasons[0].startswith("POLICY_202402.csv: MD5 is ")


def test_missing_family_and_foreign_month_are_incomplete(tmp_path: Path):
    rows = base_rows("202401")
    del rows["ACTIVITY"]
    folder = write_delivery(tmp_path, "202401", rows)
    assert check_delivery(folder).reasons == ["202401.ok lists no file for ACTIVITY"]
    shutil.copy(folder / "COM_202401.csv", folder / "ACTIVITY_202312.csv")
    write_ok(
        folder, {"ACTIVITY_202312.csv": 4, **{f"{f}_202401.csv": len(r) for f, r in rows.items()}}
    )
    reasons = check_delivery(folder).reasons
    assert "ACTIVITY_202312.csv is in the 202401 folder but names month 202312" in reasons


def test_incomplete_month_is_not_loaded_and_says_why(tmp_path: Path, con):
    write_delivery(tmp_path, "202401", control=False)
    with pytest.raises(DeliveryIncomplete, match="202401 is incomplete"):
        ingest_month(con, tmp_path, "202401")
    assert loaded_fingerprints(con) == {}
    assert con.execute("SELECT count(*) FROM raw.agent").fetchone() == (0,)


def test_load_counts_and_lineage(tmp_path: Path, con):
    write_delivery(tmp_path, "202401")
    result = ingest_month(con, tmp_path, "202401")
    assert result.loaded
    assert result.rows == {
        "COM": 4,
        "BRANCH": 3,
        "AGENT": 2,
        "AGENT_EVENT": 1,
        "POLICY": 1,
        "RECEIPT": 1,
        "ACTIVITY": 2,
        "BUDGET": 0,
    }
    row = con.execute(
        "SELECT _delivery_month, _source_file, _source_line FROM raw.policy"
    ).fetchone()
    assert row == ("202401", "POLICY_202401.csv", 2)


def test_loading_the_same_delivery_twice_changes_nothing(tmp_path: Path, con):
    write_delivery(tmp_path, "202401")
    d = check_delivery(tmp_path / "202401")
    load_delivery(con, d, loaded_at=dt.datetime(2024, 2, 5, 6))
    before = con.execute("SELECT * FROM raw.agent ORDER BY ALL").fetchall()
    again = load_delivery(
        con, check_delivery(tmp_path / "202401"), loaded_at=dt.datetime(2024, 3, 1)
    )
    assert not again.loaded and again.skipped_reason.startswith("already loaded")
    assert con.execute("SELECT * FROM raw.agent ORDER BY ALL").fetchall() == before
    assert con.execute("SELECT count(*) FROM raw._deliveries").fetchone() == (1,)


def test_redelivery_replaces_the_month_entirely(tmp_path: Path, con):
    write_delivery(tmp_path, "202401")
    write_delivery(tmp_path, "202402")
    for m in ("202401", "202402"):
        ingest_month(con, tmp_path, m)
    rows = base_rows("202401")
    rows["RECEIPT"] = [dict(rows["RECEIPT"][0], ReceiptNo="R-NEW", TransMoney="5000.00")]
    rows["ACTIVITY"] = rows["ACTIVITY"][:1]
    shutil.rmtree(tmp_path / "202401")
    write_delivery(tmp_path, "202401", rows, encoding="utf-8", headers="codes")
    result = ingest_month(con, tmp_path, "202401")
    assert result.loaded
    assert con.execute(
        "SELECT receipt_no, trans_money FROM raw.receipt WHERE _delivery_month = '202401'"
    ).fetchall() == [("R-NEW", 5000)]
    assert con.execute(
        "SELECT count(*) FROM raw.activity WHERE _delivery_month = '202401'"
    ).fetchone() == (1,)
    # the other month is untouched
    assert con.execute(
        "SELECT receipt_no FROM raw.receipt WHERE _delivery_month = '202402'"
    ).fetchall() == [("R2024020001",)]


def test_a_bad_value_in_one_file_loads_nothing_of_the_month(tmp_path: Path, con):
    write_delivery(tmp_path, "202401")
    ingest_month(con, tmp_path, "202401")
    before = con.execute("SELECT count(*) FROM raw.com").fetchone()
    rows = base_rows("202401")
    rows["ACTIVITY"][1]["DutyDays"] = "twenty"  # ACTIVITY is loaded after COM, AGENT, ...
    shutil.rmtree(tmp_path / "202401")
    write_delivery(tmp_path, "202401", rows)
    # the gates find it first: the month is quarantined with the file, line and column
    with pytest.raises(DeliveryQuarantined) as exc:
        ingest_month(con, tmp_path, "202401")
    assert "ACTIVITY_202401.csv" in str(exc.value) and "line 3" in str(exc.value)
    assert "应出勤天数 (DutyDays)='twenty'" in str(exc.value)
    assert con.execute("SELECT count(*) FROM raw.com").fetchone() == before
    # and the load itself is all or nothing: COM, AGENT, ... loaded before ACTIVITY roll back
    with pytest.raises(ExtractError) as exc2:
        load_delivery(con, check_delivery(tmp_path / "202401"))
    assert "ACTIVITY_202401.csv, line 3, column 应出勤天数 (DutyDays)" in str(exc2.value)
    assert con.execute("SELECT count(*) FROM raw.com").fetchone() == before
    assert con.execute("SELECT receipt_no FROM raw.receipt").fetchall() == [("R2024010001",)]
