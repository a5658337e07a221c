"""How far a run has got: months loaded of N, dbt nodes done of N.

The pipeline reports to a :class:`RunProgress` (the Dagster resource ``progress``; a run runs
in process, so the CLI hands its terminal display in); a code location loaded by ``dagster
dev`` gets :class:`NoProgress`, and Dagster's own UI shows the run instead.
"""

from __future__ import annotations

from typing import Protocol

MONTHS = "months loaded"
DBT_NODES = "dbt models and tests"


class RunProgress(Protocol):
    def advance(self, stage: str, done: int, total: int, detail: str = "") -> None:
        """``done`` of ``total`` steps of ``stage`` are finished (``detail``: the last one)."""


class NoProgress:
    def advance(self, stage: str, done: int, total: int, detail: str = "") -> None:
        return None
