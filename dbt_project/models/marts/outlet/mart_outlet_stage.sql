-- Manpower and production KPIs by outlet stage (二元网点生命周期), per org of levels 1-5,
-- period (M, Q, Y) and stage, channel ALL. A sales region with OutletType 1 is `new`
-- (新设网点) in months 1-12 after its FoundDate month (the opening month is month 1) and
-- `existing` (已有网点) from month 13; a region with OutletType 0 is `urban` (城区职场). An
-- agent-month takes the stage of its home team's region in that month.

{% set levels = range(1, 6) %}
{% set measures = [
    ('headcount_end', 'last'), ('headcount_avg', 'mean'), ('hires', 'sum'), ('leavers', 'sum'),
    ('producing_manpower', 'mean'), ('effective_manpower', 'mean'), ('new_policies', 'sum'),
    ('new_premium', 'sum'), ('first_year_standard_premium', 'sum'), ('fyc', 'sum')] %}

with

regions as (

    select
        snapshot_month as month_start,
        org_id as region_id,
        case
            when outlet_type_code = '1'
                and {{ dbt.datediff(amis_month_start('found_date'), 'snapshot_month', 'month') }} + 1 <= 12
                then 'new'
            when outlet_type_code = '1' then 'existing'
            else 'urban'
        end as outlet_stage
    from {{ ref('int_org__units') }}
    where level = 5

),

agent_months as (

    select * from {{ ref('int_metrics__agent_months') }}

),

contributions as (

    -- the month's measures at the home team's region and its stage that month
    select
        a.month_start,
        coalesce(r.outlet_stage, 'urban') as outlet_stage,
        {% for l in levels %}a.org_l{{ l }},{% endfor %}
        {{ amis_flag('a.in_service_end') }} as headcount_end,
        0.5 * {{ amis_flag('a.in_service_end') }} as headcount_avg,
        a.hires,
        a.leavers,
        {{ amis_flag('a.is_producing') }} as producing_manpower,
        {{ amis_flag('a.is_effective') }} as effective_manpower,
        a.net_policies as new_policies,
        a.net_premium as new_premium,
        a.first_year_standard_premium,
        a.fyc
    from agent_months as a
    left join regions as r
        on r.region_id = a.org_l5 and r.month_start = a.home_position_month

    union all

    -- the start half of the average headcount, at the start team's region (positions and
    -- stage at the end of the previous month), as in int_metrics__org_months
    select
        a.month_start,
        coalesce(r.outlet_stage, 'urban'),
        {% for l in levels %}a.start_org_l{{ l }},{% endfor %}
        0, 0.5, 0, 0, 0, 0, 0, 0, 0, 0
    from agent_months as a
    inner join {{ ref('int_org__months') }} as m on m.month_start = a.month_start
    left join regions as r
        on r.region_id = a.start_org_l5 and r.month_start = m.start_position_month
    where a.in_service_start

),

org_months as (

    {% for l in levels %}
    select
        org_l{{ l }} as org_id,
        {{ l }} as level,
        month_start,
        outlet_stage,
        {%- for name, rule in measures %}
        sum({{ name }}) as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from contributions
    where org_l{{ l }} is not null
    group by org_l{{ l }}, month_start, outlet_stage
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

periods as (

    select
        o.org_id,
        o.level,
        p.period_type,
        p.period,
        o.outlet_stage,
        {%- for name, rule in measures %}
        {%- if rule == 'sum' %}
        sum(o.{{ name }}) as {{ name }}
        {%- elif rule == 'last' %}
        sum(case when o.month_start = p.period_last_month then o.{{ name }} else 0 end) as {{ name }}
        {%- else %}
        cast(sum(o.{{ name }}) as {{ amis_type_double() }}) / min(p.loaded_months) as {{ name }}
        {%- endif %}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from org_months as o
    inner join {{ ref('int_org__periods') }} as p on p.month_start = o.month_start
    group by o.org_id, o.level, p.period_type, p.period, o.outlet_stage

)

select
    *,
    'ALL' as channel,
    {{ amis_ratio('producing_manpower', 'headcount_avg') }} as activity_rate,
    {{ amis_ratio('new_policies', 'producing_manpower') }} as policies_per_producer,
    {{ amis_ratio('new_premium', 'new_policies') }} as premium_per_policy,
    {{ amis_ratio('first_year_standard_premium', 'headcount_avg') }} as standard_premium_per_capita
from periods
