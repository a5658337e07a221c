-- For every team (level 7) and month: its ancestor at each level 1-7 and its channel, from
-- that month's snapshots. The one place the hierarchy is walked; facts store these ids so
-- that every level aggregates from the same team rows (parent = sum of children).

with

units as (

    select * from {{ ref('int_org__units') }}

)

select
    team.snapshot_month as position_month,
    team.org_id as team_id,
    team.channel,
    head_office.org_id as org_l1,
    province.org_id as org_l2,
    city.org_id as org_l3,
    county.org_id as org_l4,
    region.org_id as org_l5,
    department.org_id as org_l6,
    team.org_id as org_l7
from units as team
left join units as department
    on department.org_id = team.parent_org_id and department.snapshot_month = team.snapshot_month
left join units as region
    on region.org_id = department.parent_org_id and region.snapshot_month = team.snapshot_month
left join units as county
    on county.org_id = region.parent_org_id and county.snapshot_month = team.snapshot_month
left join units as city
    on city.org_id = county.parent_org_id and city.snapshot_month = team.snapshot_month
left join units as province
    on province.org_id = city.parent_org_id and province.snapshot_month = team.snapshot_month
left join units as head_office
    on head_office.org_id = province.parent_org_id and head_office.snapshot_month = team.snapshot_month
where team.level = 7
