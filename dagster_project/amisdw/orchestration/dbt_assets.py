"""The dbt project as Dagster assets: staging → intermediate → marts, dbt tests as asset checks.

The dbt assets share the monthly partitions of ingestion. A month's delivery restates earlier
months (personnel events are backdated up to six months, a receipt confirmed late changes an
earlier persistency), so a partition of a dbt asset means "this month's delivery is built into
the model", and the tables always hold every month. The largest models are incremental by
month: a build recomputes them from the earliest new or re-delivered month less the
restatement window (build_state.restatement), and every other model in full; without a
recorded successful build of the same dbt project, vars and engine, the build is full.

Each run's dbt artifacts go to ``<warehouse folder>/dbt/runs/<run id>/`` (the invocation's own
target path), where ``amisdw run`` reads its results: two runs never share a target folder.
"""

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from amisdw.build_state import (
    Restatement,
    current_inputs,
    has_loaded_months,
    is_up_to_date,
    last_build,
    record_build,
    restatement,
)
from amisdw.locking import warehouse_lock
from amisdw.orchestration.ingest_assets import LOCK_WAIT_SECONDS, WAREHOUSE_POOL
from amisdw.orchestration.metadata import relation_row_counts
from amisdw.progress import DBT_NODES, RunProgress
from amisdw.settings import DBT_PROJECT_DIR, Settings

_DBT_INPUTS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
KEPT_RUNS = 10  # dbt artifacts of the newest runs kept under dbt/runs/


def dbt_cli(settings: Settings, project: DbtProject | None = None) -> DbtCliResource:
    """dbt as a resource: the program next to this interpreter, this warehouse's profile."""
    return DbtCliResource(
        project_dir=project or DbtProject(project_dir=DBT_PROJECT_DIR),
        profiles_dir=str(settings.dbt_dir),
        dbt_executable=str(settings.dbt_executable),
    )


def prepare_dbt_project(settings: Settings) -> DbtProject:
    """The DbtProject, its manifest (re)parsed when missing or stale. Called when the
    definitions are built, never at import."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=settings.dbt_dir)
    dbt_vars = json.dumps(settings.dbt_vars(), sort_keys=True)
    target = Path(project.project_dir) / project.target_path
    parsed_with = target / "amisdw_parse_vars.json"
    same_vars = parsed_with.is_file() and parsed_with.read_text(encoding="utf-8") == dbt_vars
    if not same_vars or manifest_is_stale(project.project_dir, Path(project.manifest_path)):
        settings.prepare_folders()
        dbt_cli(settings, project).cli(
            ["parse", "--quiet", "--vars", dbt_vars],
            target_path=target,
            raise_on_error=True,
        ).wait()
        parsed_with.write_text(dbt_vars, encoding="utf-8")
    return project


def seed_partial_parse(project: DbtProject, target: Path) -> None:
    """Start a run's target folder from the project's partial-parse state (parsed with the
    same vars when the definitions were built), so dbt re-parses only what changed."""
    state = Path(project.project_dir) / project.target_path / "partial_parse.msgpack"
    if state.is_file():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(state, target / state.name)


def manifest_is_stale(project_dir: Path, manifest: Path) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    inputs = [project_dir / "dbt_project.yml"]
    for folder in _DBT_INPUTS:
        if (project_dir / folder).is_dir():
            inputs.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return any(p.exists() and p.stat().st_mtime > built for p in inputs)


def dbt_build_args(
    dbt_vars: dict[str, Any], restate_from: str | None = None, unit_tests: bool = True
) -> list[str]:
    """The dbt CLI arguments of a build: the settings that are dbt vars; a refresh of the
    incremental models from ``restate_from`` (``YYYY-MM-01``) on, else a full refresh; without
    the unit tests."""
    args = ["build"]
    if restate_from is None:
        args.append("--full-refresh")
    else:
        dbt_vars = {**dbt_vars, "restate_from": restate_from}
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars, sort_keys=True)]
    return args


def plan_build(settings: Settings, full_refresh: bool) -> tuple[Restatement, Any]:
    """How this build runs (a refresh from a month, or in full, and why) and the inputs it is
    built from, to record once it succeeds."""
    inputs = current_inputs(settings.build, settings.dbt_vars(), settings.engine)
    if full_refresh:
        return Restatement(None, "full build: asked for (full_refresh)"), inputs
    if not settings.incremental:
        return Restatement(None, "full build: the setting incremental is off"), inputs
    previous = last_build(settings.build)
    return restatement(previous, inputs, settings.restatement_months), inputs


def run_target(settings: Settings, run_id: str) -> Path:
    """Where the dbt invocation of run ``run_id`` writes its artifacts."""
    return settings.dbt_runs_dir / run_id


def _prune_runs(settings: Settings) -> None:
    runs = sorted(
        (p for p in settings.dbt_runs_dir.glob("*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in runs[KEPT_RUNS:]:
        for f in sorted(old.rglob("*"), reverse=True):
            f.unlink() if f.is_file() else f.rmdir()
        old.rmdir()


class AmisdwDbtTranslator(DagsterDbtTranslator):
    """dbt sources map onto the ingestion assets; models group by their layer: staging,
    model (intermediate models and seeds), marts."""

    def get_asset_key(self, dbt_resource_props: dict[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: dict[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "model"
        if len(fqn) > 2 and fqn[1] == "staging":
            return "staging"
        if len(fqn) > 2 and fqn[1] == "marts":
            return "marts"
        return "model"


class DbtBuildConfig(dg.Config):
    """``full_refresh``: rebuild even when the build is up to date (--full-refresh)."""

    full_refresh: bool = False


def relations(manifest: dict[str, Any]) -> dict[str, str]:
    """dbt unique_id → ``schema.name`` of every model, seed and snapshot of the manifest."""
    return {
        uid: f"{node['schema']}.{node.get('alias') or node['name']}"
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "snapshot")
        and node.get("config", {}).get("materialized") != "ephemeral"
    }


def row_count_observations(
    build: Path, by_id: dict[str, str], keys: dict[str, dg.AssetKey]
) -> list[dg.AssetObservation]:
    """``dagster/row_count`` of every dbt model, as observations read after dbt exits (the
    DuckDB file has one writer, so it cannot be read while dbt runs; the materializations are
    streamed as dbt reports them, so Dagster records them while dbt is still building)."""
    counts = relation_row_counts(build, by_id.values())
    return [
        dg.AssetObservation(asset_key=keys[uid], metadata={"dagster/row_count": counts[rel]})
        for uid, rel in sorted(by_id.items())
        if uid in keys and rel in counts
    ]


_RESULT_NODES = frozenset({"model", "seed", "snapshot", "test"})


def result_node_count(manifest: Mapping[str, Any]) -> int:
    """The dbt nodes a whole-project ``dbt build`` reports a result for (dbt reports unit
    tests only when one fails, so they are not counted)."""
    return sum(1 for n in manifest["nodes"].values() if n["resource_type"] in _RESULT_NODES)


def _node_of(event: object) -> str | None:
    """The dbt ``unique_id`` a Dagster event of the dbt stream stands for."""
    value = (getattr(event, "metadata", None) or {}).get("unique_id")
    return str(getattr(value, "value", value)) if value is not None else None


def write_spark_sources(context: dg.AssetExecutionContext, settings: Settings) -> None:
    """The Spark engine's dbt sources: the loaded raw months as Parquet, brought up to date."""
    from amisdw.spark.raw_parquet import export_raw_parquet

    with duckdb.connect(str(settings.build)) as con:
        export = export_raw_parquet(con, settings.spark_raw_dir)
    context.log.info(
        f"raw Parquet for Spark in {settings.spark_raw_dir}: {len(export.written)} file(s) "
        f"written, {export.kept} current"
    )


def build_dbt_assets(
    project: DbtProject, partitions: dg.PartitionsDefinition
) -> dg.AssetsDefinition:
    manifest = json.loads(Path(project.manifest_path).read_text(encoding="utf-8"))
    by_id = relations(manifest)
    translator = AmisdwDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    )
    keys = {uid: translator.get_asset_key(manifest["nodes"][uid]) for uid in by_id}

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=translator,
        pool=WAREHOUSE_POOL,
        name="amisdw_dbt",
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def amisdw_dbt(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        settings: dg.ResourceParam[Settings],
        progress: dg.ResourceParam[RunProgress],
        config: DbtBuildConfig,
    ):
        """dbt build (models, seeds, unit and data tests) of the whole history; skipped when
        raw holds nothing, or nothing changed since the last publish."""
        with warehouse_lock(settings.lock_path, wait_seconds=LOCK_WAIT_SECONDS):
            if not has_loaded_months(settings.build):
                context.log.info("raw holds no delivery yet: nothing to build")
                return
            if not config.full_refresh and is_up_to_date(
                settings.build, settings.published, settings.engine, settings.dbt_vars()
            ):
                context.log.info(
                    "same deliveries, dbt project, vars and engine as the published warehouse"
                )
                return
            if settings.engine == "spark":
                write_spark_sources(context, settings)
            plan, inputs = plan_build(settings, config.full_refresh)
            context.log.info(plan.reason)
            record_build(settings.build, None)  # until this build succeeds
            target = run_target(settings, context.run.run_id)
            seed_partial_parse(project, target)
            invocation = dbt.cli(
                dbt_build_args(
                    settings.dbt_vars(),
                    restate_from=plan.restate_from,
                    unit_tests=settings.unit_tests,
                ),
                context=context,
                target_path=target,
                raise_on_error=False,
            )
            total, done = result_node_count(invocation.manifest), set[str]()
            for event in invocation.stream():
                node = _node_of(event)
                if node is not None and node not in done:
                    done.add(node)
                    progress.advance(DBT_NODES, min(len(done), total), total, node.split(".")[2])
                yield event
            try:
                if settings.engine == "duckdb":  # Spark's tables are not in the build file
                    yield from row_count_observations(settings.build, by_id, keys)
            except duckdb.Error as exc:  # metadata only: never fail the build over it
                context.log.warning(f"row counts not recorded: {exc}")
            _prune_runs(settings)
            error = invocation.get_error()
            if error is None:
                record_build(settings.build, inputs)
        if error is not None:
            raise error

    return amisdw_dbt
