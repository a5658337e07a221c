"""Read one delivered file into typed Arrow batches of the contract's canonical columns.

CSV is read once into memory, decoded once (which also tells its encoding) and streamed
through pyarrow as UTF-8; xlsx (BUDGET only) is read with openpyxl, once per file version
(the row count of the control-file check and the parse share it). Every value is parsed
to the contract type; a value that does not parse is reported with its file, line and
column. Lines count the header as line 1 and assume no line breaks inside quoted values
(the contract has none).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from amisdw.errors import ExtractError, Finding
from amisdw.extracts.contract import Family, Field, FieldType
from amisdw.extracts.encoding import decode_extract
from amisdw.extracts.headers import HeaderMap, map_headers

BATCH_BYTES = 16 << 20
HEADER_PREFIX_CHARS = 1 << 16
MAX_EXAMPLES = 3

_PATTERNS = {
    FieldType.DATE: r"^(\d{4}-\d{2}-\d{2}|\d{8})$",
    FieldType.INTEGER: r"^[+-]?\d+$",
    FieldType.DECIMAL: r"^[+-]?\d+(\.\d{1,2})?$",
}
_EXPECTED = {
    FieldType.DATE: "a date as YYYY-MM-DD or YYYYMMDD",
    FieldType.INTEGER: "a whole number",
    FieldType.DECIMAL: "an amount in yuan with at most 2 decimals and no thousands separators",
}
ARROW_TYPES = {
    FieldType.TEXT: pa.string(),
    FieldType.DATE: pa.date32(),
    FieldType.INTEGER: pa.int64(),
    FieldType.DECIMAL: pa.decimal128(18, 2),
}


@dataclass
class FileInfo:
    """What reading a file found out, for lineage and the run summary."""

    name: str
    encoding: str = ""
    header_variant: str = ""
    extra_columns: list[str] = field(default_factory=list)
    rows: int = 0
    warnings: list[str] = field(default_factory=list)


def arrow_schema(family: Family) -> pa.Schema:
    cols = [pa.field(f.column, ARROW_TYPES[f.type]) for f in family.fields]
    cols += [pa.field("_source_line", pa.int64()), pa.field("_extra", pa.string())]
    return pa.schema(cols)


def read_extract(path: Path, family: Family, info: FileInfo | None = None) -> Iterator[pa.Table]:
    """Yield typed tables (canonical columns + ``_source_line`` + ``_extra``) for one file."""
    info = info if info is not None else FileInfo(path.name)
    utf8 = b""
    if path.suffix.lower() == ".xlsx":
        headers, batches = _xlsx_strings(path)
        info.encoding = "xlsx"
    else:
        data = path.read_bytes()
        info.encoding, text = decode_extract(path, data)
        headers = _csv_header(path, text)
        # UTF-8 files go to pyarrow as delivered (a BOM sits in the skipped header line)
        utf8 = data if info.encoding.startswith("utf-8") else text.encode("utf-8")
        del data, text
        batches = None
    hmap = map_headers(family, path.name, headers)
    info.header_variant = hmap.variant
    info.extra_columns = list(hmap.extras)
    if hmap.extras:
        info.warnings.append(
            f"{path.name}: unknown column(s) {', '.join(hmap.extras)} kept in raw._extra and "
            "ignored downstream"
        )
    if batches is None:
        batches = _csv_strings(path, utf8, len(headers))
    line = 2
    for batch in batches:
        table = _typed(batch, family, hmap, path.name, first_line=line)
        line += table.num_rows
        info.rows += table.num_rows
        yield table


def _csv_header(path: Path, text: str) -> list[str]:
    """The first record of ``text``, read from its first 64 KB (a copy of the whole text for
    the csv module costs more than the rest of the header's work), or from all of it when the
    record may run past them."""
    prefix = text[:HEADER_PREFIX_CHARS]
    with io.StringIO(prefix, newline="") as fh:
        try:
            header = next(csv.reader(fh))
        except StopIteration:
            raise ExtractError(
                [Finding(path.name, "the file is empty: no header row", line=1)]
            ) from None
        if len(prefix) == len(text) or fh.tell() < len(prefix):
            return header
    with io.StringIO(text, newline="") as fh:
        return next(csv.reader(fh))


def _csv_strings(path: Path, utf8: bytes, width: int) -> Iterator[list[pa.Array]]:
    """The data rows of a CSV file (``utf8``: its bytes as UTF-8) as string columns.

    Read at once without a handler for rows of the wrong width (a Python callback slows
    pyarrow's parser even when it is never called); a file with such a row fails that read
    and is read again row-checked, which reports every bad row as before."""
    names = [f"c{i}" for i in range(width)]
    try:
        batches = list(_csv_reader(utf8, names))
    except pa.ArrowInvalid:
        yield from _csv_strings_checked(path, utf8, names)
        return
    for batch in batches:
        yield list(batch.columns)


def _csv_strings_checked(path: Path, utf8: bytes, names: list[str]) -> Iterator[list[pa.Array]]:
    bad_rows: list[Finding] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_rows.append(
            Finding(
                path.name,
                f"has {row.actual_columns} fields where the header has {row.expected_columns}",
                line=row.number,
                value=row.text[:120],
            )
        )
        return "skip"

    for batch in _csv_reader(utf8, names, on_invalid):
        if bad_rows:
            break
        yield list(batch.columns)
    if bad_rows:
        raise ExtractError(
            bad_rows,
            hint="Rows must have as many fields as the header; ask AMIS "
            "to re-export the file (check quoting of commas inside values).",
        )


def _csv_reader(
    utf8: bytes,
    names: list[str],
    on_invalid: Callable[[pacsv.InvalidRow], str] | None = None,
) -> pacsv.CSVStreamingReader:
    """Every column as text, empty strings (quoted or not) as nulls, header row skipped."""
    return pacsv.open_csv(
        pa.BufferReader(utf8),
        read_options=pacsv.ReadOptions(
            encoding="utf8",
            skip_rows=1,
            column_names=names,
            block_size=BATCH_BYTES,
            use_threads=False,
        ),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
        ),
    )


def _xlsx_strings(path: Path) -> tuple[list[str], Iterator[list[pa.Array]]]:
    stat = path.stat()
    headers, data = _xlsx_rows(path, stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def gen() -> Iterator[list[pa.Array]]:
        if data:
            yield [pa.array([r[i] for r in data], pa.string()) for i in range(len(headers))]

    return list(headers), gen()


@functools.lru_cache(maxsize=2)
def _xlsx_rows(
    path: Path, inode: int, size: int, mtime_ns: int
) -> tuple[tuple[str, ...], tuple[tuple[str | None, ...], ...]]:
    """The header and the non-empty rows of the first sheet as text, cached per file version
    (``inode``, ``size``, ``mtime_ns``): openpyxl is slow, and the control-file check counts
    the rows the parse then reads."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        headers = tuple("" if v is None else str(v) for v in next(rows))
    except StopIteration:
        raise ExtractError(
            [Finding(path.name, "the first sheet is empty: no header row", line=1)]
        ) from None
    data = tuple(
        tuple([_cell_text(v) for v in row[: len(headers)]] + [None] * (len(headers) - len(row)))
        for row in rows
        if any(v not in (None, "") for v in row)
    )
    wb.close()
    return headers, data


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_row_count(path: Path) -> int:
    _, batches = _xlsx_strings(path)
    return sum(len(b[0]) for b in batches)


def _typed(
    columns: list[pa.Array], family: Family, hmap: HeaderMap, filename: str, first_line: int
) -> pa.Table:
    n = len(columns[0]) if columns else 0
    out: dict[str, pa.Array] = {}
    findings: list[Finding] = []
    for fld in family.fields:
        arr = columns[hmap.positions[fld.column]]
        typed, finding = _parse(arr, fld, filename, first_line)
        if finding:
            findings.append(finding)
        out[fld.column] = typed
    if findings:
        raise ExtractError(
            findings,
            hint="Fix the values (or ask AMIS to re-deliver the month); "
            "nothing of this month was loaded.",
        )
    out["_source_line"] = pa.array(range(first_line, first_line + n), pa.int64())
    out["_extra"] = _extras(columns, hmap, n)
    return pa.table(out)


def _parse(
    arr: pa.Array, fld: Field, filename: str, first_line: int
) -> tuple[pa.Array, Finding | None]:
    if fld.type is FieldType.TEXT:
        return arr, None
    trimmed = pc.utf8_trim_whitespace(arr)
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    ok = pc.match_substring_regex(trimmed, _PATTERNS[fld.type])
    typed: pa.Array | None = None
    if fld.type is FieldType.DATE:
        digits = pc.replace_substring(pc.if_else(ok, trimmed, None), "-", "")
        ts = pc.strptime(digits, format="%Y%m%d", unit="s", error_is_null=True)
        # strptime rolls 2024-02-30 over to March: a real date keeps its day of the month
        # (the same test as formatting it back to itself, and cheaper than strftime)
        day = pc.cast(pc.utf8_slice_codeunits(digits, 6, 8), pa.int64())
        ok = pc.and_kleene(ok, pc.equal(pc.day(ts), day))
        typed = pc.cast(ts, pa.date32())
    elif fld.type is FieldType.INTEGER:
        typed = pc.cast(pc.if_else(ok, trimmed, None), pa.int64())
    else:
        typed = pc.cast(pc.if_else(ok, trimmed, None), pa.decimal128(18, 2))
    bad = pc.and_(pc.is_valid(trimmed), pc.invert(pc.fill_null(ok, False)))
    nbad = pc.sum(bad).as_py() or 0
    if not nbad:
        return typed, None
    idx = pc.indices_nonzero(bad).to_pylist()
    examples = [f"line {first_line + i}: {trimmed[i].as_py()!r}" for i in idx[:MAX_EXAMPLES]]
    finding = Finding(
        filename,
        f"is not {_EXPECTED[fld.type]}",
        line=first_line + idx[0],
        column=f"{fld.caption} ({fld.code})",
        value=trimmed[idx[0]].as_py(),
        count=nbad,
        examples=examples,
    )
    return typed, finding


def _extras(columns: list[pa.Array], hmap: HeaderMap, n: int) -> pa.Array:
    if not hmap.extras:
        return pa.nulls(n, pa.string())
    cols = {name: columns[i].to_pylist() for name, i in hmap.extras.items()}
    return pa.array(
        [json.dumps({k: v[r] for k, v in cols.items()}, ensure_ascii=False) for r in range(n)],
        pa.string(),
    )
