"""bench/spark_events.py on a hand-written event log: two SQL executions, three stages, two
dbt nodes; every figure below is worked out from the lines written here."""

from __future__ import annotations

import json
from pathlib import Path

from bench.spark_events import node_of, read_event_log, summarise

T0 = 1_700_000_000_000  # ms


def _stage(sid: int, start: int, end: int, run_ms: int, shuffle_write: int) -> dict:
    return {
        "Event": "SparkListenerStageCompleted",
        "Stage Info": {
            "Stage ID": sid,
            "Stage Attempt ID": 0,
            "Stage Name": f"stage {sid}",
            "Number of Tasks": 2,
            "Submission Time": T0 + start,
            "Completion Time": T0 + end,
            "Accumulables": [
                {"Name": "internal.metrics.executorRunTime", "Value": run_ms},
                {"Name": "internal.metrics.shuffle.write.bytesWritten", "Value": shuffle_write},
            ],
        },
    }


def _iso(ms: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp((T0 + ms) / 1000, dt.UTC).isoformat().replace("+00:00", "Z")


def _write(path: Path) -> Path:
    sql = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecution"
    events = [
        {"Event": "SparkListenerApplicationStart", "Timestamp": T0},
        {
            "Event": sql + "Start",
            "executionId": 0,
            "description": "create table a",
            "time": T0 + 1000,
        },
        {
            "Event": "SparkListenerJobStart",
            "Stage IDs": [0, 1],
            "Properties": {"spark.sql.execution.id": "0"},
        },
        _stage(0, 1100, 3100, 3000, 2 * 2**20),
        _stage(1, 3100, 3600, 800, 0),
        {"Event": sql + "End", "executionId": 0, "time": T0 + 3700},
        {"Event": sql + "Start", "executionId": 1, "description": "select 1", "time": T0 + 5000},
        {
            "Event": "SparkListenerJobStart",
            "Stage IDs": [2],
            "Properties": {"spark.sql.execution.id": "1"},
        },
        _stage(2, 5100, 5400, 300, 0),
        {"Event": sql + "End", "executionId": 1, "time": T0 + 5500},
        {"Event": "SparkListenerApplicationEnd", "Timestamp": T0 + 9000},
    ]
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


RUN_RESULTS = {
    "results": [
        {
            "unique_id": "model.a",
            "timing": [
                {"name": "compile", "started_at": _iso(500), "completed_at": _iso(900)},
                {"name": "execute", "started_at": _iso(900), "completed_at": _iso(3800)},
            ],
        },
        {
            "unique_id": "test.b",
            "timing": [
                {"name": "execute", "started_at": _iso(4900), "completed_at": _iso(5600)},
            ],
        },
    ]
}


def test_stages_belong_to_their_sql_execution_and_node(tmp_path):
    log = read_event_log(_write(tmp_path / "local-1"))
    assert [s.stage_id for s in log.stages] == [0, 1, 2]
    assert [s.execution_id for s in log.stages] == [0, 0, 1]
    assert log.executions[0].seconds == 2.7
    summary = summarise(log, RUN_RESULTS, top=2)
    assert summary["application_s"] == 9.0
    assert summary["stage_seconds_total"] == 2.0 + 0.5 + 0.3
    assert summary["shuffle_write_mb_total"] == 2.0
    assert summary["executor_run_s_total"] == 3.0 + 0.8 + 0.3
    assert [s["stage"] for s in summary["busiest_stages"]] == [0, 1]
    biggest = summary["longest_stages"]
    assert [(s["stage"], s["seconds"], s["dbt_node"]) for s in biggest] == [
        (0, 2.0, "model.a"),
        (1, 0.5, "model.a"),
    ]
    assert biggest[0]["executor_run_s"] == 3.0
    assert summary["stage_seconds_by_dbt_node"] == [
        {"dbt_node": "model.a", "stage_seconds": 2.5},
        {"dbt_node": "test.b", "stage_seconds": 0.3},
    ]


def test_a_moment_outside_every_node_belongs_to_none():
    assert node_of(T0 + 4000, [("model.a", T0 + 900, T0 + 3800)]) == ""


def test_spark_4s_rolling_log_folder_is_read_in_file_order(tmp_path):
    single = _write(tmp_path / "single").read_text().splitlines(keepends=True)
    folder = tmp_path / "eventlog_v2_local-1"
    folder.mkdir()
    # events_10 must come after events_2: the order is the file's number, not its name
    (folder / "events_10_local-1").write_text("".join(single[6:]))
    (folder / "events_2_local-1").write_text("".join(single[:6]))
    (folder / "appstatus_local-1").write_text("")
    log = read_event_log(folder)
    assert [s.stage_id for s in log.stages] == [0, 1, 2]  # read in the wrong order: 2, 0, 1
    assert log.app_end_ms - log.app_start_ms == 9000
