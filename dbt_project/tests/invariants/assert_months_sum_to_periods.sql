-- Invariant: months sum to quarters and years for flows and amounts (components with the
-- period rule `sum`), and the other rules hold too: stocks are the first / last loaded
-- month's, means the sum of the months over the loaded months. Recomputed here from the
-- months, independently of the macro amis_period_values, for every component (outlet-stage
-- ones included) of int_metrics__org_periods, whose columns the area marts and
-- mart_outlet_stage publish as they are. A refresh tests the periods it recomputed.

{% set components = amis_metric_components() %}

with

months as (

    select * from {{ ref('int_metrics__org_months') }}

),

periods as (

    select * from {{ ref('int_org__periods') }} where period_type in ('Q', 'Y')
        and {{ amis_tested_months('period_last_month') }}

),

recomputed as (

    select
        m.org_id, m.channel, p.period_type, p.period
        {%- for name, rule in components %},
        {%- if rule == 'sum' %}
        sum(m.{{ name }}) as {{ name }}
        {%- elif rule == 'first' %}
        sum(case when m.month_start = p.period_first_month then m.{{ name }} else 0 end) as {{ name }}
        {%- elif rule == 'last' %}
        sum(case when m.month_start = p.period_last_month then m.{{ name }} else 0 end) as {{ name }}
        {%- else %}
        sum(m.{{ name }}) / max(p.loaded_months) as {{ name }}
        {%- endif %}
        {%- endfor %}
    from months as m
    inner join periods as p on p.month_start = m.month_start
    group by m.org_id, m.channel, p.period_type, p.period

),

published as (

    select * from {{ ref('int_metrics__org_periods') }} where period_type in ('Q', 'Y')
        and {{ amis_tested_months('period_last_month') }}

)

select r.org_id, r.channel, r.period_type, r.period
from recomputed as r
left join published as p
    on p.org_id = r.org_id and p.channel = r.channel
    and p.period_type = r.period_type and p.period = r.period
where p.org_id is null
{%- for name, rule in components %}
   or abs(cast(r.{{ name }} as {{ amis_type_double() }}) - cast(p.{{ name }} as {{ amis_type_double() }})) > 1e-6
{%- endfor %}
