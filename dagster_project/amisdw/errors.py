"""Expected failures: each says what went wrong, where (file, line, column) and what to do.

The CLI prints ``str(error)`` as one paragraph and exits non-zero; no traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class AmisdwError(Exception):
    """Base of every expected failure."""

    exit_code = 2


@dataclass
class Finding:
    """One problem in one file of a delivery."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    count: int = 1
    examples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column {self.column}"
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f" (value {self.value!r})"
        if self.count > 1:
            text += f" [{self.count} rows in all]"
        if self.examples:
            text += "; e.g. " + "; ".join(self.examples)
        return text


class ExtractError(AmisdwError):
    """A file of a delivery breaks the extract contract."""

    def __init__(self, findings: list[Finding], hint: str = "") -> None:
        self.findings = findings
        self.hint = hint or "Ask AMIS to re-deliver the month with the file corrected."
        super().__init__(self.__str__())

    def __str__(self) -> str:
        head = "; ".join(str(f) for f in self.findings[:5])
        more = f" (+{len(self.findings) - 5} more)" if len(self.findings) > 5 else ""
        return f"{head}{more}. {self.hint}"


class DeliveryIncomplete(AmisdwError):
    """A month folder has no control file, or its files disagree with it."""


DISK_FULL_MARKERS = ("No space left", "File too large", "disk is full", "Disk quota", "ENOSPC")


def describe_os_error(exc: BaseException, settings: object, disk_full: bool = False) -> str:
    """One paragraph for a failure of the machine rather than of the data (disk full, a file
    too large, no permission), naming the warehouse folder and what to do."""
    import errno

    folder = getattr(settings, "folder", "the warehouse folder")
    text = str(exc)
    code = getattr(exc, "errno", None)
    if (
        disk_full
        or code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
        or any(s in text for s in DISK_FULL_MARKERS)
    ):
        return (
            f"The disk ran out of space while building the warehouse in {folder} "
            f"({text.strip()[:300]}). "
            "The published warehouse was left as it was and nothing of the inbox was lost. Free "
            "disk space there (or choose a --warehouse on a larger disk), then run again: the "
            "next run recovers."
        )
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or "Permission denied" in text:
        return (
            f"No permission to write in {folder} ({text.strip()}). Choose a --warehouse path "
            "in a folder you can write."
        )
    return (
        f"The warehouse in {folder} could not be written or read ({text.strip()}). The "
        "published warehouse was left as it was; fix the cause and run again."
    )
