-- Outlet lifecycle stage (二元网点生命周期, kpi-dictionary.md "Outlet lifecycle") of every
-- sales region (level 5) in every month's snapshot: a region with OutletType 1 is `new`
-- (新设网点) in months 1-12 after its FoundDate month (the opening month is month 1) and
-- `existing` (已有网点) from month 13 (and without a FoundDate); a region with OutletType 0
-- (or none) is `urban` (城区职场). int_metrics__org_months keeps the outlet-stage KPI
-- components by the stage of the agent-month's region.

with

regions as (

    select * from {{ ref('int_org__units') }}
    where level = 5

),

aged as (

    select
        snapshot_month as month_start,
        org_id as region_id,
        outlet_type_code,
        found_date,
        {{ amis_months_between(amis_month_start('found_date'), 'snapshot_month') }} + 1
            as outlet_month_number
    from regions

)

select
    month_start,
    region_id,
    outlet_type_code,
    found_date,
    outlet_month_number,
    case
        when outlet_type_code = '1' and outlet_month_number <= 12 then 'new'
        when outlet_type_code = '1' then 'existing'
        else 'urban'
    end as outlet_stage
from aged
