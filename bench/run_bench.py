"""Benchmark amisdw side by side with the physical limit, in one run, per case (size × months).

    uv run --frozen python bench/run_bench.py [--cases demo:24,demo:36] [--work DIR] [--keep]
    uv run --frozen python bench/run_bench.py --cases national:60 --reuse DIR --keep

For each case ``SIZE:MONTHS`` it generates MONTHS + 1 months, then measures, each in a child
process (wall time, peak RSS of the whole process tree, peak disk of the warehouse folder):

=====================  =====================================================================
``generate``           ``amisdw generate`` of MONTHS + 1 months
``full_build``         ``amisdw run`` of the first MONTHS months on a new warehouse (every
                       gate, the dbt build with every test, publish; no docs)
``rerun_nothing_new``  the same command again
``monthly_refresh``    month MONTHS + 1 delivered, ``amisdw run`` again
``kpi``                ``amisdw kpi`` for one province, the latest month and three KPIs (the
                       process, and the query alone in this process: median of 20)
``baseline``           decode and read every file of the first MONTHS months into DuckDB,
                       no logic (bench/baseline.py): the floor the pipeline cannot beat (last,
                       so a national case stopped after hours has the pipeline's figures)
=====================  =====================================================================

The headline is ``full_build ÷ baseline``. Results go to bench/results/<UTC stamp>.json and a
row per case to bench/results/history.md; the JSON is rewritten after every step (a case not
finished has ``"complete": false``). National (``national:60``) needs tens of GB of disk:
``--work DIR`` puts the inbox and the warehouse there. ``--reuse DIR`` resumes a kept case that
was stopped (one case): its generated inbox is not generated again (``"generate": "reused"``)
and its build file is resumed by ``amisdw run`` (months already in raw are not loaded again, so
``full_build`` then measures the rest of ingestion, the dbt build and publish only:
``"full_build_resumed": true``). ``--baseline-months N`` measures the baseline on the first N
months only and scales its time to the whole inbox by bytes (``baseline_s_scaled_to_inbox``;
the baseline reads every byte the same way, so its time is linear in them): a national baseline
of all months is half an hour and ~10 GB of disk more.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from measure import CommandFailed, Measured, folder_bytes, measure

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
AMISDW = str(BIN / "amisdw")
KPIS = "headcount_end,activity_rate,new_premium"
START = "201907"  # an odd start, as real histories have


def month_after(month: str, n: int) -> str:
    y, m = divmod(int(month[:4]) * 12 + int(month[4:]) - 1 + n, 12)
    return f"{y:04d}{m + 1:02d}"


def stage(inbox: Path, staged: Path, months: list[str]) -> None:
    """An inbox holding only ``months`` (links to the generated month folders; a resumed
    case's links to later months are removed)."""
    staged.mkdir(parents=True, exist_ok=True)
    for link in staged.iterdir():
        if link.is_symlink() and link.name not in months:
            link.unlink()
    for month in months:
        link = staged / month
        if not link.exists():
            link.symlink_to(inbox / month, target_is_directory=True)


def newest_run_results(warehouse: Path) -> dict | None:  # type: ignore[type-arg]
    """run_results.json of the newest dbt run of this warehouse (its own artifacts)."""
    runs = sorted(
        (warehouse.parent / "dbt" / "runs").glob("*/run_results.json"),
        key=lambda p: p.stat().st_mtime,
    )
    return json.loads(runs[-1].read_text()) if runs else None


def slowest_dbt_nodes(warehouse: Path, n: int = 10) -> list[dict[str, object]]:
    """The slowest nodes of the newest dbt run of this warehouse."""
    results = newest_run_results(warehouse)
    if results is None:
        return []
    nodes = sorted(results["results"], key=lambda r: -r["execution_time"])[:n]
    return [{"node": r["unique_id"], "seconds": round(r["execution_time"], 2)} for r in nodes] + [
        {"node": "dbt build elapsed", "seconds": round(results["elapsed_time"], 1)}
    ]


def kpi_latency(warehouse: Path, period: str, repeat: int = 20) -> dict[str, object]:
    """Open read-only and query one province, one month, three KPIs: median and max of
    ``repeat`` in-process runs (what a BI tool or the app pays), in ms."""
    from amisdw.readers.kpi import KpiQuery, parse_codes, query_kpis
    from amisdw.readers.warehouse import connect

    with connect(warehouse) as con:
        org = con.execute("SELECT min(org_id) FROM marts.dim_org WHERE level = 2").fetchone()[0]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        with connect(warehouse) as con:
            rows = len(query_kpis(con, KpiQuery(parse_codes(KPIS), None, period, org)))
        times.append((time.perf_counter() - t) * 1000)
    return {
        "org": org,
        "period": period,
        "rows": rows,
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
    }


def generated_months(inbox: Path, months: list[str]) -> bool:
    """Whether ``inbox`` already holds every month folder with its control file (written last)."""
    return all((inbox / m / f"{m}.ok").is_file() for m in months)


def run_case(
    size: str,
    months: int,
    work: Path,
    seed: int,
    persist: Callable[[dict[str, object]], None],
    reuse: bool = False,
    baseline_months: int | None = None,
) -> dict[str, object]:
    """Every step of one case; ``persist`` gets the figures so far after each step (a national
    case runs for hours: what finished is kept if it is stopped)."""
    inbox, staged = work / "generated", work / "inbox"
    warehouse = work / "wh" / "warehouse.duckdb"
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    all_months = [month_after(START, i) for i in range(months + 1)]
    out: dict[str, object] = {"size": size, "months": months, "first_month": START}

    def step(name: str, cmd: list[str], watch: Path | None = None) -> Measured:
        print(f"  {name} …", flush=True)
        try:
            m = measure(cmd, watch=watch, log=logs / f"{name}.log")
        except CommandFailed as exc:  # kept with its figures: a national step fails after hours
            out[name] = {**exc.measured.as_dict(), "failed": str(exc)[-1500:]}
            out["slowest_dbt_nodes"] = slowest_dbt_nodes(warehouse)
            persist(out)
            raise
        out[name] = m.as_dict()
        print(f"  {name}: {m.as_dict()}", flush=True)
        persist(out)
        return m

    resumed = reuse and (warehouse.parent / "warehouse.build.duckdb").exists()
    if reuse and generated_months(inbox, all_months):
        out["generate"] = "reused"
    else:
        step(
            "generate",
            [
                AMISDW,
                "generate",
                "--size",
                size,
                "--start",
                START,
                "--months",
                str(months + 1),
                "--seed",
                str(seed),
                "--out",
                str(inbox),
            ],
        )
    stage(inbox, staged, all_months[:-1])
    inbox_bytes = sum(folder_bytes(inbox / m) for m in all_months[:-1])
    out["inbox_mb"] = round(inbox_bytes / 2**20, 1)
    run = [
        AMISDW,
        "run",
        "--inbox",
        str(staged),
        "--warehouse",
        str(warehouse),
        "--no-docs",
        "--quiet",
    ]
    out["full_build_resumed"] = resumed
    full = step("full_build", run, watch=warehouse.parent)
    out["slowest_dbt_nodes"] = slowest_dbt_nodes(warehouse)
    step("rerun_nothing_new", run, watch=warehouse.parent)
    stage(inbox, staged, all_months)
    refresh = step("monthly_refresh", run, watch=warehouse.parent)
    latest = f"{all_months[-1][:4]}-{all_months[-1][4:]}"
    step(
        "kpi",
        [
            AMISDW,
            "kpi",
            "--warehouse",
            str(warehouse),
            "--kpi",
            KPIS,
            "--level",
            "2",
            "--period",
            latest,
        ],
    )
    out["kpi_query"] = kpi_latency(warehouse, latest)
    out["published_mb"] = round(warehouse.stat().st_size / 2**20, 1)
    persist(out)
    baseline_dir = work / "baseline"
    # the baseline is linear in the bytes it reads: a national case may measure it on its first
    # months only (--baseline-months) and scale it to the whole inbox, said so in the results
    measured_months = all_months[: min(baseline_months or months, months)]
    stage(inbox, baseline_dir / "inbox", measured_months)
    baseline_bytes = sum(folder_bytes(inbox / m) for m in measured_months)
    baseline_db = baseline_dir / "baseline.duckdb"
    base = step(
        "baseline",
        [
            sys.executable,
            str(ROOT / "bench" / "baseline.py"),
            str(baseline_dir / "inbox"),
            str(baseline_db),
        ],
        watch=baseline_dir,
    )
    shutil.rmtree(baseline_dir)
    baseline_s = base.wall_s * inbox_bytes / baseline_bytes
    out["baseline_months"] = len(measured_months)
    out["baseline_mb_per_s"] = round(baseline_bytes / 2**20 / base.wall_s, 1)
    if len(measured_months) < months:
        out["baseline_s_scaled_to_inbox"] = round(baseline_s, 1)
    out["headline_full_build_over_baseline"] = round(full.wall_s / baseline_s, 1)
    out["refresh_share_of_full_build"] = round(refresh.wall_s / full.wall_s, 3)
    return out


def history_row(stamp: str, r: dict) -> str:  # type: ignore[type-arg]
    generated = r["generate"]["wall_s"] if isinstance(r["generate"], dict) else r["generate"]
    resumed = " (resumed)" if r.get("full_build_resumed") else ""
    baseline = r["baseline"]["wall_s"]
    if "baseline_s_scaled_to_inbox" in r:
        baseline = f"{r['baseline_s_scaled_to_inbox']} ({r['baseline_months']} months, scaled)"
    return (
        f"| {stamp} | {r['size']} | {r['months']} | {r['inbox_mb']} | {generated} | "
        f"{baseline} | {r['full_build']['wall_s']}{resumed} | "
        f"{r['full_build']['peak_rss_mb']} | {r['full_build']['peak_disk_mb']} | "
        f"{r['headline_full_build_over_baseline']} | {r['rerun_nothing_new']['wall_s']} | "
        f"{r['monthly_refresh']['wall_s']} | {r['kpi']['wall_s']} | "
        f"{r['kpi_query']['median_ms']} |\n"
    )


HISTORY_HEADER = (
    "## Side by side with the baseline (since issue 12)\n\n"
    "| when (UTC) | size | months | inbox MB | generate s | baseline s | full build s | "
    "full build peak RSS MB | full build peak disk MB | full ÷ baseline | re-run s | "
    "monthly refresh s | kpi process s | kpi query median ms |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="demo:24", help="SIZE:MONTHS[,SIZE:MONTHS]")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="folder for inboxes/warehouses")
    parser.add_argument("--keep", action="store_true", help="keep the work folders")
    parser.add_argument(
        "--reuse", type=Path, default=None, help="resume this kept work folder (one case)"
    )
    parser.add_argument(
        "--baseline-months",
        type=int,
        default=None,
        help="measure the baseline on the first N months and scale it to the inbox (national)",
    )
    args = parser.parse_args()
    if args.reuse is not None and "," in args.cases:
        parser.error("--reuse resumes one case: give one SIZE:MONTHS in --cases")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    report: dict[str, object] = {
        "when": stamp,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "cases": [],
    }
    out = RESULTS / f"{stamp}.json"
    for case in args.cases.split(","):
        size, months = case.split(":")
        if args.reuse is not None:
            work = args.reuse.resolve()
        else:
            work = Path(tempfile.mkdtemp(prefix=f"amisdw-bench-{size}{months}-", dir=args.work))
        print(f"{size} × {months} months in {work}", flush=True)
        done = list(report["cases"])  # type: ignore[call-overload]

        def persist(partial: dict[str, object], done: list[object] = done) -> None:
            report["cases"] = [*done, {**partial, "complete": False}]
            out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

        try:
            case_figures = run_case(
                size,
                int(months),
                work,
                args.seed,
                persist,
                reuse=args.reuse is not None,
                baseline_months=args.baseline_months,
            )
        finally:
            if not args.keep and args.reuse is None:
                shutil.rmtree(work, ignore_errors=True)
        report["cases"] = [*done, case_figures]
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    history = RESULTS / "history.md"
    if not history.exists() or "baseline s" not in history.read_text():
        with history.open("a") as fh:  # rows are appended under the latest header
            fh.write(("\n" if history.exists() else "") + HISTORY_HEADER)
    with history.open("a") as fh:
        for r in report["cases"]:  # type: ignore[union-attr]
            fh.write(history_row(stamp, r))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written to {RESULTS / f'{stamp}.json'}")


if __name__ == "__main__":
    main()
