"""Decoding, header mapping and typed parsing of single delivered files."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from amisdw.errors import ExtractError
from amisdw.extracts.contract import ACTIVITY, AGENT, BUDGET, RECEIPT
from amisdw.extracts.control import RecordCounter, count_csv_rows, file_md5_and_rows
from amisdw.extracts.encoding import detect_encoding
from amisdw.extracts.headers import map_headers
from amisdw.extracts.read import FileInfo, read_extract
from tests.delivery_builder import base_rows, write_csv


def _read_all(path: Path, family) -> tuple[pa.Table, FileInfo]:
    info = FileInfo(path.name)
    return pa.concat_tables(list(read_extract(path, family, info))), info


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("gb18030", "gb18030"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig")],
)
def test_encoding_is_detected_and_names_survive(tmp_path: Path, encoding: str, expected: str):
    path = tmp_path / "AGENT_202401.csv"
    write_csv(path, "AGENT", base_rows("202401")["AGENT"], encoding=encoding)
    assert detect_encoding(path) == expected
    table, info = _read_all(path, AGENT)
    # 𠀾 (U+2003E) needs 4 bytes in GB18030 and does not exist in GBK
    assert table.column("name").to_pylist() == ["张𠀾华", "李四"]
    assert info.encoding == expected


def test_gb18030_file_with_4_byte_character_is_not_gbk(tmp_path: Path):
    path = tmp_path / "AGENT_202401.csv"
    write_csv(path, "AGENT", base_rows("202401")["AGENT"], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("gbk")
    assert detect_encoding(path) == "gb18030"


def test_undecodable_file_names_the_line(tmp_path: Path):
    path = tmp_path / "ACTIVITY_202401.csv"
    # Latin-1 "José," is neither UTF-8 nor GB18030 (0xE9 cannot be followed by a comma)
    path.write_bytes(b"AgentCode,StatMonth\n1,202401\nJos\xe9,202401\n")
    with pytest.raises(ExtractError) as exc:
        detect_encoding(path)
    assert "ACTIVITY_202401.csv, line 3" in str(exc.value)
    assert "neither UTF-8 nor GB18030" in str(exc.value)


def test_captions_codes_and_shuffled_order_map_to_one_column_set(tmp_path: Path):
    rows = base_rows("202401")["RECEIPT"]
    a, b = tmp_path / "a" / "RECEIPT_202401.csv", tmp_path / "b" / "RECEIPT_202401.csv"
    a.parent.mkdir()
    b.parent.mkdir()
    write_csv(a, "RECEIPT", rows, headers="captions")
    write_csv(b, "RECEIPT", rows, headers="codes", encoding="utf-8", newline="\n")
    ta, ia = _read_all(a, RECEIPT)
    tb, ib = _read_all(b, RECEIPT)
    assert (ia.header_variant, ib.header_variant) == ("captions", "codes")
    assert ta.drop_columns(["_source_line"]).equals(tb.drop_columns(["_source_line"]))
    assert ta.column("trans_money").to_pylist() == [Decimal("6000.50")]
    assert ta.column("fyc").to_pylist() == [Decimal("2100.18")]


def test_header_mapping_keeps_extras_and_detects_missing():
    headers = [
        "统计年月",
        "AgentCode",
        "应出勤天数",
        "实际出勤天数",
        "Visits",
        "新增准主顾数",
        "增员面谈数",
        "备注",
    ]
    hmap = map_headers(ACTIVITY, "ACTIVITY_202401.csv", headers)
    assert hmap.variant == "mixed"
    assert hmap.extras == {"备注": 7}
    assert hmap.positions["agent_code"] == 1
    with pytest.raises(ExtractError) as exc:
        map_headers(ACTIVITY, "ACTIVITY_202401.csv", headers[:-2])
    assert "增员面谈数 (RecruitInterviews)" in str(exc.value)
    assert "line 1" in str(exc.value)


def test_extra_column_lands_in_extra_json_with_warning(tmp_path: Path):
    path = tmp_path / "ACTIVITY_202401.csv"
    path.write_text(
        "代理人编码,统计年月,应出勤天数,实际出勤天数,拜访量,新增准主顾数,增员面谈数,备注\n"
        "1000000001,202401,22,20,80,5,2,好\n",
        encoding="utf-8",
    )
    table, info = _read_all(path, ACTIVITY)
    assert table.column("_extra").to_pylist() == ['{"备注": "好"}']
    assert info.warnings and "备注" in info.warnings[0]


def test_both_date_formats_parse_and_empty_is_null(tmp_path: Path):
    path = tmp_path / "AGENT_202401.csv"
    write_csv(path, "AGENT", base_rows("202401")["AGENT"])
    table, _ = _read_all(path, AGENT)
    assert table.column("birthday").to_pylist() == [dt.date(1980, 2, 3), dt.date(1990, 1, 1)]
    assert table.column("out_work_date").to_pylist() == [None, None]
    assert table.column("_source_line").to_pylist() == [2, 3]


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("ConfDate", "2024-02-30", "实收日期 (ConfDate)"),
        ("ConfDate", "15/01/2024", "实收日期 (ConfDate)"),
        ("TransMoney", "1,000.00", "实收保费 (TransMoney)"),
        ("TransMoney", "12.345", "实收保费 (TransMoney)"),
        ("PayCount", "1.5", "交费期次 (PayCount)"),
    ],
)
def test_bad_values_name_file_line_and_column(tmp_path: Path, field: str, value: str, column: str):
    rows = base_rows("202401")["RECEIPT"] * 3
    rows = [dict(r, ReceiptNo=f"R{i}") for i, r in enumerate(rows)]
    rows[1] = dict(rows[1], **{field: value})
    path = tmp_path / "RECEIPT_202401.csv"
    write_csv(path, "RECEIPT", rows)
    with pytest.raises(ExtractError) as exc:
        _read_all(path, RECEIPT)
    finding = exc.value.findings[0]
    assert (finding.file, finding.line, finding.column, finding.value) == (
        "RECEIPT_202401.csv",
        3,
        column,
        value,
    )


def test_ragged_row_is_reported_with_its_line(tmp_path: Path):
    path = tmp_path / "ACTIVITY_202401.csv"
    path.write_text(
        "AgentCode,StatMonth,DutyDays,AttendDays,Visits,NewProspects,RecruitInterviews\n"
        "1,202401,22,20,80,5,2\n2,202401,22,20\n",
        encoding="utf-8",
    )
    with pytest.raises(ExtractError) as exc:
        _read_all(path, ACTIVITY)
    assert exc.value.findings[0].line == 3
    assert "4 fields where the header has 7" in str(exc.value)


def test_budget_xlsx_first_sheet(tmp_path: Path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["机构代码", "年月", "指标", "目标值"])
    ws.append(["8661", 202401, "effective_manpower", 120])
    ws.append(["8661", "202402", "first_year_standard_premium", 1500000.5])
    wb.create_sheet("notes").append(["ignored"])
    path = tmp_path / "BUDGET_2024.xlsx"
    wb.save(path)
    table, info = _read_all(path, BUDGET)
    assert info.encoding == "xlsx"
    assert table.column("month").to_pylist() == ["202401", "202402"]
    assert table.column("target").to_pylist() == [Decimal("120.00"), Decimal("1500000.50")]


def test_row_count_ignores_quoted_newlines_and_missing_final_newline(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_bytes(b'a,b\r\n1,"two\r\nlines"\r\n3,4')
    assert count_csv_rows(path) == 2
    path.write_bytes(b"a,b\n")
    assert count_csv_rows(path) == 0


def test_records_are_counted_alike_wherever_the_chunks_break(tmp_path: Path):
    # header, a record with a quoted newline and an escaped quote, a quoted empty field, and a
    # last record without a final newline: 4 records, so 3 data rows
    data = b'h1,h2\n"x\ny ""q""",2\n"",3\nz,"4\n5"'
    for cut in range(len(data) + 1):
        for cut2 in range(cut, len(data) + 1):
            counter = RecordCounter()
            for chunk in (data[:cut], data[cut:cut2], data[cut2:]):
                counter.feed(chunk)
            assert counter.records == 4, (cut, cut2)
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    assert file_md5_and_rows(path) == (hashlib.md5(data).hexdigest(), 3)
