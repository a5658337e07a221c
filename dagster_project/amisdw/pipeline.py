"""``amisdw run``: materialise the Dagster assets in-process and summarise what happened.

Order: scan the inbox; ingest every complete month whose delivery is new (not loaded, or
re-delivered), oldest first; build the dbt project (models + tests); publish. A month
that fails to load holds back every later month (their events and snapshots build on it),
so history never has a gap; earlier months still load and publish.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from amisdw import settings
from amisdw.assets.partitions import build_window, range_tags
from amisdw.errors import AmisdwError
from amisdw.extracts.contract import FAMILIES
from amisdw.extracts.delivery import scan_inbox
from amisdw.extracts.load import ensure_raw_schema, loaded_fingerprints

QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class RunSummary:
    inbox: Path
    published: Path
    loaded: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    raw_rows: dict[str, int] = field(default_factory=dict)
    dbt_results: dict[str, int] = field(default_factory=dict)
    dbt_failures: list[str] = field(default_factory=list)
    published_tables: dict[str, int] = field(default_factory=dict)
    publish_skipped: str = ""
    log_file: Path | None = None
    up_to_date: bool = False  # nothing new since the last publish: no rebuild, no publish
    docs_index: Path | None = None  # the data catalogue built after the publish

    @property
    def ok(self) -> bool:
        return not self.failed and not self.dbt_failures and not self.publish_skipped


def _user_error(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            err = event.step_failure_data.error
            while err.cause is not None and err.cls_name.startswith("Dagster"):
                err = err.cause
            text = err.message.strip()
            # "amisdw.quality.quarantine.DeliveryQuarantined: ..." -> "..."
            return re.sub(rf"^[\w.]*{re.escape(err.cls_name)}: ", "", text).strip()
    return "the run failed (see the Dagster event log)"


@contextlib.contextmanager
def _captured(log_file: Path | None) -> Iterator[None]:
    """Send what Dagster and dbt print to ``log_file`` (None: leave it on the terminal)."""
    if log_file is None:
        yield
        return
    with (
        log_file.open("a", encoding="utf-8") as fh,
        contextlib.redirect_stdout(fh),
        contextlib.redirect_stderr(fh),
    ):
        yield


DOCS_ENV = "AMISDW_DOCS"  # "0": skip the data catalogue (the test suite does, to save time)


def run_pipeline(
    inbox: Path,
    published: Path,
    log: Callable[[str], None] = print,
    verbose: bool = False,
    docs: bool = True,
) -> RunSummary:
    os.environ[settings.WAREHOUSE_ENV] = str(published)
    os.environ[settings.INBOX_ENV] = str(inbox)
    summary = RunSummary(inbox=inbox, published=published)
    build = settings.build_path(published)
    build.parent.mkdir(parents=True, exist_ok=True)

    if not verbose:
        summary.log_file = published.parent / "logs" / "amisdw-run.log"
        summary.log_file.parent.mkdir(parents=True, exist_ok=True)
        summary.log_file.write_text("", encoding="utf-8")

    deliveries, summary.warnings = scan_inbox(inbox)
    with duckdb.connect(str(build)) as con:
        ensure_raw_schema(con)
        fingerprints = loaded_fingerprints(con)

    from amisdw.definitions import all_assets, all_resources  # after the env names the files

    assets = all_assets()
    resources = all_resources()
    ingest = assets[0]
    run_config = {} if verbose else QUIET_RUN_CONFIG
    instance = dg.DagsterInstance.ephemeral()

    blocked_by: str | None = None
    for delivery in deliveries:
        month = delivery.month
        summary.warnings.extend(delivery.warnings)
        if delivery.complete and fingerprints.get(month) == delivery.fingerprint:
            summary.skipped.append((month, "already loaded (same control file)"))
            continue
        if blocked_by:
            summary.skipped.append((month, f"held back: earlier month {blocked_by} did not load"))
            continue
        if not delivery.complete:
            # still being written (no control file): wait; files that disagree with their
            # control file: an error to report (non-zero exit), nothing loaded
            target = summary.skipped if delivery.awaiting_control_file else summary.failed
            target.append((month, "; ".join(delivery.reasons)))
            if month not in fingerprints:  # never loaded: later months would build on a gap
                blocked_by = month
            continue
        log(f"loading {month} …")
        with _captured(summary.log_file):
            result = dg.materialize(
                [ingest],
                partition_key=month,
                resources=resources,
                instance=instance,
                run_config=run_config,
                raise_on_error=False,
            )
        if result.success:
            summary.loaded.append(month)
        else:
            summary.failed.append((month, _user_error(result)))
            blocked_by = month

    from amisdw.build_state import is_up_to_date

    if is_up_to_date(build, published):
        summary.up_to_date = True
        summary.published_tables = _published_counts(published)
        _raw_rows(summary, build)
        return summary

    log("building models and running data tests (dbt build) …")
    dbt_keys = [k for a in assets for k in a.keys if k.path[0] != "raw"]
    # one run over every loaded month (the dbt assets share ingestion's monthly partitions)
    window = build_window([*fingerprints, *summary.loaded])
    with _captured(summary.log_file):
        result = dg.materialize(
            assets,
            selection=dbt_keys,
            resources=resources,
            instance=instance,
            run_config=run_config,
            raise_on_error=False,
            tags=range_tags(*window),
        )
    _read_dbt_results(summary)
    if not result.success:
        reason = summary.dbt_failures[0] if summary.dbt_failures else _user_error(result)
        summary.publish_skipped = f"not published: {reason}"
    else:
        summary.published_tables = _published_counts(published)
        if docs and os.environ.get(DOCS_ENV, "1") != "0":
            from amisdw.catalog import build_docs

            log("building the data catalogue (dbt docs) …")
            with _captured(summary.log_file):
                summary.docs_index = build_docs(published.parent / "docs", published).static_index

    _raw_rows(summary, build)
    return summary


def _raw_rows(summary: RunSummary, build: Path) -> None:
    with _connect_when_free(build) as con:
        for family in FAMILIES:
            summary.raw_rows[family.raw_table] = con.execute(
                f"SELECT count(*) FROM raw.{family.raw_table}"
            ).fetchone()[0]


def _connect_when_free(path: Path, seconds: float = 60.0) -> duckdb.DuckDBPyConnection:
    """Open the build file, waiting while a finishing dbt process still holds its lock (with
    the default config, which a connection still open in this process may share)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _read_dbt_results(summary: RunSummary) -> None:
    path = settings.DBT_PROJECT_DIR / "target" / "run_results.json"
    if not path.exists():
        return
    results = json.loads(path.read_text())["results"]
    counts: dict[str, int] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        key = f"{kind}:{r['status']}"
        counts[key] = counts.get(key, 0) + 1
        if r["status"] in ("error", "fail"):
            summary.dbt_failures.append(f"{r['unique_id']}: {(r.get('message') or '').strip()}")
    summary.dbt_results = dict(sorted(counts.items()))


def _published_counts(published: Path) -> dict[str, int]:
    if not published.exists():
        return {}
    with duckdb.connect(str(published), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables ORDER BY 1"
        ).fetchall()
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in tables}


def check_not_error(summary: RunSummary) -> None:
    if summary.ok:
        return
    parts = [f"{m}: {why}" for m, why in summary.failed] + summary.dbt_failures[:5]
    if summary.publish_skipped:
        parts.append(summary.publish_skipped)
    raise AmisdwError(
        "The run did not complete: "
        + " | ".join(parts)
        + f". The published warehouse {summary.published} was left as it was."
    )
