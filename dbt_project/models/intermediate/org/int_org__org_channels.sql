-- Which (org, channel) rows exist in each month: every org open on some day of the month
-- has channel ALL; a sales unit (levels 5-7) also has its own channel; a company (levels
-- 1-4) has channel 1 or 4 where open sales units of that channel sit under it.

with

units as (

    select * from {{ ref('int_org__units') }}
    where is_open_in_month

),

regions as (

    select snapshot_month, org_id, parent_org_id as county_id, channel
    from units
    where level = 5 and channel is not null

),

chains as (

    -- each open region's chain of companies in the month's COM snapshot
    select
        r.snapshot_month,
        r.channel,
        county.org_id as county_id,
        city.org_id as city_id,
        province.org_id as province_id,
        head_office.org_id as head_office_id
    from regions as r
    inner join units as county
        on county.org_id = r.county_id and county.snapshot_month = r.snapshot_month
    left join units as city
        on city.org_id = county.parent_org_id and city.snapshot_month = r.snapshot_month
    left join units as province
        on province.org_id = city.parent_org_id and province.snapshot_month = r.snapshot_month
    left join units as head_office
        on head_office.org_id = province.parent_org_id and head_office.snapshot_month = r.snapshot_month

),

chain_members as (

    -- one row per (month, channel, company) on some chain: equality joins only (an `in` over
    -- the four chain columns made a nested-loop join, 11 minutes at national scale)
    select distinct snapshot_month, channel, org_id
    from (
        select snapshot_month, channel, county_id as org_id from chains
        union all
        select snapshot_month, channel, city_id from chains
        union all
        select snapshot_month, channel, province_id from chains
        union all
        select snapshot_month, channel, head_office_id from chains
    ) as members
    where org_id is not null

),

company_channels as (

    select distinct m.snapshot_month, ancestor.org_id, ancestor.level, m.channel
    from chain_members as m
    inner join units as ancestor
        on ancestor.org_id = m.org_id and ancestor.snapshot_month = m.snapshot_month

)

select snapshot_month as month_start, org_id, level, 'ALL' as channel
from units

union all

select snapshot_month, org_id, level, channel
from units
where level >= 5 and channel is not null

union all

select snapshot_month, org_id, level, channel
from company_channels
