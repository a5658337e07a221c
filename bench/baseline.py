"""The physical-limit baseline: decode and read every delivered file once into DuckDB, with no
logic (no control-file check, no header mapping, no typing, no gates, no models).

    python bench/baseline.py INBOX DUCKDB_FILE [--encoding gb18030]

Every CSV is streamed by pyarrow (which transcodes on the fly) with every column as text and
appended to one table per extract family (the file name before ``_YYYYMM``); the BUDGET
workbooks are read with openpyxl. The pipeline does all of this and more, so it cannot beat it.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import re
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.csv as pacsv

MONTH_FOLDER = re.compile(r"^\d{6}$")
MONTH_SUFFIX = re.compile(r"_\d{6}$")
BLOCK_BYTES = 16 << 20
SNIFF_BYTES = 64 << 10


def table_name(path: Path, columns: list[str]) -> str:
    """One table per extract family and header layout (the name before ``_YYYYMM``; a month
    with captions instead of codes, or another column order, gets its own table: no mapping)."""
    layout = hashlib.md5("\x1f".join(columns).encode()).hexdigest()[:8]
    family = MONTH_SUFFIX.sub("", path.stem).lower()
    return f"{family}_{layout}"


def header_and_encoding(path: Path, fallback: str) -> tuple[list[str], str]:
    """The header line, and the file's encoding told from its first 64 KB: UTF-8 (with or
    without a BOM) when they decode as UTF-8, else ``fallback`` (AMIS's GB18030)."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = fallback
    line = head.split(b"\n", 1)[0].decode(encoding)
    return line.lstrip("\ufeff").rstrip("\r").split(","), encoding


def csv_table(path: Path, fallback: str) -> pa.Table:
    header, encoding = header_and_encoding(path, fallback)
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=encoding, block_size=BLOCK_BYTES),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())),
    )


def xlsx_table(path: Path) -> pa.Table:
    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    columns = list(zip(*rows[1:], strict=True)) if len(rows) > 1 else [() for _ in header]
    return pa.table(
        {
            h: pa.array([None if v is None else str(v) for v in col], pa.string())
            for h, col in zip(header, columns, strict=True)
        }
    )


def load(inbox: Path, target: Path, encoding: str) -> int:
    """Rows appended, in all."""
    rows = 0
    with duckdb.connect(str(target)) as con:
        for folder in sorted(p for p in inbox.iterdir() if MONTH_FOLDER.match(p.name)):
            for path in sorted(folder.iterdir()):
                if path.suffix == ".csv":
                    table = csv_table(path, encoding)
                elif path.suffix == ".xlsx":
                    table = xlsx_table(path)
                else:
                    continue
                name = table_name(path, table.column_names)
                con.register("batch", table)
                exists = con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
                ).fetchone()[0]
                if exists:
                    con.execute(f'INSERT INTO "{name}" SELECT * FROM batch')
                else:
                    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM batch')
                con.unregister("batch")
                rows += table.num_rows
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inbox", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--encoding", default="gb18030", help="of files not in UTF-8")
    args = parser.parse_args()
    print(load(args.inbox, args.target, args.encoding))


if __name__ == "__main__":
    main()
