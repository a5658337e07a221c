"""Benchmark: generate + run wall time and peak memory per size, and dbt's slowest nodes.

    uv run --frozen python bench/run_bench.py [--sizes tiny,demo] [--months 24]

Each step runs as a child process (``amisdw generate``, then ``amisdw run`` on a fresh
warehouse); its wall time and the peak RSS of the process tree (ru_maxrss of the children,
which the OS reports for the largest child) are measured. Results are written to
bench/results/<UTC timestamp>.json and appended as a row to bench/results/history.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
AMISDW = str(Path(sys.executable).with_name("amisdw"))


def measured(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``cmd`` in a fresh child; wall seconds and peak RSS (MB) of its process tree."""
    wrapper = [
        sys.executable,
        "-c",
        (
            "import resource, subprocess, sys, time, json\n"
            "t = time.perf_counter()\n"
            "rc = subprocess.run(sys.argv[1:]).returncode\n"
            "wall = time.perf_counter() - t\n"
            "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
            "print(json.dumps({'rc': rc, 'wall_s': wall, 'peak_rss_mb': rss}))\n"
        ),
        *cmd,
    ]
    out = subprocess.run(wrapper, capture_output=True, text=True, env=env, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {result['rc']}")
    return {"wall_s": round(result["wall_s"], 1), "peak_rss_mb": round(result["peak_rss_mb"])}


def slowest_dbt_nodes(n: int = 10) -> list[dict[str, object]]:
    path = ROOT / "dbt_project" / "target" / "run_results.json"
    results = json.loads(path.read_text())
    nodes = sorted(results["results"], key=lambda r: -r["execution_time"])[:n]
    return [{"node": r["unique_id"], "seconds": round(r["execution_time"], 2)} for r in nodes] + [
        {"node": "dbt build elapsed", "seconds": round(results["elapsed_time"], 1)}
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="tiny,demo")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    report: dict[str, object] = {
        "when": stamp,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "months": args.months,
        "runs": {},
    }
    for size in args.sizes.split(","):
        work = Path(tempfile.mkdtemp(prefix=f"amisdw-bench-{size}-"))
        try:
            inbox, warehouse = work / "inbox", work / "wh" / "warehouse.duckdb"
            gen = measured(
                [
                    AMISDW,
                    "generate",
                    "--size",
                    size,
                    "--start",
                    "202301",
                    "--months",
                    str(args.months),
                    "--seed",
                    str(args.seed),
                    "--out",
                    str(inbox),
                ]
            )
            run = measured([AMISDW, "run", "--inbox", str(inbox), "--warehouse", str(warehouse)])
            rerun = measured([AMISDW, "run", "--inbox", str(inbox), "--warehouse", str(warehouse)])
            report["runs"][size] = {  # type: ignore[index]
                "generate": gen,
                "run": run,
                "rerun_nothing_new": rerun,
                "inbox_mb": round(sum(p.stat().st_size for p in inbox.rglob("*")) / 2**20, 1),
                "published_mb": round(warehouse.stat().st_size / 2**20, 1),
                "slowest_dbt_nodes": slowest_dbt_nodes() if run else [],
            }
        finally:
            shutil.rmtree(work, ignore_errors=True)
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    with (RESULTS / "history.md").open("a") as fh:
        for size, r in report["runs"].items():  # type: ignore[union-attr]
            fh.write(
                f"| {stamp} | {size} | {args.months} | {r['generate']['wall_s']} | "
                f"{r['generate']['peak_rss_mb']} | {r['run']['wall_s']} | "
                f"{r['run']['peak_rss_mb']} | {r['rerun_nothing_new']['wall_s']} |\n"
            )
    print(json.dumps(report, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
