-- 预算完成率 budget attainment, per org with targets, period and BUDGET indicator, channel ALL:
-- actual / target. A month compares the month's value with its target. For a quarter or
-- year: indicators that are period means (manpower counts: kind mean in kpi_catalogue) use
-- the ratio of means (target mean = the targets of the period's loaded months / their
-- number), and so do rates; stocks use the target of the period's first loaded month
-- (`*_start`) or last loaded month; flows and amounts the ratio of sums over the loaded
-- months. Budgets are not additive: a parent's target is its
-- own row. An indicator that is not a KPI code is not published (a data test warns).

with

targets as (

    select * from {{ ref('stg_amis__budget') }}

),

periods as (

    select * from {{ ref('int_org__periods') }}

),

catalogue as (

    select kpi_code, kind from {{ ref('kpi_catalogue') }}

),

period_targets as (

    select
        t.org_code as org_id,
        p.period_type,
        p.period,
        t.indicator_code,
        c.kind,
        -- the period rules (macro amis_period_value); a stock without a target in its
        -- month has none for the period (null, not 0)
        case
            -- means and rates: the mean of the monthly targets
            when c.kind in ('mean', 'rate')
                then {{ amis_period_value('mean', 't.target_value', 't.target_month', 'p') }}
            -- stocks at period start (headcount_start, ...) and at period end
            when c.kind = 'stock' and t.indicator_code like '%_start'
                then {{ amis_period_value('first', 't.target_value', 't.target_month', 'p', otherwise=none) }}
            when c.kind = 'stock'
                then {{ amis_period_value('last', 't.target_value', 't.target_month', 'p', otherwise=none) }}
            -- flows and amounts: the sum of the monthly targets
            else {{ amis_period_value('sum', 't.target_value', 't.target_month', 'p') }}
        end as target_value
    from targets as t
    inner join periods as p on p.month_start = t.target_month
    inner join catalogue as c on c.kpi_code = t.indicator_code
    group by t.org_code, p.period_type, p.period, t.indicator_code, c.kind

),

actuals as (

    select * from {{ ref('int_metrics__kpi_values') }}
    where channel = 'ALL'

)

select
    a.org_id,
    a.level,
    a.period_type,
    a.period,
    a.channel,
    {{ dbt.concat(["'budget_attainment_'", 't.indicator_code']) }} as kpi_code,
    t.indicator_code,
    a.value as numerator,
    cast(t.target_value as {{ amis_type_double() }}) as denominator,
    {{ amis_ratio('a.value', 't.target_value') }} as value
from period_targets as t
inner join actuals as a
    on a.org_id = t.org_id
    and a.period_type = t.period_type
    and a.period = t.period
    and a.kpi_code = t.indicator_code
