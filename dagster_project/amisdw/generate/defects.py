"""Defects a quality gate must catch, injected into a generated month folder at known rows.

``inject(folder, kind)`` changes one file of the folder (rewriting the control file so the
delivery stays complete, except for ``truncated_file``, which is cut after the control file
was written) and returns the ``Defect`` it made: which file, which check must fire, how
many rows, and the file lines concerned — what a test asserts of the finding.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from amisdw.extracts.contract import FAMILY_BY_NAME
from amisdw.extracts.control import count_csv_rows, read_control_file, write_control_file

KINDS = (
    "wrong_encoding",
    "missing_column",
    "duplicated_keys",
    "orphan_codes",
    "orphan_reference",
    "bad_dates",
    "attend_gt_duty",
    "truncated_file",
    "non_numeric_amounts",
)


@dataclass(frozen=True)
class Defect:
    kind: str
    month: str
    file: str
    check: str  # the gate check that must report it ("parse", "code_set:agent_state", ...)
    rows: int  # rows the finding counts
    lines: list[int] = field(default_factory=list)  # file lines concerned (header = line 1)


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8-sig"), (
            "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        )
    except UnicodeDecodeError:
        return raw.decode("gb18030"), "gb18030"


def _read(path: Path) -> tuple[list[list[str]], str, str]:
    raw = path.read_bytes()
    text, encoding = _decode(raw)
    newline = "\r\n" if b"\r\n" in raw[:4096] else "\n"
    return list(csv.reader(io.StringIO(text, newline=""))), encoding, newline


def _write(path: Path, rows: list[list[str]], encoding: str, newline: str) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def _column(header: list[str], family: str, code: str) -> int:
    lookup = FAMILY_BY_NAME[family].header_lookup()
    for i, h in enumerate(header):
        fld = lookup.get(h.strip().lstrip("\ufeff"))
        if fld is not None and fld.code == code:
            return i
    raise KeyError(f"{family} file has no column {code}")


def _file(folder: Path, family: str) -> Path:
    return folder / f"{family}_{folder.name}.csv"


def _rewrite_control(folder: Path) -> None:
    """The control file again after a CSV was changed: its rows recounted (a BUDGET workbook
    is never changed by a defect and keeps its count; counting it as CSV would be wrong)."""
    entries = read_control_file(folder / f"{folder.name}.ok")
    write_control_file(
        folder,
        {
            e.filename: count_csv_rows(folder / e.filename)
            if e.filename.lower().endswith(".csv")
            else e.rows
            for e in entries
        },
    )


def inject(folder: Path, kind: str) -> Defect:
    """Inject one defect of ``kind`` into the month folder; return what it is."""
    make = _INJECTORS.get(kind)
    if make is None:
        raise ValueError(f"unknown defect {kind!r}; choose one of {', '.join(KINDS)}")
    return make(folder)


def _truncated_file(folder: Path) -> Defect:
    """RECEIPT cut by its last 5 rows after the control file was written (its count no
    longer matches)."""
    path = _file(folder, "RECEIPT")
    rows, enc, nl = _read(path)
    _write(path, rows[:-5], enc, nl)  # after the control file: it still says the old count
    return Defect("truncated_file", folder.name, path.name, "control_file", 5)


def _wrong_encoding(folder: Path) -> Defect:
    """AGENT re-encoded as UTF-16, as Excel's 'Unicode text' export writes it."""
    path = _file(folder, "AGENT")
    rows, _, nl = _read(path)
    buf = io.StringIO()
    csv.writer(buf, lineterminator=nl).writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-16"))  # an Excel 'Unicode text' export
    _rewrite_control(folder)
    return Defect("wrong_encoding", folder.name, path.name, "parse", 1, [1])


def _missing_column(folder: Path) -> Defect:
    """ACTIVITY without its Visits column."""
    path = _file(folder, "ACTIVITY")
    rows, enc, nl = _read(path)
    i = _column(rows[0], "ACTIVITY", "Visits")
    _write(path, [r[:i] + r[i + 1 :] for r in rows], enc, nl)
    _rewrite_control(folder)
    return Defect("missing_column", folder.name, path.name, "parse", 1, [1])


def _duplicated_keys(folder: Path) -> Defect:
    """POLICY with lines 2 and 3 sent again at the end."""
    path = _file(folder, "POLICY")
    rows, enc, nl = _read(path)
    dup = [list(rows[1]), list(rows[2])]  # lines 2 and 3 sent again at the end
    rows += dup
    _write(path, rows, enc, nl)
    _rewrite_control(folder)
    n = len(rows)
    return Defect("duplicated_keys", folder.name, path.name, "unique_key", 4, [2, 3, n - 1, n])


def _orphan_codes(folder: Path) -> Defect:
    """AGENT with AgentState 09 (not a state) on lines 2-4."""
    path = _file(folder, "AGENT")
    rows, enc, nl = _read(path)
    i = _column(rows[0], "AGENT", "AgentState")
    for r in rows[1:4]:
        r[i] = "09"
    _write(path, rows, enc, nl)
    _rewrite_control(folder)
    return Defect("orphan_codes", folder.name, path.name, "code_set:agent_state", 3, [2, 3, 4])


def _orphan_reference(folder: Path) -> Defect:
    """RECEIPT lines 2-3 pointing to contracts that do not exist."""
    path = _file(folder, "RECEIPT")
    rows, enc, nl = _read(path)
    i = _column(rows[0], "RECEIPT", "ContNo")
    rows[1][i] = "X000000000000001"
    rows[2][i] = "X000000000000002"
    _write(path, rows, enc, nl)
    _rewrite_control(folder)
    return Defect("orphan_reference", folder.name, path.name, "policy_exists", 2, [2, 3])


def _bad_dates(folder: Path) -> Defect:
    """AGENT_EVENT with impossible EffectiveDates on lines 2-3."""
    path = _file(folder, "AGENT_EVENT")
    rows, enc, nl = _read(path)
    i = _column(rows[0], "AGENT_EVENT", "EffectiveDate")
    rows[1][i] = "2024-02-30"
    rows[2][i] = "20241345"
    _write(path, rows, enc, nl)
    _rewrite_control(folder)
    return Defect("bad_dates", folder.name, path.name, "parse", 2, [2, 3])


def _attend_gt_duty(folder: Path) -> Defect:
    """ACTIVITY lines 2-4 with more attendance days than duty days."""
    path = _file(folder, "ACTIVITY")
    rows, enc, nl = _read(path)
    d, a = _column(rows[0], "ACTIVITY", "DutyDays"), _column(rows[0], "ACTIVITY", "AttendDays")
    for r in rows[1:4]:
        r[a] = str(int(r[d] or 0) + 2)
    _write(path, rows, enc, nl)
    _rewrite_control(folder)
    return Defect("attend_gt_duty", folder.name, path.name, "attend_le_duty", 3, [2, 3, 4])


def _non_numeric_amounts(folder: Path) -> Defect:
    """RECEIPT lines 2-3 with TransMoney that is not a number."""
    path = _file(folder, "RECEIPT")
    rows, enc, nl = _read(path)
    i = _column(rows[0], "RECEIPT", "TransMoney")
    rows[1][i] = "1,234.50"
    rows[2][i] = "壹仟元"
    _write(path, rows, enc, nl)
    _rewrite_control(folder)
    return Defect("non_numeric_amounts", folder.name, path.name, "parse", 2, [2, 3])


_INJECTORS: dict[str, Callable[[Path], Defect]] = {
    "truncated_file": _truncated_file,
    "wrong_encoding": _wrong_encoding,
    "missing_column": _missing_column,
    "duplicated_keys": _duplicated_keys,
    "orphan_codes": _orphan_codes,
    "orphan_reference": _orphan_reference,
    "bad_dates": _bad_dates,
    "attend_gt_duty": _attend_gt_duty,
    "non_numeric_amounts": _non_numeric_amounts,
}


def inject_all(inbox: Path, months: list[str]) -> list[Defect]:
    """One defect kind per month, in KINDS order, from the second month on (the first stays
    clean so later months have history to be checked against); the list is also written to
    ``<inbox>/.defects.json`` (ignored by the ingestion)."""
    targets = months[1:]
    if len(targets) < len(KINDS):
        from amisdw.errors import AmisdwError

        raise AmisdwError(
            f"--defects needs at least {len(KINDS) + 1} months (one clean month, then one per "
            f"defect kind: {', '.join(KINDS)}); got {len(months)}."
        )
    made = [inject(inbox / m, kind) for m, kind in zip(targets, KINDS, strict=False)]
    (inbox / ".defects.json").write_text(
        json.dumps([asdict(d) for d in made], ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return made
