"""Control files (``YYYYMM.ok``): one line per data file, ``FILENAME|ROWS|MD5HEX``.

A month folder is complete only when its control file exists and every data file it
lists is present with the stated row count (header excluded) and MD5.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

MONTH_RE = re.compile(r"^\d{4}(0[1-9]|1[0-2])$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ControlEntry:
    filename: str
    rows: int
    md5: str


class ControlFileError(ValueError):
    """The control file itself is malformed."""


def control_path(folder: Path) -> Path:
    return folder / f"{folder.name}.ok"


def file_md5(path: Path) -> str:
    h = hashlib.md5()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class RecordCounter:
    """Counts CSV records fed chunk by chunk: line breaks outside double quotes, so a quoted
    field containing a newline stays one record; a final line without a trailing newline
    still counts. The chunks are split at the quotes, so no byte is looked at in Python."""

    def __init__(self) -> None:
        self.in_quotes = False
        self.breaks = 0
        self.last = b"\n"

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        parts = chunk.split(b'"')
        outside = parts[1::2] if self.in_quotes else parts[0::2]
        self.breaks += sum(part.count(b"\n") for part in outside)
        self.in_quotes ^= len(parts) % 2 == 0  # an odd number of quotes flips the state
        self.last = chunk[-1:]

    @property
    def records(self) -> int:
        return self.breaks + int(self.last not in (b"\n", b""))


def count_csv_rows(path: Path) -> int:
    """Data rows of a CSV file: physical records after the header (see RecordCounter)."""
    return file_md5_and_rows(path)[1]


def file_md5_and_rows(path: Path) -> tuple[str, int]:
    """The MD5 of a CSV file and its data rows (records after the header), in one read."""
    h = hashlib.md5()
    counter = RecordCounter()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            counter.feed(chunk)
    return h.hexdigest(), max(counter.records - 1, 0)


def format_control(entries: list[ControlEntry]) -> str:
    return "".join(f"{e.filename}|{e.rows}|{e.md5}\n" for e in entries)


def write_control_file(folder: Path, rows_by_file: dict[str, int]) -> Path:
    """Write ``<folder>/<YYYYMM>.ok`` last, listing each data file with its rows and MD5.

    ``rows_by_file`` maps file names in ``folder`` to their data-row counts (the writer
    knows them; they are not re-counted here). Entries are sorted by file name.
    """
    entries = [
        ControlEntry(name, rows, file_md5(folder / name))
        for name, rows in sorted(rows_by_file.items())
    ]
    path = control_path(folder)
    tmp = path.with_suffix(".ok.tmp")
    tmp.write_text(format_control(entries), encoding="ascii", newline="\n")
    tmp.replace(path)
    return path


def read_control_file(path: Path) -> list[ControlEntry]:
    entries: list[ControlEntry] = []
    text = path.read_bytes().decode("ascii", errors="strict")
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.strip().split("|")
        if (
            len(parts) != 3
            or not parts[1].isdigit()
            or not re.fullmatch(r"[0-9a-fA-F]{32}", parts[2])
        ):
            raise ControlFileError(
                f"{path}: line {lineno} is not FILENAME|ROWS|MD5HEX: {line!r}. "
                "Ask AMIS to re-send the control file."
            )
        entries.append(ControlEntry(parts[0], int(parts[1]), parts[2].lower()))
    if not entries:
        raise ControlFileError(f"{path}: the control file lists no data files.")
    return entries
