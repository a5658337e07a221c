-- depends_on: {{ ref('int_org__periods') }} (the periods a refresh tests)
-- marts.kpi holds exactly one row for every KPI of the catalogue, for every (org, period
-- type, period, channel) it publishes; every kpi_code it holds is in the catalogue (or budget
-- attainment), and a budget attainment code appears at most once per (org, period type,
-- period, channel). One grouped pass over the table gives completeness and uniqueness of the
-- key (org_id, period_type, period, channel, kpi_code): per group, the catalogue's KPI count
-- must equal both the number of rows and the number of distinct codes. A refresh tests the
-- periods it recomputed (macro amis_tested_periods).

with

expected as (

    select count(*) as kpi_count from {{ ref('kpi_catalogue') }}

),

per_row as (

    select org_id, period_type, period, channel,
        count(case when kpi_code not like 'budget_attainment_%' then 1 end) as kpi_rows,
        count(distinct case when kpi_code not like 'budget_attainment_%' then kpi_code end)
            as kpi_count,
        count(case when kpi_code like 'budget_attainment_%' then 1 end) as budget_rows,
        count(distinct case when kpi_code like 'budget_attainment_%' then kpi_code end)
            as budget_codes
    from {{ ref('kpi') }}
    where {{ amis_tested_periods('period_type', 'period') }}
    group by org_id, period_type, period, channel

)

select per_row.org_id, per_row.period_type, per_row.period, per_row.channel,
    per_row.kpi_rows, per_row.kpi_count, expected.kpi_count as expected_kpi_count
from per_row
cross join expected
where per_row.kpi_count <> expected.kpi_count
    or per_row.kpi_rows <> expected.kpi_count
    or per_row.budget_rows <> per_row.budget_codes

union all

select k.org_id, k.period_type, k.period, k.channel, 0, 0, 0
from {{ ref('kpi') }} as k
left join {{ ref('kpi_catalogue') }} as c on c.kpi_code = k.kpi_code
where c.kpi_code is null and k.kpi_code not like 'budget_attainment_%'
    and {{ amis_tested_periods('k.period_type', 'k.period') }}
