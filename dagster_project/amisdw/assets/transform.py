"""The dbt project as Dagster assets: staging → intermediate → marts, dbt tests as asset checks.

The dbt assets share the monthly partitions of ingestion. A run over months A…B passes them
to dbt as ``--vars '{"start_month": A, "end_month": B}'``; the models nevertheless rebuild the
whole history on every run (tables, not incremental), because a month's delivery restates
earlier months: personnel events are backdated up to six months and later status rows change
earlier persistency and retention. A partition of a dbt asset therefore means "this month's
delivery is built into the model", and the tables always hold every month.
"""

import json
import os
from functools import cache
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

from amisdw import settings
from amisdw.assets.ingest import WAREHOUSE_POOL
from amisdw.assets.metadata import relation_row_counts
from amisdw.assets.partitions import month_window, monthly_partitions

_DBT_INPUTS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")


@cache
def dbt_project() -> DbtProject:
    """The one DbtProject, built lazily; its manifest is (re)parsed when missing or stale."""
    project = DbtProject(project_dir=settings.DBT_PROJECT_DIR)
    if manifest_is_stale(project.project_dir, Path(project.manifest_path)):
        DbtCliResource(project_dir=project).cli(
            ["parse", "--quiet"], target_path=Path(project.target_path), raise_on_error=True
        ).wait()
    return project


def manifest_is_stale(project_dir: Path, manifest: Path) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    inputs = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in _DBT_INPUTS:
        if (project_dir / folder).is_dir():
            inputs.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return any(p.exists() and p.stat().st_mtime > built for p in inputs)


def dbt_build_args(
    start_month: str | None = None, end_month: str | None = None, full_refresh: bool = False
) -> list[str]:
    """The dbt CLI arguments of a build: the month window as --vars, or a full refresh."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    window = {k: v for k, v in (("start_month", start_month), ("end_month", end_month)) if v}
    if window:
        args += ["--vars", json.dumps(window, sort_keys=True)]
    return args


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
    """``full_refresh``: rebuild seeds and any incremental model from scratch (--full-refresh)."""

    full_refresh: bool = False


@cache
def _relations() -> dict[str, str]:
    """dbt unique_id → ``schema.name`` of every model, seed and snapshot of the manifest."""
    manifest = json.loads(Path(dbt_project().manifest_path).read_text(encoding="utf-8"))
    return {
        uid: f"{node['schema']}.{node.get('alias') or node['name']}"
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "snapshot")
        and node.get("config", {}).get("materialized") != "ephemeral"
    }


def _unique_id(event: Any) -> str | None:
    if isinstance(event, dg.Output | dg.AssetMaterialization) and "unique_id" in event.metadata:
        return str(event.metadata["unique_id"].value)
    return None


def with_row_counts(events: list[Any], build: Path) -> list[Any]:
    """Add ``dagster/row_count`` to each dbt model's materialization (read after dbt exits:
    the DuckDB file has one writer, so it cannot be read while dbt runs)."""
    relations = _relations()
    wanted = {uid: relations[uid] for e in events if (uid := _unique_id(e)) in relations}
    counts = relation_row_counts(build, wanted.values())
    out = []
    for e in events:
        relation = wanted.get(_unique_id(e) or "")
        if relation in counts:
            e = e.with_metadata({**e.metadata, "dagster/row_count": counts[relation]})
        out.append(e)
    return out


@cache
def amis_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=AmisdwDbtTranslator(
            settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
        ),
        pool=WAREHOUSE_POOL,
        name="amisdw_dbt",
        partitions_def=monthly_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def _amisdw_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
        """dbt build (models, seeds, unit and data tests) of the whole history, with the run's
        month window as vars."""
        os.environ.setdefault(settings.WAREHOUSE_ENV, str(settings.published_path()))
        start, end = month_window(context)
        # Artifacts go to the project's target/ (not a per-invocation folder), where
        # `amisdw run` reads run_results.json and `dbt docs` finds the manifest.
        invocation = dbt.cli(
            dbt_build_args(start, end, full_refresh=config.full_refresh),
            context=context,
            target_path=Path(project.target_path),
            raise_on_error=False,
        )
        events = list(invocation.stream())
        try:
            events = with_row_counts(events, settings.build_path(settings.published_path()))
        except duckdb.Error as exc:  # metadata only: never fail the build over it
            context.log.warning(f"row counts not recorded: {exc}")
        yield from events
        error = invocation.get_error()
        if error is not None:
            raise error

    return _amisdw_dbt


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project())
