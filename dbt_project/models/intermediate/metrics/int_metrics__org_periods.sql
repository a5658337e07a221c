-- The KPI components per org, level, period (M, Q, Y) and channel, from the monthly ones by
-- each component's period rule (macro amis_metric_components; applied by macro
-- amis_period_values): sums of the months, the stock at the period's first or last loaded
-- month, or the mean over its loaded months.
-- Two derived components follow: net_growth and formal_net_growth (end - start stocks).
-- Incremental by period (macros/amis/restatement.sql): a refresh recomputes every period
-- whose last loaded month is restate_from or later, from all of its months.

{{ config(**amis_incremental_config("{{ amis_delete_restated(amis_restated_periods('period_type', 'period')) }}")) }}

with

org_months as (

    select * from {{ ref('int_metrics__org_months') }}

),

periods as (

    select * from {{ ref('int_org__periods') }}

),

aggregated as (

select
    o.org_id,
    o.level,
    p.period_type,
    p.period,
    o.channel,
    min(p.period_first_month) as period_first_month,
    min(p.period_last_month) as period_last_month,
    min(p.loaded_months) as loaded_months,
    {{- amis_period_values(amis_metric_components(), relation='o', periods='p') }}
from org_months as o
inner join periods as p on p.month_start = o.month_start
where {{ amis_restated_periods('p.period_type', 'p.period') }}
group by o.org_id, o.level, p.period_type, p.period, o.channel

),

final as (

    select
        *,
        headcount_end - headcount_start as net_growth,
        formal_headcount_end - formal_headcount_start as formal_net_growth
    from aggregated

)

select * from final
