-- Manpower and production KPIs by outlet stage (二元网点生命周期), per org of levels 1-5,
-- period (M, Q, Y) and stage, channel ALL. A sales region with OutletType 1 is `new`
-- (新设网点) in months 1-12 after its FoundDate month (the opening month is month 1) and
-- `existing` (已有网点) from month 13; a region with OutletType 0 is `urban` (城区职场). An
-- agent-month takes the stage of its home team's region in that month.
--
-- Nothing is computed here: the measures are the outlet-stage components of
-- int_metrics__org_periods (<measure>_outlet_<stage>, kept in int_metrics__org_months like
-- every other component), one row per stage; the rates are the catalogue KPIs
-- <rate>_outlet_<stage> of int_metrics__kpi_values (published in marts.kpi), read back.

{% set measures = [
    'headcount_end', 'headcount_avg', 'hires', 'leavers', 'producing_manpower',
    'effective_manpower', 'new_policies', 'new_premium', 'first_year_standard_premium', 'fyc'] %}
{% set rates = ['activity_rate', 'policies_per_producer', 'premium_per_policy', 'standard_premium_per_capita'] %}
{% set stages = amis_outlet_stages() %}

with

periods as (

    select * from {{ ref('int_metrics__org_periods') }}
    where level <= 5 and channel = 'ALL'

),

kpis as (

    -- the outlet-stage rates of marts.kpi, one column per KPI code
    select
        org_id,
        period_type,
        period
        {%- for stage in stages %}{% for rate in rates %},
        max(case when kpi_code = '{{ amis_outlet_stage_component(rate, stage) }}' then value end)
            as {{ amis_outlet_stage_component(rate, stage) }}
        {%- endfor %}{% endfor %}
    from {{ ref('int_metrics__kpi_values') }}
    where level <= 5
      and channel = 'ALL'
      and kpi_code in (
        {%- for stage in stages %}{% for rate in rates %}'{{ amis_outlet_stage_component(rate, stage) }}'{% if not (loop.last and stage == stages[-1]) %}, {% endif %}{% endfor %}{% endfor -%}
      )
    group by org_id, period_type, period

)

{% for stage in stages %}
select
    p.org_id,
    p.level,
    p.period_type,
    p.period,
    '{{ stage }}' as outlet_stage,
    {%- for name in measures %}
    p.{{ amis_outlet_stage_component(name, stage) }} as {{ name }},
    {%- endfor %}
    p.channel,
    {%- for rate in rates %}
    k.{{ amis_outlet_stage_component(rate, stage) }} as {{ rate }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from periods as p
left join kpis as k
    on k.org_id = p.org_id and k.period_type = p.period_type and k.period = p.period
-- the (org, period, stage) combinations with agent-months: attributed at the home team, or
-- in service at the start (the start half of the average headcount)
where p.{{ amis_outlet_stage_component('agent_months', stage) }} > 0
   or p.{{ amis_outlet_stage_component('headcount_avg', stage) }} > 0
{% if not loop.last %}union all{% endif %}
{% endfor %}
