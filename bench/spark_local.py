"""Spark local beside DuckDB on the same inbox, in one run (issue 13: measured, not projected).

    uv run --frozen --extra spark python bench/spark_local.py [--size demo] [--months 6]

Generates SIZE × MONTHS (from 201907), then measures in child processes (wall time, peak RSS
of the whole process tree, the JVM included, and peak disk of the warehouse folder):

``duckdb``  ``amisdw run`` on a new warehouse (every gate, dbt build with every data and unit
            test, publish; no docs)
``spark``   the same with ``--engine spark`` and Spark's event log on (AMISDW_SPARK_EVENT_LOG)

and reads the Spark event log (bench/spark_events.py): the biggest stages, the longest SQL
executions, and stage time per dbt node, with the slowest dbt nodes of both runs. It also
compares the two published files, every row of every marts table (keys equal, measures within
1e-9 relative), as the parity test does on the hand-built inbox: parity on generated data.
Results go to bench/results/<UTC stamp>-spark.json and a row to bench/results/spark_history.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
from measure import folder_bytes, measure
from run_bench import START, newest_run_results, slowest_dbt_nodes
from spark_events import read_event_log, summarise

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
AMISDW = str(Path(sys.executable).parent / "amisdw")
HEADER = (
    "## Spark local beside DuckDB (bench/spark_local.py, issue 13)\n\n"
    "| when (UTC) | size | months | inbox MB | DuckDB s | DuckDB peak RSS MB | Spark s | "
    "Spark peak RSS MB | Spark ÷ DuckDB | Spark dbt elapsed s | stages | stage s total | "
    "mart rows compared | max relative difference |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
)


def event_log_file(warehouse: Path) -> Path:
    files = sorted((warehouse.parent / "spark" / "events").iterdir())
    if not files:
        raise SystemExit(f"no Spark event log under {warehouse.parent / 'spark' / 'events'}")
    return files[-1]


REL = 1e-9
RUN_TIME_COLUMNS = {"loaded_at", "published_at"}


def _mart_rows(con: duckdb.DuckDBPyConnection, table: str) -> dict[tuple, list[tuple]]:  # type: ignore[type-arg]
    columns = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
            "AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        if r[0] not in RUN_TIME_COLUMNS
    ]
    cols = ", ".join(f'"{c}"' for c in columns)
    rows: dict[tuple, list[tuple]] = {}  # type: ignore[type-arg]
    for row in con.execute(f'SELECT {cols} FROM marts."{table}"').fetchall():
        measure_ = [isinstance(v, float | decimal.Decimal) for v in row]
        key = tuple(str(v) for v, m in zip(row, measure_, strict=True) if not m)
        rows.setdefault(key, []).append(
            tuple(float(v) for v, m in zip(row, measure_, strict=True) if m)
        )
    return {k: sorted(v) for k, v in rows.items()}


def compare_marts(duck: Path, spark: Path) -> dict[str, object]:
    """Every row of every marts table of the two published files: tables whose keys differ,
    and the largest relative difference of a measure."""
    with (
        duckdb.connect(str(duck), read_only=True) as d,
        duckdb.connect(str(spark), read_only=True) as s,
    ):
        query = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        tables = sorted(r[0] for r in d.execute(query).fetchall())
        spark_tables = sorted(r[0] for r in s.execute(query).fetchall())
        differing, rows, worst = [], 0, 0.0
        for table in tables:
            a, b = _mart_rows(d, table), _mart_rows(s, table)
            if a.keys() != b.keys() or any(len(a[k]) != len(b[k]) for k in a):
                differing.append(table)
                continue
            rows += sum(len(v) for v in a.values())
            for k, values in a.items():
                for x, y in zip(values, b[k], strict=True):
                    for u, v in zip(x, y, strict=True):
                        if u != v:
                            worst = max(worst, abs(u - v) / max(abs(u), abs(v)))
    return {
        "tables": len(tables),
        "same_tables": tables == spark_tables,
        "rows_compared": rows,
        "tables_with_different_keys": differing,
        "max_relative_difference": worst,
        "equal_within_1e-9": tables == spark_tables and not differing and worst <= REL,
    }


def run_case(size: str, months: int, seed: int, work: Path) -> dict[str, object]:
    inbox, logs = work / "inbox", work / "logs"
    logs.mkdir(parents=True)
    out: dict[str, object] = {"size": size, "months": months, "first_month": START}
    gen = [AMISDW, "generate", "--size", size, "--start", START, "--months", str(months)]
    out["generate"] = measure(
        [*gen, "--seed", str(seed), "--out", str(inbox)], log=logs / "generate.log"
    ).as_dict()
    out["inbox_mb"] = round(folder_bytes(inbox) / 2**20, 1)
    for engine in ("duckdb", "spark"):
        warehouse = work / engine / "warehouse.duckdb"
        cmd = [AMISDW, "run", "--inbox", str(inbox), "--warehouse", str(warehouse)]
        cmd += ["--no-docs", "--quiet", "--engine", engine]
        env = {**os.environ, "AMISDW_SPARK_EVENT_LOG": "1"}
        print(f"  {engine} …", flush=True)
        m = measure(cmd, watch=warehouse.parent, log=logs / f"{engine}.log", env=env)
        out[engine] = m.as_dict()
        out[f"{engine}_slowest_dbt_nodes"] = slowest_dbt_nodes(warehouse, n=15)
        print(f"  {engine}: {m.as_dict()}", flush=True)
        if engine == "spark":
            log = read_event_log(event_log_file(warehouse))
            run_results = newest_run_results(warehouse) or {"results": []}
            out["spark_event_log"] = summarise(log, run_results, top=12)
    out["parity"] = compare_marts(
        work / "duckdb" / "warehouse.duckdb", work / "spark" / "warehouse.duckdb"
    )
    print(f"  parity: {out['parity']}", flush=True)
    duck, spark = out["duckdb"], out["spark"]
    out["spark_over_duckdb"] = round(spark["wall_s"] / duck["wall_s"], 1)  # type: ignore[index]
    return out


def history_row(stamp: str, r: dict) -> str:  # type: ignore[type-arg]
    events = r["spark_event_log"]
    elapsed = next(
        n["seconds"] for n in r["spark_slowest_dbt_nodes"] if n["node"] == "dbt build elapsed"
    )
    return (
        f"| {stamp} | {r['size']} | {r['months']} | {r['inbox_mb']} | {r['duckdb']['wall_s']} | "
        f"{r['duckdb']['peak_rss_mb']} | {r['spark']['wall_s']} | {r['spark']['peak_rss_mb']} | "
        f"{r['spark_over_duckdb']} | {elapsed} | {events['stages']} | "
        f"{events['stage_seconds_total']} | {r['parity']['rows_compared']} | "
        f"{r['parity']['max_relative_difference']:.1e} |\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="demo")
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="folder for inbox and warehouses")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    work = Path(tempfile.mkdtemp(prefix=f"amisdw-spark-{args.size}{args.months}-", dir=args.work))
    print(f"{args.size} × {args.months} months in {work}", flush=True)
    report: dict[str, object] = {
        "when": stamp,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    try:
        report["case"] = run_case(args.size, args.months, args.seed, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{stamp}-spark.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    history = RESULTS / "spark_history.md"
    with history.open("a") as fh:
        if fh.tell() == 0:
            fh.write(HEADER)
        fh.write(history_row(stamp, report["case"]))  # type: ignore[arg-type]
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
