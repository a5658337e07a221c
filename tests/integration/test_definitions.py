"""The Dagster code location loads, and shows ingestion → staging → marts → publish as one
asset graph whose monthly partitions follow the deliveries."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from amisdw.extracts.contract import FAMILIES
from amisdw.orchestration.dbt_assets import dbt_build_args, manifest_is_stale
from amisdw.orchestration.definitions import build_definitions
from amisdw.settings import Settings
from tests.delivery_builder import write_delivery


@pytest.fixture(scope="module")
def defs(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    """Definitions over an inbox whose history starts in November 2005."""
    root = tmp_path_factory.mktemp("defs")
    for month in ("200511", "200512"):
        write_delivery(root / "inbox", month)
    settings = Settings.create(
        inbox=str(root / "inbox"), warehouse=str(root / "wh" / "warehouse.duckdb")
    )
    return build_definitions(settings)


def test_definitions_load_and_validate(defs):
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for family in FAMILIES:
        assert f"raw/{family.raw_table}" in keys
        assert f"staging/stg_amis__{family.raw_table}" in keys
        # each staging model reads its own raw family
        parents = graph.get(dg.AssetKey(["staging", f"stg_amis__{family.raw_table}"])).parent_keys
        assert dg.AssetKey(["raw", family.raw_table]) in parents
    assert "published_warehouse" in keys
    assert "marts/data_quality_findings" in keys


def test_the_module_loads_lazily():
    from amisdw.orchestration import definitions

    # importing builds nothing: dagster calls the decorated function when it loads the location
    assert callable(definitions.defs)
    assert not isinstance(definitions.defs, dg.Definitions)


def test_dbt_tests_surface_as_asset_checks(defs):
    checks = {c.asset_key.to_user_string() for c in defs.resolve_asset_graph().asset_check_keys}
    assert "staging/stg_amis__agent" in checks
    assert "staging/stg_amis__receipt" in checks


def test_partitions_start_with_the_first_delivered_month(defs):
    ingest = defs.resolve_assets_def(dg.AssetKey(["raw", "agent"]))
    keys = ingest.partitions_def.get_partition_keys()
    assert keys[:2] == ["200511", "200512"]


def test_dbt_build_args():
    assert dbt_build_args({}) == ["build", "--full-refresh"]
    assert dbt_build_args({}, restate_from="2021-03-01") == [
        "build",
        "--vars",
        '{"restate_from": "2021-03-01"}',
    ]
    assert dbt_build_args({}, unit_tests=False) == [
        "build",
        "--full-refresh",
        "--exclude-resource-type",
        "unit_test",
    ]
    assert dbt_build_args({"replay_max_disagreement_share": 0.01}, "2021-03-01") == [
        "build",
        "--vars",
        '{"replay_max_disagreement_share": 0.01, "restate_from": "2021-03-01"}',
    ]


def test_manifest_staleness(tmp_path: Path):
    import os

    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.sql"
    manifest = tmp_path / "target" / "manifest.json"
    assert manifest_is_stale(tmp_path, manifest)
    model.write_text("select 1")
    manifest.parent.mkdir()
    manifest.write_text("{}")
    os.utime(model, (1, 1))
    assert not manifest_is_stale(tmp_path, manifest)
    os.utime(model, None)
    os.utime(manifest, (1, 1))
    assert manifest_is_stale(tmp_path, manifest)


def test_every_asset_is_monthly_with_single_run_backfills(defs):
    graph = defs.resolve_asset_graph()
    ingest = defs.resolve_assets_def(dg.AssetKey(["raw", "agent"]))
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assert node.partitions_def == ingest.partitions_def, key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
        assert node.pools == {"amisdw_warehouse"}, key


def test_assets_are_grouped_and_described(defs):
    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups == {"ingest", "staging", "model", "marts", "publish"}
    assert graph.get(dg.AssetKey(["intermediate", "int_personnel__agent_months"])).group_name == (
        "model"
    )
    assert all(graph.get(k).description for k in graph.get_all_asset_keys())


def test_refresh_job_schedule_and_sensor(defs):
    job = defs.resolve_job_def("monthly_refresh")
    assert dg.AssetKey("published_warehouse") in job.asset_layer.executable_asset_keys
    assert defs.resolve_schedule_def("monthly_refresh_schedule").job_name == "monthly_refresh"
    assert defs.resolve_sensor_def("inbox_sensor").job_name == "monthly_refresh"
