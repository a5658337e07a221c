"""Time ingestion alone (no dbt): every month of an inbox into a fresh build file, with the
wall time of each phase.

    python bench/ingest_phases.py INBOX WORKDIR [--batch-mb N]

WORKDIR is emptied and receives the build file and the quality folder. Prints the seconds of
each phase (functions of amisdw.ingest and amisdw.quality.gates wrapped with timers), the
total, the throughput in MB/s of delivered files and the peak RSS of the process. ``--batch-mb``
sets how many MB of delivered files are parsed and validated together (default: the
pipeline's, amisdw.ingest.BATCH_BYTES).
"""

from __future__ import annotations

import argparse
import functools
import resource
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

import amisdw.ingest as ingest
import amisdw.quality.gates as gates

PHASES: list[tuple[Any, str, str]] = [
    (ingest, "observe", "control-file check (MD5, row counts, BUDGET workbooks)"),
    (ingest, "parse_deliveries", "parse (decode, CSV, header mapping, typing)"),
    (gates.GxSuites, "__init__", "GX import and context"),
    (gates, "_tables", "gates: Arrow tables per family"),
    (gates, "_suite_frame", "gates: the GX pandas batches"),
    (gates.GxSuites, "validate", "GX validations (incl. checkpoint set-up)"),
    (gates, "_cross_file_checks", "cross-file checks"),
    (ingest, "load_delivery", "load (insert, commit)"),
    (gates.GxSuites, "build_docs", "GX Data Docs"),
]


def timed(seconds: Counter[str], label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds[label] += time.perf_counter() - start

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inbox", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--batch-mb", type=int, default=ingest.BATCH_BYTES >> 20)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    seconds: Counter[str] = Counter()
    for owner, name, label in PHASES:
        setattr(owner, name, timed(seconds, label, getattr(owner, name)))
    size = sum(p.stat().st_size for p in args.inbox.glob("*/*") if p.is_file())
    start = time.perf_counter()
    with duckdb.connect(str(args.work / "warehouse.build.duckdb")) as con:
        outcome = ingest.ingest_months(
            con, args.inbox, args.work / "quality", batch_bytes=args.batch_mb << 20
        )
    total = time.perf_counter() - start
    for label, s in seconds.most_common():
        print(f"{s:7.2f} s  {label}")
    print(f"{total - sum(seconds.values()):7.2f} s  the rest (batch checkpoint, planning)")
    print(
        f"{total:7.2f} s  in all: {len(outcome.loaded)} months, {size / 1e6:.1f} MB, "
        f"{size / 1e6 / total:.1f} MB/s, {len(outcome.quarantines)} quarantined"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    print(f"batches of {args.batch_mb} MB: peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
