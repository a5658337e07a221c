"""The amisdw Dagster code location: ``dagster dev`` loads ``defs`` from here.

Assets (groups ingest → staging → model → marts → publish, all partitioned by delivery month),
dbt tests as asset checks, the ``monthly_refresh`` job, its schedule and the inbox sensor. The
settings are read once, when the code location loads (:func:`defs`), or handed in by
``amisdw run`` (:func:`build_definitions`); nothing is done at import.
"""

from __future__ import annotations

import dagster as dg

from amisdw.extracts.delivery import InboxError, month_folders
from amisdw.orchestration.dbt_assets import build_dbt_assets, dbt_cli, prepare_dbt_project
from amisdw.orchestration.ingest_assets import build_ingest_assets
from amisdw.orchestration.jobs import monthly_refresh
from amisdw.orchestration.partitions import monthly_partitions
from amisdw.orchestration.publish_asset import build_publish_asset
from amisdw.orchestration.schedules import build_schedule
from amisdw.orchestration.sensors import build_inbox_sensor
from amisdw.progress import NoProgress, RunProgress
from amisdw.settings import Settings
from amisdw.spark import require_spark


def inbox_months(settings: Settings) -> list[str]:
    """The month folders of the inbox (none while it is missing or empty)."""
    try:
        folders, _ = month_folders(settings.inbox_path)
    except InboxError:
        return []
    return [f.name for f in folders if f.name >= settings.first_month]


def build_definitions(settings: Settings, progress: RunProgress | None = None) -> dg.Definitions:
    require_spark(settings)
    settings.prepare_folders()
    partitions = monthly_partitions(
        settings.first_month, inbox_months(settings), settings.schedule_timezone
    )
    project = prepare_dbt_project(settings)
    dbt = build_dbt_assets(project, partitions)
    return dg.Definitions(
        assets=[build_ingest_assets(partitions), dbt, build_publish_asset(dbt, partitions)],
        resources={
            "settings": settings,
            "dbt": dbt_cli(settings, project),
            "progress": progress or NoProgress(),
        },
        jobs=[monthly_refresh],
        schedules=[build_schedule(settings, partitions)],
        sensors=[build_inbox_sensor(settings, partitions)],
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.from_env())
