-- Every organisation unit of every level (COM levels 1-4, BRANCH levels 5-7) in every
-- month's snapshot, with its parent and channel as of that month.

with

com as (

    select
        snapshot_month,
        com_code as org_id,
        com_code as org_code,
        com_name as org_name,
        cast(com_grade_code as {{ dbt.type_int() }}) as level,
        parent_com_code as parent_org_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as {{ dbt.type_string() }}) as outlet_type_code,
        cast(null as {{ dbt.type_string() }}) as region_id,
        found_date,
        end_date
    from {{ ref('stg_amis__com') }}

),

branch as (

    select * from {{ ref('stg_amis__branch') }}

),

-- the region of every unit: itself, its parent, or its grandparent
branch_with_region as (

    select
        b.*,
        case
            when b.branch_level_code = '03' then b.branch_id
            when b.branch_level_code = '02' then b.parent_branch_id
            else parent.parent_branch_id
        end as region_id
    from branch as b
    left join branch as parent
        on parent.branch_id = b.parent_branch_id
        and parent.snapshot_month = b.snapshot_month

),

branch_units as (

    select
        b.snapshot_month,
        b.branch_id as org_id,
        b.branch_code as org_code,
        b.branch_name as org_name,
        case b.branch_level_code when '03' then 5 when '02' then 6 else 7 end as level,
        case
            when b.branch_level_code = '03' then b.county_com_code
            else b.parent_branch_id
        end as parent_org_id,
        -- a unit's channel is its region's BranchType (the whole subtree shares it)
        coalesce(region.channel_code, b.channel_code) as channel,
        region.outlet_type_code,
        b.region_id,
        b.found_date,
        b.end_date
    from branch_with_region as b
    left join branch as region
        on region.branch_id = b.region_id
        and region.snapshot_month = b.snapshot_month

)

select
    units.*,
    months.month_end,
    -- open on some day of the month: founded by its last day, not closed before its first
    -- (a unit is out of business from its EndDate on)
    (units.found_date is null or units.found_date <= months.month_end)
        and (units.end_date is null or units.end_date > units.snapshot_month) as is_open_in_month
from (
    select * from com
    union all
    select * from branch_units
) as units
inner join {{ ref('int_org__months') }} as months
    on months.month_start = units.snapshot_month
