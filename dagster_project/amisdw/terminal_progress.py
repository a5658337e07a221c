"""The terminal display of a running ``amisdw run``: one bar per stage (months loaded of N,
dbt models and tests done of N) with the elapsed time, drawn on the terminal the command was
started from (Dagster's and dbt's own output goes to the run log meanwhile)."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column


class TerminalProgress:
    """A :class:`amisdw.progress.RunProgress` drawn with rich; use it as a context manager."""

    def __init__(self) -> None:
        # bound to the terminal now: the run later sends sys.stdout to its log file
        console = Console(file=sys.stdout, highlight=False)
        self._bars = Progress(
            TextColumn("{task.fields[stage]}", table_column=Column(width=20, no_wrap=True)),
            BarColumn(bar_width=15),
            MofNCompleteColumn(table_column=Column(min_width=9, no_wrap=True)),
            TimeElapsedColumn(),
            TextColumn(
                "[dim]{task.description}",
                table_column=Column(max_width=22, no_wrap=True, overflow="ellipsis"),
            ),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self.message = self._bars.add_task("starting …", total=None, stage="amisdw run")

    def __enter__(self) -> TerminalProgress:
        self._bars.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bars.update(self.message, total=1, completed=1, description="finished")
        self._bars.stop()

    def status(self, text: str) -> None:
        """A line above the bars saying what the run does now."""
        self._bars.update(self.message, description=text)

    def advance(self, stage: str, done: int, total: int, detail: str = "") -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self._bars.add_task("", total=total, stage=stage)
        self._bars.update(self._tasks[stage], completed=done, total=total, description=detail)
