-- marts.kpi holds every KPI of the catalogue for every (org, period type, period, channel)
-- row it publishes, and every kpi_code it holds is in the catalogue (or budget attainment).

with

expected as (

    select count(*) as kpi_count from {{ ref('kpi_catalogue') }}

),

per_row as (

    select org_id, period_type, period, channel,
        count(distinct case when kpi_code not like 'budget_attainment_%' then kpi_code end)
            as kpi_count
    from {{ ref('kpi') }}
    group by org_id, period_type, period, channel

)

select per_row.*, expected.kpi_count as expected_kpi_count
from per_row
cross join expected
where per_row.kpi_count <> expected.kpi_count

union all

select k.org_id, k.period_type, k.period, k.channel, 0, 0
from {{ ref('kpi') }} as k
left join {{ ref('kpi_catalogue') }} as c on c.kpi_code = k.kpi_code
where c.kpi_code is null and k.kpi_code not like 'budget_attainment_%'
