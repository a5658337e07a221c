"""The Spark engine builds the same marts as DuckDB: the same small inbox is run once with
each engine (`amisdw run --engine ...`, module-scoped: one Spark build for the whole module).
The inbox is the hand-built history that starts in November 2005 with the edge cases of real
exports (agents without events replayed from their snapshots, snapshots that contradict the
events: published as findings under a threshold of 20%), and March 2006 delivered with a gate
finding. Both runs publish November to February and hold March back with the same message;
every row of every published marts table is compared, ``marts.kpi`` first: identical keys,
values equal within 1e-9 relative. The hand-worked figures of EXPECTED_2005 and the findings
of FINDINGS_2005 are checked on the Spark file.

Needs the optional dependency group spark: ``uv run --frozen --extra spark pytest``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from amisdw.generate.defects import inject
from amisdw.readers.kpi import KpiQuery, query_kpis
from tests.history_builder import (
    A1,
    A2_T2,
    A4,
    EXPECTED_2005,
    FINDINGS_2005,
    HISTORY_2005,
    Month,
    write_history,
)

# 2005-11 .. 2006-02 published: hires by event and from a snapshot, a transfer and a leave
# replayed from snapshots, two disagreeing agent-months, production and activity every month
MONTHS = len(HISTORY_2005)
QUARANTINED = "200603"  # delivered too, with AttendDays > DutyDays on three rows
SHARE = {"AMISDW_REPLAY_MAX_DISAGREEMENT_SHARE": "0.2"}  # 2 of 14 agent-months disagree
REL = 1e-9
# columns whose value is the wall-clock time of a run, not a result of the data
RUN_TIME_COLUMNS = frozenset({"loaded_at", "published_at"})


@dataclass(frozen=True)
class Engines:
    duckdb: Path  # the published file built with DuckDB
    spark: Path  # the published file built with Spark
    spark_seconds: float  # wall time of `amisdw run --engine spark` (ingestion included)
    spark_output: str
    duckdb_output: str
    exit_codes: tuple[int, int]  # (duckdb, spark)


def _run(inbox: Path, warehouse: Path, engine: str) -> tuple[int, str, float]:
    """``amisdw run --engine ENGINE`` as its own process, as a user runs it: one process per
    run (dagster-dbt caches a manifest per path, so two engines cannot share a process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AMISDW_", "DAGSTER_"))}
    env.update(SHARE)
    amisdw = Path(sys.executable).parent / "amisdw"
    t0 = time.perf_counter()
    result = subprocess.run(
        [str(amisdw), "run", "--inbox", str(inbox), "--warehouse", str(warehouse)]
        + ["--no-docs", "--quiet", "--engine", engine],
        env=env,
        cwd=warehouse.parent.parent,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    seconds = time.perf_counter() - t0
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result.returncode, result.stdout + result.stderr, seconds


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Engines:
    root = tmp_path_factory.mktemp("spark_parity")
    march = Month(QUARANTINED, [A1, A2_T2, A4])
    inbox = write_history(root / "inbox", [*HISTORY_2005, march])
    inject(inbox / QUARANTINED, "attend_gt_duty")
    duck, spark = root / "duckdb" / "warehouse.duckdb", root / "spark" / "warehouse.duckdb"
    for warehouse in (duck, spark):
        warehouse.parent.mkdir(parents=True)
    duck_code, duck_output, _ = _run(inbox, duck, "duckdb")
    spark_code, spark_output, seconds = _run(inbox, spark, "spark")
    print(f"\namisdw run --engine spark on {MONTHS} months: {seconds:.1f} s")
    return Engines(duck, spark, seconds, spark_output, duck_output, (duck_code, spark_code))


def _tables(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "ORDER BY table_name"
        ).fetchall()
    names = [r[0] for r in rows]
    return sorted(names, key=lambda n: (n != "kpi", n))  # marts.kpi first


def _columns(path: Path, table: str, types: bool = False) -> list[Any]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    return [tuple(r) if types else r[0] for r in rows]


def _is_measure(value: Any) -> bool:
    return isinstance(value, float | decimal.Decimal) and not isinstance(value, bool)


def _key(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _rows(path: Path, table: str, columns: list[str]) -> dict[tuple, list[tuple[float, ...]]]:
    """Rows as key → the value tuples of that key: the key is every non-float column (text,
    integers, dates, flags), the values the floats and decimals, as floats."""
    cols = ", ".join(f'"{c}"' for c in columns)
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(f'SELECT {cols} FROM marts."{table}"').fetchall()
    out: dict[tuple, list[tuple[float, ...]]] = {}
    for row in rows:
        key = tuple(_key(v) for v in row if not _is_measure(v))
        values = tuple(float(v) for v in row if _is_measure(v))
        out.setdefault(key, []).append(values)
    return {k: sorted(v) for k, v in out.items()}


def _published_months(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "SELECT delivery_month FROM meta.deliveries ORDER BY delivery_month"
            ).fetchall()
        ]


def _quarantine_paragraph(output: str, warehouse: Path) -> str:
    """The run's words about the quarantined month, with this warehouse's folder blanked."""
    text = " ".join(output.replace(str(warehouse.parent), "<warehouse folder>").split())
    start = text.index(QUARANTINED)
    return text[start : start + 400]


def test_a_quarantined_month_is_held_back_alike(engines):
    """Same months published, the same non-zero exit and the same message on both engines."""
    duck_code, spark_code = engines.exit_codes
    assert duck_code == spark_code != 0
    months = ["200511", "200512", "200601", "200602"]
    assert _published_months(engines.duckdb) == _published_months(engines.spark) == months
    duck = _quarantine_paragraph(engines.duckdb_output, engines.duckdb)
    spark = _quarantine_paragraph(engines.spark_output, engines.spark)
    assert "ACTIVITY_200603.csv" in duck and "attend_le_duty" in duck
    assert spark == duck


def test_spark_publishes_the_same_marts_tables_columns_and_types(engines):
    assert _tables(engines.spark) == _tables(engines.duckdb)
    assert "kpi" in _tables(engines.duckdb)
    for table in _tables(engines.duckdb):
        duck = _columns(engines.duckdb, table, types=True)
        assert _columns(engines.spark, table, types=True) == duck, table
        assert not any(t == "HUGEINT" for _, t in duck), table  # what BI drivers cannot read


def test_every_row_of_every_mart_agrees_kpi_first(engines):
    compared = Counter()
    for table in _tables(engines.duckdb):
        columns = [c for c in _columns(engines.duckdb, table) if c not in RUN_TIME_COLUMNS]
        duck = _rows(engines.duckdb, table, columns)
        spark = _rows(engines.spark, table, columns)
        missing, extra = sorted(set(duck) - set(spark))[:5], sorted(set(spark) - set(duck))[:5]
        assert not missing and not extra, f"marts.{table}: DuckDB {missing}; Spark {extra}"
        for key, values in duck.items():
            assert len(spark[key]) == len(values), f"marts.{table} {key}"
            for d, s in zip(values, spark[key], strict=True):
                assert s == pytest.approx(d, rel=REL, abs=0), f"marts.{table} {key}"
        compared[table] = sum(len(v) for v in duck.values())
    assert compared["kpi"] > 0
    assert sum(compared.values()) > 1000  # the comparison saw the marts, not empty tables


@pytest.mark.parametrize(("org", "period"), sorted(EXPECTED_2005))
def test_spark_gives_the_hand_worked_figures(engines, org, period):
    expected = EXPECTED_2005[(org, period)]
    with duckdb.connect(str(engines.spark), read_only=True) as con:
        df = query_kpis(con, KpiQuery(list(expected), None, period, org))
    assert dict(zip(df["kpi_code"], df["value"], strict=True)) == pytest.approx(expected)


def test_spark_publishes_the_hand_worked_findings(engines):
    with duckdb.connect(str(engines.spark), read_only=True) as con:
        findings = set(
            con.execute(
                "SELECT agent_code, month, kind, field, snapshot_value, replayed_value "
                "FROM marts.data_quality_findings"
            ).fetchall()
        )
    assert findings == FINDINGS_2005


def test_the_spark_run_reports_its_build_like_a_duckdb_run(engines):
    out = " ".join(engines.spark_output.split())
    assert "months loaded: 200511, 200512, 200601, 200602" in out
    assert "head office (总公司), 2006-02" in out
    assert f"data-quality findings: {len(FINDINGS_2005)}" in out
    # everything Spark writes stays in the warehouse's folder, nothing in the working folder
    assert sorted(p.name for p in engines.spark.parent.parent.iterdir()) == [
        "duckdb",
        "inbox",
        "spark",
    ]
