"""Write one extract file from typed column arrays, in one of the contract's layouts.

Columns arrive keyed by field code with one numpy array per field, typed by the
contract's field type: TEXT as ``str`` arrays (``""`` = null), DATE as int day numbers
(``dates.NULL_DAY`` = null), INTEGER as ints, DECIMAL as int64 *cents*. The writer turns
them into bytes in the file's layout (encoding, header spelling, line ending, date
format, column order) and returns the data-row count for the control file.

In ``mixed`` mode the layout of each file is drawn from a generator seeded by
(seed, month, family), so it is the same in every run and in a re-delivery; the first
month of a run always carries at least one UTF-8 file, one GB18030 file, one
caption header and one code header.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from amisdw.extracts.contract import Family, FieldType
from amisdw.generate import config
from amisdw.generate.dates import NULL_DAY

CHUNK_ROWS = 100_000
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_TWO_DIGITS = np.array([f"{i:02d}" for i in range(100)])
ENCODINGS = ("gb18030", "utf-8", "utf-8-sig")
HEADERS = ("captions", "codes")


@dataclass(frozen=True)
class Layout:
    encoding: str  # gb18030 | utf-8 | utf-8-sig
    headers: str  # captions | codes
    newline: str  # "\r\n" | "\n"
    compact_dates: bool
    order: tuple[int, ...] | None  # field positions in file order; None = contract order


def choose_layouts(
    seed: int,
    month_index: int,
    families: list[Family],
    encoding: str = "mixed",
    headers: str = "mixed",
) -> dict[str, Layout]:
    """One layout per family name for one month's files (deterministic)."""
    vary = encoding == "mixed" or headers == "mixed"
    rng = np.random.default_rng([seed, month_index, 7_001])
    perm = [int(i) for i in rng.permutation(len(families))]
    out: dict[str, Layout] = {}
    for pos, family in enumerate(families):
        frng = np.random.default_rng([seed, month_index, 7_002, pos])
        u = frng.random(6)
        if encoding != "mixed":
            enc = encoding
        elif u[0] < config.MIX_UTF8:
            enc = "utf-8"
        elif u[0] < config.MIX_UTF8 + config.MIX_UTF8_SIG:
            enc = "utf-8-sig"
        else:
            enc = "gb18030"
        hdr = headers
        if headers == "mixed":
            hdr = "codes" if u[1] < config.MIX_CODES else "captions"
        if month_index == 0 and len(families) >= 3:
            # guarantee both encodings and both header spellings in every run
            rank = perm.index(pos)
            if rank == 0 and encoding == "mixed":
                enc = "utf-8" if u[2] < 0.5 else "utf-8-sig"
            if rank == 1 and headers == "mixed":
                hdr = "codes"
            if rank == 2:
                if encoding == "mixed":
                    enc = "gb18030"
                if headers == "mixed":
                    hdr = "captions"
        newline = "\n" if vary and u[3] < config.MIX_LF else "\r\n"
        compact = bool(vary and u[4] < config.MIX_COMPACT_DATES)
        order = None
        if vary and u[5] < config.MIX_SHUFFLE:
            order = tuple(int(i) for i in frng.permutation(len(family.fields)))
        out[family.name] = Layout(enc, hdr, newline, compact, order)
    return out


# --- formatting ---------------------------------------------------------------------------------


def format_dates(days: np.ndarray, compact: bool) -> np.ndarray:
    days = np.asarray(days, dtype=np.int64)
    null = days == NULL_DAY
    d = np.where(null, 0, days).astype("datetime64[D]")
    if compact:
        y = d.astype("datetime64[Y]").astype(np.int64) + 1970
        mon = d.astype("datetime64[M]")
        m = mon.astype(np.int64) % 12 + 1
        dd = (d - mon.astype("datetime64[D]")).astype(np.int64) + 1
        text = (y * 10_000 + m * 100 + dd).astype(str)
    else:
        text = np.datetime_as_string(d, unit="D")
    return np.where(null, "", text)


def format_cents(cents: np.ndarray) -> np.ndarray:
    cents = np.asarray(cents, dtype=np.int64)
    mag = np.abs(cents)
    text = np.strings.add(np.strings.add((mag // 100).astype(str), "."), _TWO_DIGITS[mag % 100])
    return np.where(cents < 0, np.strings.add("-", text), text)


def format_text(values: np.ndarray) -> np.ndarray:
    arr = np.asarray(values).astype(str)
    special = (
        (np.strings.find(arr, ",") >= 0)
        | (np.strings.find(arr, '"') >= 0)
        | (np.strings.find(arr, "\n") >= 0)
    )
    if special.any():
        arr = arr.astype(object)
        for i in np.flatnonzero(special):
            arr[i] = '"' + str(arr[i]).replace('"', '""') + '"'
    return arr


def format_column(values: np.ndarray, ftype: FieldType, compact: bool) -> np.ndarray:
    if ftype is FieldType.DATE:
        return format_dates(values, compact)
    if ftype is FieldType.DECIMAL:
        return format_cents(values)
    if ftype is FieldType.INTEGER:
        return np.asarray(values, dtype=np.int64).astype(str)
    return format_text(values)


def _n_rows(family: Family, columns: dict[str, np.ndarray]) -> int:
    lengths = {len(columns[f.code]) for f in family.fields}
    if len(lengths) != 1:
        raise ValueError(f"{family.name}: columns of unequal length {sorted(lengths)}")
    return lengths.pop()


def write_csv(path: Path, family: Family, columns: dict[str, np.ndarray], layout: Layout) -> int:
    """Write ``path`` in ``layout``; return the number of data rows."""
    n = _n_rows(family, columns)
    fields = list(family.fields)
    if layout.order is not None:
        fields = [fields[i] for i in layout.order]
    header = ",".join(f.caption if layout.headers == "captions" else f.code for f in fields)
    body_encoding = "utf-8" if layout.encoding.startswith("utf-8") else layout.encoding
    nl = layout.newline
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write((header + nl).encode(layout.encoding))
        for start in range(0, n, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, n)
            cols = [
                format_column(columns[f.code][start:stop], f.type, layout.compact_dates).tolist()
                for f in fields
            ]
            text = nl.join(",".join(row) for row in zip(*cols, strict=True)) + nl
            fh.write(text.encode(body_encoding))
    tmp.replace(path)
    return n


def write_xlsx(path: Path, family: Family, columns: dict[str, np.ndarray], layout: Layout) -> int:
    """Write the rows to the first sheet of an xlsx workbook, byte-reproducibly."""
    import datetime as dt

    from openpyxl import Workbook

    n = _n_rows(family, columns)
    fields = list(family.fields)
    if layout.order is not None:
        fields = [fields[i] for i in layout.order]
    wb = Workbook(write_only=True)
    fixed = dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "AMIS"
    ws = wb.create_sheet(family.title_zh)
    ws.append([f.caption if layout.headers == "captions" else f.code for f in fields])
    values: list[list[object]] = []
    for f in fields:
        col = columns[f.code]
        if f.type is FieldType.DECIMAL:
            values.append([c / 100 for c in np.asarray(col, dtype=np.int64).tolist()])
        elif f.type is FieldType.INTEGER:
            values.append(np.asarray(col, dtype=np.int64).tolist())
        elif f.type is FieldType.DATE:
            values.append(format_dates(col, compact=False).tolist())
        else:
            values.append(np.asarray(col).astype(str).tolist())
    for row in zip(*values, strict=True):
        ws.append([None if v == "" else v for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_reproducible_zip(buf.getvalue()))
    return n


_CORE_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _reproducible_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times, sorted entries and fixed core-property times."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist()):
            payload = src.read(name)
            if name == "docProps/core.xml":
                payload = _CORE_TIME.sub(rb"\g<1>2000-01-01T00:00:00Z\g<3>", payload)
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, payload, compresslevel=6)
    return out.getvalue()
