-- One row per organisation unit of all 7 levels, as it stands in its latest snapshot
-- (marts.dim_org of interfaces.md). Moves and renames over time: dim_org_history.

with

latest as (

    select *
    from (
        select
            units.*,
            row_number() over (partition by org_id order by snapshot_month desc) as recency
        from {{ ref('int_org__units') }} as units
    ) as ranked
    where recency = 1

)

select
    latest.org_id,
    latest.org_code,
    latest.org_name,
    cast(latest.level as {{ dbt.type_int() }}) as level,
    levels.level_name_zh,
    levels.level_name_en,
    latest.parent_org_id,
    latest.channel,
    latest.found_date,
    latest.end_date
from latest
inner join {{ ref('org_levels') }} as levels on levels.level = latest.level
