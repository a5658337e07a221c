-- Spark only: the session builds in ANSI mode (spark.sql.ansi.enabled), so a bad cast, an
-- overflow or a division by zero fails the build as it does on DuckDB, instead of silently
-- giving NULL (dbt-spark switches ANSI mode off; amisdw-dbt-spark keeps the profile's value).
-- Spark substitutes ${conf} in SQL text with the session's value of that configuration.
-- It reads the seed org_levels only to be a check of an asset in Dagster (a test that refs
-- nothing has no asset to attach to).
{{ config(enabled=target.type == 'spark') }}

select '${spark.sql.ansi.enabled}' as ansi_enabled
from {{ ref('org_levels') }}
where lower('${spark.sql.ansi.enabled}') <> 'true'
