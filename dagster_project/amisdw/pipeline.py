"""``amisdw run``: one run of the ``monthly_refresh`` job, in-process, recorded in the
persistent Dagster instance, and a summary of what it did.

1. Take the warehouse's writer lock (a second run refuses while one is in progress).
2. Decide with the sequencing policy which months are new; nothing new and the published
   file up to date: stop (no run).
3. Execute ``monthly_refresh`` in one run over the new months' partitions: ingestion loads
   the months the policy allows (oldest first; a bad month holds back only the months after
   it), dbt builds and tests every model over the whole history, publish swaps the new file
   in if every gate passed.
4. Summarise from the run itself: the ingestion's decision per month, the dbt invocation's
   run_results.json, the published file's head-office KPIs and data-quality findings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from amisdw.build_state import is_up_to_date
from amisdw.errors import DISK_FULL_MARKERS, AmisdwError, describe_os_error
from amisdw.extracts.contract import FAMILIES
from amisdw.extracts.delivery import month_folders
from amisdw.extracts.load import ensure_raw_schema, warehouse_months
from amisdw.ingest import observe
from amisdw.locking import warehouse_lock
from amisdw.orchestration.dbt_assets import run_target
from amisdw.orchestration.definitions import build_definitions
from amisdw.orchestration.ingest_assets import STEPS_METADATA
from amisdw.orchestration.jobs import BUILD_GROUPS, monthly_refresh
from amisdw.orchestration.metadata import head_office_kpis
from amisdw.orchestration.partitions import range_tags
from amisdw.progress import RunProgress
from amisdw.sequencing import Action, Step, plan_loads
from amisdw.settings import Settings
from amisdw.spark import require_spark

QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
DUCKDB_MAGIC = b"DUCK"  # bytes 8–11 of every DuckDB database file
REPLAY_SHARE_TEST = "assert_replay_disagreements_within_threshold"
# the head office's KPIs of the latest month in the run summary (interfaces.md)
SUMMARY_KPIS = (
    "headcount_end",
    "hires",
    "leavers",
    "activity_rate",
    "new_premium",
    "fyc",
    "retention_rate_13m",
)


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
    dbt_restate_from: str | None = None  # the month an incremental refresh started from
    dbt_failures: list[str] = field(default_factory=list)
    published_tables: dict[str, int] = field(default_factory=dict)
    published_views: list[str] = field(default_factory=list)
    publish_skipped: str = ""
    log_file: Path | None = None
    up_to_date: bool = False  # nothing new since the last publish: no rebuild, no publish
    docs_index: Path | None = None  # the data catalogue built after the publish
    run_id: str | None = None  # the Dagster run (in the instance at dagster_home)
    kpi_period: str | None = None
    kpis: dict[str, float | None] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)  # data-quality findings by kind

    @property
    def ok(self) -> bool:
        return not self.failed and not self.dbt_failures and not self.publish_skipped


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


def check_published_file(published: Path) -> None:
    """A run replaces the published file: refuse if what is there is not a DuckDB file (a
    mistyped --warehouse must not overwrite someone's spreadsheet)."""
    if published.is_dir():
        raise AmisdwError(
            f"The warehouse path {published} is a folder. Pass --warehouse FILE.duckdb, the "
            "file to publish (its folder also holds the build file, logs and versions)."
        )
    if published.exists():
        with published.open("rb") as fh:
            head = fh.read(12)
        if head[8:12] != DUCKDB_MAGIC:
            raise AmisdwError(
                f"{published} exists but is not a DuckDB file, so amisdw will not replace it. "
                "Move it away, or pass --warehouse with the path of the published amisdw "
                "warehouse (a .duckdb file), or a new path."
            )


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """The persistent Dagster instance at ``dagster_home`` (``dagster dev`` with the same
    DAGSTER_HOME shows every run of ``amisdw run``)."""
    from dagster._core.instance.ref import InstanceRef

    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(settings.dagster_home_path)))


def run_pipeline(
    settings: Settings,
    log: Callable[[str], None] = print,
    verbose: bool = False,
    progress: RunProgress | None = None,
    rebuild: bool = False,
) -> RunSummary:
    """Load, build, test and publish; ``rebuild`` (``--full-refresh``) rebuilds every model and
    publishes even when nothing changed since the last publish."""
    summary = RunSummary(inbox=settings.inbox_path, published=settings.published)
    require_spark(settings)  # --engine spark without the spark group: say so first
    month_folders(settings.inbox_path)  # a missing, empty or misfiled inbox: say so first
    check_published_file(settings.published)
    settings.prepare_folders()
    try:
        if not verbose:
            summary.log_file = settings.run_log
            summary.log_file.write_text("", encoding="utf-8")
        with warehouse_lock(settings.lock_path):
            _open_or_recover_build(settings, summary)
            _run_locked(settings, summary, log, verbose, progress, rebuild)
    except AmisdwError:
        raise
    except Exception as exc:
        full = disk_is_full(settings, str(exc))
        if isinstance(exc, duckdb.Error | OSError) or full:
            raise AmisdwError(describe_os_error(exc, settings, disk_full=full)) from exc
        raise
    if disk_is_full(settings, " ".join([summary.publish_skipped, *summary.dbt_failures])):
        summary.publish_skipped = "not published: " + describe_os_error(
            OSError(errno.ENOSPC, "No space left on device"), settings
        )
    return summary


LOW_DISK_BYTES = 64 << 20


def disk_is_full(settings: Settings, text: str = "") -> bool:
    """The failure looks like the warehouse's disk filling up: its text says so, or less
    than 64 MiB is left where the warehouse lives."""
    if any(marker in text for marker in DISK_FULL_MARKERS):
        return True
    try:
        return shutil.disk_usage(settings.folder).free < LOW_DISK_BYTES
    except OSError:
        return False


def _open_or_recover_build(settings: Settings, summary: RunSummary) -> None:
    """Open the build file once; if it is damaged (a crash or a full disk mid-write), set it
    aside and start a new one: raw is rebuilt from the inbox, which keeps every delivery."""
    if not settings.build.exists():
        return
    try:
        with duckdb.connect(str(settings.build)) as con:
            con.execute("SELECT 1").fetchall()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower() or disk_is_full(settings, str(exc)):
            raise
        _set_aside(settings, summary, exc)
    except duckdb.Error as exc:
        _set_aside(settings, summary, exc)


def _set_aside(settings: Settings, summary: RunSummary, exc: Exception) -> None:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    damaged = settings.build.with_name(f"{settings.build.name}.damaged-{stamp}")
    settings.build.rename(damaged)
    wal = settings.build.with_name(settings.build.name + ".wal")
    if wal.exists():
        wal.rename(damaged.with_name(damaged.name + ".wal"))
    summary.warnings.append(
        f"the build warehouse could not be opened ({str(exc).strip()[:200]}); it was set "
        f"aside as {damaged.name} and is rebuilt from the inbox"
    )


def _run_locked(
    settings: Settings,
    summary: RunSummary,
    log: Callable[[str], None],
    verbose: bool,
    progress: RunProgress | None,
    rebuild: bool = False,
) -> None:
    with duckdb.connect(str(settings.build)) as con:
        ensure_raw_schema(con)
        state = warehouse_months(con)
    obs = observe(settings.inbox_path, settings.first_month, state.loaded, verify=False)
    plan = plan_loads(obs.months, state)
    summary.warnings.extend(obs.warnings)
    history = sorted({*state.loaded, *plan.loads})
    # the run's partitions: the months it loads (a rebuild without new months: the latest);
    # the models are rebuilt whole either way, and Dagster records one event per asset and
    # partition, so a partition range over all history would cost far more than it says
    window = plan.loads or history[-1:]
    if (
        not plan.loads
        and not rebuild
        and is_up_to_date(settings.build, settings.published, settings.engine, settings.dbt_vars())
    ):
        summary.up_to_date = True
        _record_steps(summary, list(plan.steps))
        _finish(settings, summary, published_now=False)
        return
    if not history:
        _record_steps(summary, list(plan.steps))
        summary.publish_skipped = "not published: no month could be loaded yet"
        return

    log(f"loading {len(plan.loads)} month(s), building and testing (one Dagster run) …")
    with _captured(summary.log_file):
        defs = build_definitions(settings, progress)
        job = defs.resolve_job_def(monthly_refresh.name)
        tags = {
            **range_tags(window[0], window[-1]),
            "amisdw/trigger": "amisdw run",
            PID_TAG: str(os.getpid()),
        }
        with instance_for(settings) as instance:
            fail_orphaned_cli_runs(instance)
            try:
                result = job.execute_in_process(
                    instance=instance,
                    tags=tags,
                    run_config=run_config(verbose, rebuild),
                    raise_on_error=False,
                    asset_selection=None if plan.loads else _build_keys(defs),
                )
            except BaseException:
                fail_orphaned_cli_runs(instance, include_own=True)
                raise
    summary.run_id = result.run_id
    steps = _steps_of(result)
    _record_steps(summary, steps if steps is not None else list(plan.steps))
    _read_dbt_results(summary, run_target(settings, result.run_id) / "run_results.json")
    published = _published_in(result)
    if not result.success:
        reason = _withheld_reason(settings, summary) or _user_error(result)
        summary.publish_skipped = f"not published: {reason}"
    _finish(settings, summary, published_now=published)
    if published and settings.docs:
        from amisdw.catalog import build_docs

        log("building the data catalogue (dbt docs) …")
        with _captured(summary.log_file):
            summary.docs_index = build_docs(settings).static_index


PID_TAG = "amisdw/pid"
_UNFINISHED = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]


def run_config(verbose: bool, rebuild: bool) -> dict[str, Any]:
    """The Dagster run config of ``amisdw run``: Dagster's console quiet unless ``verbose``;
    with ``rebuild`` the dbt step rebuilds even an up-to-date warehouse (DbtBuildConfig)."""
    config: dict[str, Any] = {} if verbose else dict(QUIET_RUN_CONFIG)
    if rebuild:
        config["ops"] = {"amisdw_dbt": {"config": {"full_refresh": True}}}
    return config


def fail_orphaned_cli_runs(instance: dg.DagsterInstance, include_own: bool = False) -> None:
    """Mark as failed the runs of `amisdw run` that never finished: their process died (kill
    -9, a full disk), or, with ``include_own``, this process's run that just raised. Left
    STARTED, they would look in progress to the inbox sensor for ever."""
    with contextlib.suppress(Exception):  # best effort: the disk may still be full
        for run in instance.get_runs(
            dg.RunsFilter(statuses=_UNFINISHED, tags={"amisdw/trigger": "amisdw run"})
        ):
            pid = int(run.tags.get(PID_TAG, "0") or 0)
            own = pid == os.getpid()
            if (own and include_own) or (not own and not _alive(pid)):
                instance.report_run_failed(run)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _build_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    graph = defs.resolve_asset_graph()
    return [
        k
        for k in graph.get_all_asset_keys()
        if graph.get(k).is_materializable and graph.get(k).group_name in BUILD_GROUPS
    ]


def _steps_of(result: dg.ExecuteInProcessResult) -> list[Step] | None:
    """The ingestion's decision per month, from its materialization metadata."""
    if "ingest_delivery" not in {n.name for n in result.job_def.nodes_in_topological_order}:
        return None
    for materialization in result.asset_materializations_for_node("ingest_delivery"):
        if STEPS_METADATA in materialization.metadata:
            return [
                Step(s["month"], Action(s["action"]), s["reason"], s.get("fingerprint"))
                for s in materialization.metadata[STEPS_METADATA].value
            ]
    return None


def _published_in(result: dg.ExecuteInProcessResult) -> bool:
    if "published_warehouse" not in {n.name for n in result.job_def.nodes_in_topological_order}:
        return False
    return bool(result.asset_materializations_for_node("published_warehouse"))


def _record_steps(summary: RunSummary, steps: list[Step]) -> None:
    for s in steps:
        if s.action is Action.LOADED:
            summary.loaded.append(s.month)
        elif s.action in (Action.BROKEN, Action.QUARANTINED):
            summary.failed.append((s.month, s.reason))
        elif s.action is Action.LOAD:  # planned, but the run stopped before it
            summary.skipped.append((s.month, "not loaded: the run stopped before it"))
        else:
            summary.skipped.append((s.month, s.reason))


def _finish(settings: Settings, summary: RunSummary, published_now: bool) -> None:
    """Raw rows, the published tables and the head office's KPIs of the latest month."""
    with duckdb.connect(str(settings.build)) as con:
        for family in FAMILIES:
            summary.raw_rows[family.raw_table] = con.execute(
                f"SELECT count(*) FROM raw.{family.raw_table}"
            ).fetchone()[0]
    if not settings.published.exists():
        return
    summary.published_tables, summary.published_views = _published_counts(settings.published)
    summary.kpi_period, summary.kpis = head_office_kpis(settings.published, codes=SUMMARY_KPIS)
    summary.findings = _findings(settings.published)


def _user_error(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            err = event.step_failure_data.error
            while err.cause is not None and err.cls_name.startswith("Dagster"):
                err = err.cause
            text = err.message.strip()
            return re.sub(rf"^[\w.]*{re.escape(err.cls_name)}: ", "", text).strip()
    return "the run failed (see the Dagster event log)"


def _read_dbt_results(summary: RunSummary, path: Path) -> None:
    if not path.exists():
        return
    run_results = json.loads(path.read_text(encoding="utf-8"))
    results = run_results["results"]
    summary.dbt_restate_from = (run_results["args"].get("vars") or {}).get("restate_from")
    counts: dict[str, int] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        if kind == "operation" and r["status"] == "success":
            continue  # the on-run-start hook (a no-op on DuckDB) is not a result to count
        key = f"{kind}:{r['status']}"
        counts[key] = counts.get(key, 0) + 1
        if r["status"] in ("error", "fail"):
            summary.dbt_failures.append(f"{r['unique_id']}: {(r.get('message') or '').strip()}")
    summary.dbt_results = dict(sorted(counts.items()))


def _withheld_reason(settings: Settings, summary: RunSummary) -> str | None:
    """The message for a publish withheld by the replay-vs-snapshot share, else None."""
    if not any(REPLAY_SHARE_TEST in f for f in summary.dbt_failures):
        return None
    summary_table = "marts.data_quality_summary"
    if settings.engine == "spark":  # the marts Spark built, in its Parquet tables
        from amisdw.publish import spark_tables

        select = spark_tables(settings.spark_warehouse_dir, "marts").get("data_quality_summary")
        if select is None:
            return None
        summary_table = f"({select})"
    with duckdb.connect(str(settings.build), read_only=True) as con:
        row = con.execute(
            f"SELECT findings, population, share, threshold FROM {summary_table} "
            "WHERE check_name = 'replay_vs_snapshot'"
        ).fetchone()
    if row is None:
        return None
    findings, population, share, threshold = row
    return (
        f"{share:.2%} of agent-months ({findings:,} of {population:,}) disagree between the "
        f"AGENT snapshots and the event replay, above the threshold of {threshold:.2%} "
        "(setting replay_max_disagreement_share, AMISDW_REPLAY_MAX_DISAGREEMENT_SHARE). The "
        "delivery looks broken: look at marts.data_quality_findings (kind "
        f"'snapshot_disagrees') in the build warehouse {settings.build}, and ask AMIS to "
        "re-deliver the missing events"
    )


def _findings(published: Path) -> dict[str, int]:
    with duckdb.connect(str(published), read_only=True) as con:
        try:
            return dict(
                con.execute(
                    "SELECT kind, count(*) FROM marts.data_quality_findings GROUP BY kind "
                    "ORDER BY kind"
                ).fetchall()
            )
        except duckdb.CatalogException:
            return {}


def _published_counts(published: Path) -> tuple[dict[str, int], list[str]]:
    """Rows per published table, and the published views (not counted: counting marts.kpi
    would compute the long form)."""
    with duckdb.connect(str(published), read_only=True) as con:
        relations = con.execute(
            "SELECT table_schema || '.' || table_name, table_type = 'VIEW' "
            "FROM information_schema.tables ORDER BY 1"
        ).fetchall()
        views = [name for name, is_view in relations if is_view]
        tables = [name for name, is_view in relations if not is_view]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}, views


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
