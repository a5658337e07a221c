"""Synthetic AMIS-style extracts of a life insurer's agency force (``amisdw generate``).

``generate`` runs the month-by-month simulation (simulate.py) and writes each month's
folder as soon as the month is simulated (data files first, the control file last), so
memory stays bounded by one month's rows plus the state arrays. Same arguments give
byte-identical files: every random draw comes from a generator seeded by (seed, month,
stream), and nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from amisdw.errors import AmisdwError
from amisdw.extracts.contract import MONTHLY_FAMILIES, family_of_file
from amisdw.extracts.control import control_path, write_control_file
from amisdw.generate import config
from amisdw.generate.dates import parse_yyyymm, yyyymm
from amisdw.generate.simulate import MonthFiles, Simulation
from amisdw.generate.writer import choose_layouts, write_csv, write_xlsx

ENCODING_CHOICES = ("mixed", "gb18030", "utf-8", "utf-8-sig")
HEADER_CHOICES = ("mixed", "captions", "codes")
REDELIVERY_VISIT_FIXES = 6


@dataclass
class GenerateSummary:
    out: Path
    size: str
    first: str
    last: str
    months: int
    files: int = 0
    rows: int = 0
    agents_in_service: int = 0
    redelivered: str | None = None
    rows_by_family: dict[str, int] = field(default_factory=dict)

    def add(self, written: dict[str, int], in_service: int) -> None:
        """Count one written month folder (file name -> data rows)."""
        self.files += len(written)
        self.rows += sum(written.values())
        for name, rows in written.items():
            fam = family_of_file(name)
            if fam is not None:
                self.rows_by_family[fam[0].name] = self.rows_by_family.get(fam[0].name, 0) + rows
        self.agents_in_service = in_service

    def __str__(self) -> str:
        what = (
            f"a re-delivery of {self.redelivered}"
            if self.redelivered
            else f"{self.months} month(s) {self.first}–{self.last}"
        )
        return (
            f"{what} ({self.size}): {self.files} files, {self.rows:,} rows, "
            f"{self.agents_in_service:,} agents in service at the end, into {self.out}"
        )


def generate(
    out: Path,
    size: str = "demo",
    start: str = "202301",
    months: int = 24,
    seed: int = 7,
    encoding: str = "mixed",
    headers: str = "mixed",
    redeliver: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> GenerateSummary:
    """Write ``months`` monthly deliveries from ``start`` into ``out`` (see module doc).

    With ``redeliver=YYYYMM`` only that month's folder is rewritten, as a corrected
    export (a few ACTIVITY visit counts fixed, one late receipt added); every other
    folder is left untouched.
    """
    start_abs, last_label, target = _check_arguments(
        size, start, months, encoding, headers, redeliver
    )
    say = progress or (lambda _msg: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = GenerateSummary(out, size, start, last_label, months, redelivered=redeliver)
    sim = Simulation(config.SIZES[size], start_abs, months, seed)
    for month in sim.run(upto=target):
        say(f"simulated {month.month.label}")
        if target is not None and month.month.index != target:
            continue
        if target is not None:
            _correct(month, seed)
        written = write_month(out / month.month.label, month, seed, encoding, headers)
        summary.add(written, month.in_service)
        say(f"wrote {month.month.label}")
    return summary


def _check_arguments(
    size: str, start: str, months: int, encoding: str, headers: str, redeliver: str | None
) -> tuple[int, str, int | None]:
    """Validate ``generate``'s arguments; returns the first absolute month, the last month's
    label and the re-delivered month's index (None for a full run)."""
    if size not in config.SIZES:
        raise AmisdwError(f"unknown size {size!r}: choose one of {', '.join(config.SIZES)}")
    if encoding not in ENCODING_CHOICES or headers not in HEADER_CHOICES:
        raise AmisdwError(
            f"encoding must be one of {ENCODING_CHOICES} and headers one of "
            f"{HEADER_CHOICES} (got {encoding!r}, {headers!r})"
        )
    if months < 1:
        raise AmisdwError("--months must be at least 1")
    try:
        start_abs = parse_yyyymm(start)
    except ValueError as exc:
        raise AmisdwError(f"--start: {exc}; give the first month as YYYYMM") from None
    last_label = yyyymm(start_abs + months - 1)
    target = None
    if redeliver is not None:
        target = parse_yyyymm(redeliver) - start_abs
        if not 0 <= target < months:
            raise AmisdwError(
                f"--redeliver {redeliver} is outside the generated window {start}–{last_label}; "
                "pass the same --start/--months as the original run and a month inside it"
            )
    return start_abs, last_label, target


def write_month(
    folder: Path, month: MonthFiles, seed: int, encoding: str, headers: str
) -> dict[str, int]:
    """Write one month folder: data files first, then ``YYYYMM.ok``."""
    folder.mkdir(parents=True, exist_ok=True)
    ok = control_path(folder)
    if ok.exists():
        ok.unlink()  # never leave an old control file beside new data
    families = list(MONTHLY_FAMILIES)
    budget = [fam for fam, _ in month.files.values() if fam.optional]
    layouts = choose_layouts(seed, month.month.index, families + budget, encoding, headers)
    rows: dict[str, int] = {}
    for name, (family, columns) in month.files.items():
        layout = layouts[family.name]
        if family.optional:
            as_xlsx = encoding == "mixed" and month.budget_year_index == 1
            name = f"{name}.xlsx" if as_xlsx else f"{name}.csv"
            writer = write_xlsx if as_xlsx else write_csv
            rows[name] = writer(folder / name, family, columns, layout)
        else:
            rows[name] = write_csv(folder / name, family, columns, layout)
    for stale in folder.iterdir():
        if stale.is_file() and stale.name not in rows and family_of_file(stale.name):
            stale.unlink()  # an extract file of an earlier run not written this time
    write_control_file(folder, rows)
    return rows


def _correct(month: MonthFiles, seed: int) -> None:
    """Turn a month's files into a corrected re-delivery: deterministic, small changes."""
    rng = np.random.default_rng([seed, month.month.index, 90_001])
    label = month.month.label
    _, act = month.files[f"ACTIVITY_{label}.csv"]
    n = len(act["Visits"])
    if n:
        rows = rng.choice(n, size=min(REDELIVERY_VISIT_FIXES, n), replace=False)
        visits = act["Visits"].copy()
        visits[rows] += rng.integers(1, 6, len(rows))
        act["Visits"] = visits
    _, pol = month.files[f"POLICY_{label}.csv"]
    _, rec = month.files[f"RECEIPT_{label}.csv"]
    # one receipt that missed the first export: an additional premium on a policy signed
    # this month and still in force, booked on the month's last day
    signed = np.flatnonzero(
        (pol["ContState"] == "1") & (pol["SignDate"] >= month.month.first) & (pol["PayIntv"] != 1)
    )
    if not len(signed):
        return
    i = int(signed[rng.integers(len(signed))])
    match = np.flatnonzero(rec["ContNo"] == pol["ContNo"][i])
    if not len(match):
        return
    j = int(match[0])
    amount = int(round(int(pol["FirstYearPrem"][i]) * 0.1 / 100)) * 100
    base = int(rec["TransMoney"][j]) or 1
    extra = {
        "ReceiptNo": f"67{label}{1:06d}",
        "ContNo": pol["ContNo"][i],
        "AgentCode": rec["AgentCode"][j],
        "AgentGroup": rec["AgentGroup"][j],
        "PayCount": 1,
        "TransType": "ZC",
        "DueDate": int(rec["DueDate"][j]),
        "ConfDate": int(rec["ConfDate"][j]),
        "TransMoney": amount,
        "TransStandMoney": int(round(amount * int(rec["TransStandMoney"][j]) / base)),
        "FYC": int(round(amount * int(rec["FYC"][j]) / base)),
        "WageNo": label,
    }
    for code, value in extra.items():
        rec[code] = np.concatenate([rec[code], np.array([value])])
