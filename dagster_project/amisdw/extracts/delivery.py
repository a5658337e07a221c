"""Find the month deliveries in an inbox and decide which are complete.

A month folder ``inbox/YYYYMM/`` is complete when its control file ``YYYYMM.ok`` exists,
is well formed, lists every monthly extract family once, and every listed file exists
with the stated row count and MD5. Anything else is incomplete, with reasons, and is not
loaded. The delivery's fingerprint is the MD5 of its control file: a re-delivery writes
a new control file, so a new fingerprint; the same delivery seen twice has the same one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from amisdw.errors import AmisdwError
from amisdw.extracts.contract import MONTHLY_FAMILIES, Family, family_of_file
from amisdw.extracts.control import (
    MONTH_RE,
    ControlEntry,
    ControlFileError,
    control_path,
    file_md5,
    file_md5_and_rows,
    read_control_file,
)
from amisdw.sequencing import InboxMonth, MonthStatus


@dataclass(frozen=True)
class DeliveredFile:
    entry: ControlEntry
    family: Family
    period: str  # YYYYMM for monthly families, YYYY for BUDGET

    @property
    def name(self) -> str:
        return self.entry.filename


@dataclass
class Delivery:
    month: str
    folder: Path
    fingerprint: str = ""
    files: list[DeliveredFile] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.reasons and bool(self.fingerprint)

    @property
    def awaiting_control_file(self) -> bool:
        """No control file yet: AMIS is still writing the month (normal, not an error)."""
        return not (self.folder / f"{self.month}.ok").is_file()

    @property
    def size_bytes(self) -> int:
        return sum((self.folder / f.name).stat().st_size for f in self.files)

    def files_of(self, family: Family) -> list[DeliveredFile]:
        return [f for f in self.files if f.family is family]


class InboxError(AmisdwError):
    """The inbox itself cannot be read as AMIS deliveries."""


@dataclass
class Observation:
    """What the inbox holds: one entry per month folder (in month order), the deliveries
    verified against their control files, and inbox-level warnings."""

    months: list[InboxMonth] = field(default_factory=list)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def month_folders(inbox: Path) -> tuple[list[Path], list[str]]:
    """The ``YYYYMM`` folders of ``inbox`` in month order, plus warnings about stray files.

    Raises InboxError when the inbox is missing, is a file, holds no month folder, or holds
    a folder whose name is not a month (a delivery misfiled under another name would
    otherwise be silently ignored)."""
    if not inbox.exists():
        raise InboxError(
            f"The inbox {inbox} does not exist. Pass --inbox DIR (the folder AMIS delivers "
            "YYYYMM month folders into), or run `amisdw generate --out DIR` first."
        )
    if not inbox.is_dir():
        raise InboxError(
            f"The inbox {inbox} is a file, not a folder. Pass --inbox DIR, the folder that "
            "holds the YYYYMM month folders."
        )
    folders, warnings, misnamed = [], [], []
    for child in sorted(inbox.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir() and MONTH_RE.match(child.name):
            folders.append(child)
        elif child.is_dir():
            misnamed.append(child.name)
        else:
            warnings.append(f"{child.name}: a file, not a YYYYMM month folder; ignored")
    if misnamed:
        raise InboxError(
            f"The inbox {inbox} holds folder(s) whose name is not a delivery month YYYYMM: "
            f"{', '.join(misnamed)}. Rename each to its month (e.g. 202403), or move it out of "
            "the inbox; nothing was loaded."
        )
    if not folders:
        raise InboxError(
            f"The inbox {inbox} holds no YYYYMM month folder, so there is nothing to load. "
            "Check --inbox (or AMISDW_INBOX), or wait for AMIS's first delivery."
        )
    return folders, warnings


def observe_inbox(
    inbox: Path, loaded: Mapping[str, str] | None = None, verify: bool = True
) -> Observation:
    """Every month folder of ``inbox`` with the state of its delivery.

    ``loaded`` (month → fingerprint in the warehouse): a month whose control file is the
    loaded one is not verified again (its files are not hashed). ``verify=False`` reads only
    the control files (a month with one counts as complete until it is verified at load).
    """
    loaded = loaded or {}
    folders, warnings = month_folders(inbox)
    obs = Observation(warnings=warnings)
    for folder in folders:
        month, ok = folder.name, control_path(folder)
        if not ok.is_file():
            obs.months.append(InboxMonth(month, MonthStatus.AWAITING, reason=_awaiting_reason(ok)))
            continue
        fingerprint = file_md5(ok)
        if loaded.get(month) == fingerprint:
            obs.months.append(InboxMonth(month, MonthStatus.COMPLETE, fingerprint))
            continue
        if not verify:  # the control file is read (cheap); the data files are left to the load
            try:
                read_control_file(ok)
            except (ControlFileError, UnicodeDecodeError) as exc:
                reason = f"control file {ok.name} is malformed: {exc}"
                obs.months.append(InboxMonth(month, MonthStatus.BROKEN, fingerprint, reason))
            else:
                obs.months.append(InboxMonth(month, MonthStatus.COMPLETE, fingerprint))
            continue
        delivery = check_delivery(folder)
        obs.deliveries[month] = delivery
        status = MonthStatus.COMPLETE if delivery.complete else MonthStatus.BROKEN
        obs.months.append(
            InboxMonth(
                month, status, delivery.fingerprint or fingerprint, "; ".join(delivery.reasons)
            )
        )
    return obs


def _awaiting_reason(ok: Path) -> str:
    return (
        f"no control file {ok.name}: AMIS writes it last, so the delivery is still being "
        "written or was interrupted; it will be loaded once the control file arrives"
    )


def check_delivery(folder: Path) -> Delivery:
    month = folder.name
    delivery = Delivery(month=month, folder=folder)
    ok = control_path(folder)
    if not ok.is_file():
        delivery.reasons.append(_awaiting_reason(ok))
        return delivery
    try:
        entries = read_control_file(ok)
    except (ControlFileError, UnicodeDecodeError) as exc:
        delivery.reasons.append(f"control file {ok.name} is malformed: {exc}")
        return delivery

    listed: Counter[str] = Counter()
    for entry in entries:
        recognised = family_of_file(entry.filename)
        if recognised is not None and recognised[1] in (month, month[:4]):
            listed[recognised[0].name] += 1
        problem = _check_entry(folder, month, entry)
        if problem:
            delivery.reasons.append(problem)
            continue
        assert recognised is not None  # _check_entry verified it
        family, period, _ = recognised
        delivery.files.append(DeliveredFile(entry, family, period))
    for family in MONTHLY_FAMILIES:
        if listed[family.name] > 1:
            delivery.reasons.append(f"{ok.name} lists more than one {family.name} file")
    missing = [f.name for f in MONTHLY_FAMILIES if not listed[f.name]]
    if missing:
        delivery.reasons.append(f"{ok.name} lists no file for {', '.join(missing)}")
    names = {e.filename for e in entries} | {ok.name}
    for extra in sorted(p.name for p in folder.iterdir() if p.is_file()):
        if extra not in names and not extra.startswith("."):
            delivery.warnings.append(f"{month}/{extra} is not listed in {ok.name}; ignored")
    if not delivery.reasons:
        delivery.fingerprint = file_md5(ok)
    return delivery


def _check_entry(folder: Path, month: str, entry: ControlEntry) -> str | None:
    path = folder / entry.filename
    recognised = family_of_file(entry.filename)
    if recognised is None:
        return f"{entry.filename} (listed in {month}.ok) is not an AMIS extract file name"
    family, period, ext = recognised
    if not family.optional and period != month:
        return f"{entry.filename} is in the {month} folder but names month {period}"
    if ext == "xlsx" and family.name != "BUDGET":
        return f"{entry.filename}: only BUDGET may come as xlsx"
    if not path.is_file():
        return f"{entry.filename} is listed in {month}.ok but missing from the folder"
    if ext == "xlsx":
        actual_md5, rows = file_md5(path), -1  # rows read below, once the MD5 matches
    else:
        actual_md5, rows = file_md5_and_rows(path)  # one read of the file for both
    if actual_md5 != entry.md5:
        return (
            f"{entry.filename}: MD5 is {actual_md5} but {month}.ok says {entry.md5} "
            "(file changed or truncated after the control file was written)"
        )
    if ext == "xlsx":
        from amisdw.extracts.read import xlsx_row_count

        rows = xlsx_row_count(path)
    if rows != entry.rows:
        return f"{entry.filename} has {rows} data rows but {month}.ok says {entry.rows}"
    return None
