"""The dbt project as Dagster assets: staging → intermediate → marts, dbt tests as asset checks."""

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from amisdw import settings
from amisdw.assets.ingest import WAREHOUSE_POOL

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
    """dbt sources map onto the ingestion assets; models group by their top folder."""

    def get_asset_key(self, dbt_resource_props: dict[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: dict[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "model"
        if len(fqn) > 2 and fqn[1] in ("staging", "intermediate"):
            return fqn[1]
        if len(fqn) > 2 and fqn[1] == "marts":
            return "marts"
        return "model"


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False


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
    )
    def _amisdw_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
        os.environ.setdefault(settings.WAREHOUSE_ENV, str(settings.published_path()))
        # Artifacts go to the project's target/ (not a per-invocation folder), where
        # `amisdw run` reads run_results.json and `dbt docs` finds the manifest.
        yield from dbt.cli(
            dbt_build_args(full_refresh=config.full_refresh),
            context=context,
            target_path=Path(project.target_path),
        ).stream()

    return _amisdw_dbt


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project())
