"""Which month folders are complete deliveries, and loading them into raw."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from amisdw.errors import DeliveryIncomplete, ExtractError
from amisdw.extracts import load as load_module
from amisdw.extracts.delivery import InboxError, check_delivery, observe_inbox
from amisdw.extracts.load import load_delivery, loaded_fingerprints
from amisdw.extracts.parse import parse_delivery
from amisdw.ingest import ingest_month as ingest_into
from amisdw.quality.quarantine import DeliveryQuarantined
from amisdw.sequencing import MonthStatus
from tests.delivery_builder import base_rows, write_delivery, write_ok


@pytest.fixture
def con(tmp_path_factory: pytest.TempPathFactory):
    c = duckdb.connect(str(tmp_path_factory.mktemp("wh") / "w.duckdb"))
    yield c
    c.close()


def ingest_month(con: duckdb.DuckDBPyConnection, inbox: Path, month: str):
    return ingest_into(con, inbox, month, quality_dir=inbox.parent / f"{inbox.name}-quality")


def load(con: duckdb.DuckDBPyConnection, folder: Path, loaded_at: dt.datetime | None = None):
    return load_delivery(con, parse_delivery(check_delivery(folder)), loaded_at=loaded_at)


def test_month_without_control_file_is_awaited(tmp_path: Path):
    write_delivery(tmp_path, "202401", control=False)
    (month,) = observe_inbox(tmp_path).months
    assert month.status is MonthStatus.AWAITING
    assert "no control file 202401.ok" in month.reason
    assert not check_delivery(tmp_path / "202401").complete


def test_inbox_that_is_missing_a_file_empty_or_holds_a_misnamed_folder(tmp_path: Path):
    with pytest.raises(InboxError, match="does not exist"):
        observe_inbox(tmp_path / "nowhere")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InboxError, match="is a file, not a folder"):
        observe_inbox(tmp_path / "afile")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with pytest.raises(InboxError, match="holds no YYYYMM month folder"):
        observe_inbox(inbox)
    write_delivery(inbox, "202401")
    (inbox / "2024-02").mkdir()
    with pytest.raises(InboxError, match="not a delivery month YYYYMM: 2024-02"):
        observe_inbox(inbox)


def test_a_loaded_month_is_not_verified_again(tmp_path: Path):
    folder = write_delivery(tmp_path, "202401")
    fingerprint = check_delivery(folder).fingerprint
    (folder / "AGENT_202401.csv").write_bytes(b"changed after loading")
    (month,) = observe_inbox(tmp_path, {"202401": fingerprint}).months
    assert month.status is MonthStatus.COMPLETE  # the control file is the loaded one
    (month,) = observe_inbox(tmp_path).months
    assert month.status is MonthStatus.BROKEN and "MD5" in month.reason


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
    load(con, tmp_path / "202401", loaded_at=dt.datetime(2024, 2, 5, 6))
    before = con.execute("SELECT * FROM raw.agent ORDER BY ALL").fetchall()
    again = load(con, tmp_path / "202401", loaded_at=dt.datetime(2024, 3, 1))
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


def test_a_bad_value_in_one_file_loads_nothing_of_the_month(tmp_path: Path, con, monkeypatch):
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
    # the parse found it, once: the file is not loadable
    parsed = parse_delivery(check_delivery(tmp_path / "202401"))
    (error,) = parsed.errors
    assert isinstance(error, ExtractError)
    assert "ACTIVITY_202401.csv, line 3, column 应出勤天数 (DutyDays)" in str(error)
    # and the load itself is all or nothing: a failure while inserting ACTIVITY (after COM,
    # AGENT, ... went in) rolls the whole month back
    shutil.rmtree(tmp_path / "202401")
    write_delivery(tmp_path, "202401", base_rows("202401") | {"RECEIPT": []})
    insert = load_module._insert

    def failing_insert(con, delivery, pfile, loaded_at):  # noqa: ANN001, ANN202
        if pfile.file.family.name == "ACTIVITY":
            raise duckdb.IOException("disk full while inserting ACTIVITY")
        insert(con, delivery, pfile, loaded_at)

    monkeypatch.setattr(load_module, "_insert", failing_insert)
    with pytest.raises(duckdb.IOException):
        load(con, tmp_path / "202401")
    assert con.execute("SELECT count(*) FROM raw.com").fetchone() == before
    assert con.execute("SELECT receipt_no FROM raw.receipt").fetchall() == [("R2024010001",)]
