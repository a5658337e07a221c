"""Read a Spark event log (JSON lines, ``spark.eventLog.compress=false``): the stages, the
SQL executions they ran for, and the dbt node that was running each one.

Spark knows nothing of dbt: a SQL execution is given to the dbt node whose execute phase
(``run_results.json``, ``timing`` ``execute``) contains its start; with two dbt threads two
nodes may overlap, so a node's figure is what ran while it ran, not a proof of cause.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Stage:
    stage_id: int
    attempt: int
    name: str
    tasks: int
    submitted_ms: int
    completed_ms: int
    executor_run_ms: int = 0
    input_bytes: int = 0
    shuffle_read_bytes: int = 0
    shuffle_write_bytes: int = 0
    execution_id: int | None = None

    @property
    def seconds(self) -> float:
        return (self.completed_ms - self.submitted_ms) / 1000


@dataclass
class Execution:
    execution_id: int
    description: str
    start_ms: int
    end_ms: int = 0
    stages: list[Stage] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return (self.end_ms - self.start_ms) / 1000


@dataclass(frozen=True)
class EventLog:
    stages: list[Stage]
    executions: dict[int, Execution]
    app_start_ms: int
    app_end_ms: int


def _accumulable(info: dict[str, Any], name: str) -> int:
    for acc in info.get("Accumulables", []):
        if acc.get("Name") == name:
            try:
                return int(acc.get("Value", 0))
            except (TypeError, ValueError):
                return 0
    return 0


def event_files(path: Path) -> list[Path]:
    """The JSON-lines files of one application's log: ``path`` itself, or, for Spark 4's
    rolling log (a folder ``eventlog_v2_<app>``), its ``events_<n>_<app>`` files in order."""
    if path.is_file():
        return [path]
    files = [f for f in path.iterdir() if f.name.startswith("events_")]
    return sorted(files, key=lambda f: int(f.name.split("_")[1]))


def _lines(path: Path) -> Iterator[str]:
    for file in event_files(path):
        with file.open(encoding="utf-8") as fh:
            yield from fh


def read_event_log(path: Path) -> EventLog:
    """The stages and SQL executions of one application's event log (file or folder)."""
    stages: list[Stage] = []
    executions: dict[int, Execution] = {}
    stage_execution: dict[int, int] = {}
    app_start = app_end = 0
    for line in _lines(path):
        event = json.loads(line)
        kind = event.get("Event", "")
        if kind == "SparkListenerApplicationStart":
            app_start = event["Timestamp"]
        elif kind == "SparkListenerApplicationEnd":
            app_end = event["Timestamp"]
        elif kind.endswith("SparkListenerSQLExecutionStart"):
            eid = event["executionId"]
            executions[eid] = Execution(eid, event.get("description", ""), event["time"])
        elif kind.endswith("SparkListenerSQLExecutionEnd"):
            if event["executionId"] in executions:
                executions[event["executionId"]].end_ms = event["time"]
        elif kind == "SparkListenerJobStart":
            eid = (event.get("Properties") or {}).get("spark.sql.execution.id")
            if eid is not None:
                for sid in event.get("Stage IDs", []):
                    stage_execution[sid] = int(eid)
        elif kind == "SparkListenerStageCompleted":
            info = event["Stage Info"]
            if "Submission Time" not in info or "Completion Time" not in info:
                continue
            stages.append(
                Stage(
                    stage_id=info["Stage ID"],
                    attempt=info.get("Stage Attempt ID", 0),
                    name=info.get("Stage Name", ""),
                    tasks=info.get("Number of Tasks", 0),
                    submitted_ms=info["Submission Time"],
                    completed_ms=info["Completion Time"],
                    executor_run_ms=_accumulable(info, "internal.metrics.executorRunTime"),
                    input_bytes=_accumulable(info, "internal.metrics.input.bytesRead"),
                    shuffle_read_bytes=_accumulable(
                        info, "internal.metrics.shuffle.read.remoteBytesRead"
                    )
                    + _accumulable(info, "internal.metrics.shuffle.read.localBytesRead"),
                    shuffle_write_bytes=_accumulable(
                        info, "internal.metrics.shuffle.write.bytesWritten"
                    ),
                )
            )
    for stage in stages:
        stage.execution_id = stage_execution.get(stage.stage_id)
        if stage.execution_id in executions:
            executions[stage.execution_id].stages.append(stage)
    return EventLog(stages, executions, app_start, app_end)


def _ms(timestamp: str) -> int:
    when = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp() * 1000)


def node_intervals(run_results: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(node id, start ms, end ms) of each node's execute phase."""
    out = []
    for result in run_results["results"]:
        for timing in result.get("timing", []):
            if timing.get("name") == "execute" and timing.get("started_at"):
                start, end = _ms(timing["started_at"]), _ms(timing["completed_at"])
                out.append((result["unique_id"], start, end))
    return out


def node_of(start_ms: int, intervals: list[tuple[str, int, int]]) -> str:
    """The node running at ``start_ms`` (the one that started last), or '' if none."""
    running = [(s, node) for node, s, e in intervals if s <= start_ms <= e]
    return max(running)[1] if running else ""


def summarise(log: EventLog, run_results: dict[str, Any], top: int = 10) -> dict[str, Any]:
    """The biggest stages and SQL executions, and stage time per dbt node."""
    intervals = node_intervals(run_results)
    by_node: dict[str, float] = defaultdict(float)
    for execution in log.executions.values():
        by_node[node_of(execution.start_ms, intervals) or "(no dbt node)"] += sum(
            s.seconds for s in execution.stages
        )

    def stage_row(s: Stage) -> dict[str, Any]:
        execution = log.executions.get(s.execution_id) if s.execution_id is not None else None
        return {
            "stage": s.stage_id,
            "name": s.name,
            "tasks": s.tasks,
            "seconds": round(s.seconds, 2),
            "executor_run_s": round(s.executor_run_ms / 1000, 2),
            "input_mb": round(s.input_bytes / 2**20, 1),
            "shuffle_read_mb": round(s.shuffle_read_bytes / 2**20, 1),
            "shuffle_write_mb": round(s.shuffle_write_bytes / 2**20, 1),
            "dbt_node": node_of(execution.start_ms, intervals) if execution else "",
        }

    stages = sorted(log.stages, key=lambda s: -s.seconds)
    busiest = sorted(log.stages, key=lambda s: -s.executor_run_ms)
    executions = sorted(log.executions.values(), key=lambda e: -e.seconds)
    return {
        "application_s": round((log.app_end_ms - log.app_start_ms) / 1000, 1)
        if log.app_end_ms
        else None,
        "stages": len(log.stages),
        "sql_executions": len(log.executions),
        "stage_seconds_total": round(sum(s.seconds for s in log.stages), 1),
        "shuffle_write_mb_total": round(sum(s.shuffle_write_bytes for s in log.stages) / 2**20, 1),
        # tasks' run time summed (the work) against stage wall time (which, on a local
        # session, is mostly waiting for a core while other stages run)
        "executor_run_s_total": round(sum(s.executor_run_ms for s in log.stages) / 1000, 1),
        "busiest_stages": [stage_row(s) for s in busiest[:top]],
        "longest_stages": [stage_row(s) for s in stages[:top]],
        "longest_sql_executions": [
            {
                "execution": e.execution_id,
                "seconds": round(e.seconds, 2),
                "stage_seconds": round(sum(s.seconds for s in e.stages), 2),
                "dbt_node": node_of(e.start_ms, intervals),
                "description": e.description[:120],
            }
            for e in executions[:top]
        ],
        "stage_seconds_by_dbt_node": [
            {"dbt_node": node, "stage_seconds": round(seconds, 2)}
            for node, seconds in sorted(by_node.items(), key=lambda kv: -kv[1])[:top]
        ],
    }
