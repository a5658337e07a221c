-- Every agent-based KPI of the seed kpi_catalogue in long form (the body of marts.kpi):
-- one row per org, level, period type, period, channel and KPI code, picked from the
-- components of int_metrics__org_periods. value = numerator / denominator exactly, null
-- when the denominator is 0; plain values carry null numerator and denominator.
-- Incremental by period like int_metrics__org_periods (macros/amis/restatement.sql).

{{ config(**amis_incremental_config(
    "{{ amis_delete_restated(amis_restated_periods('period_type', 'period',"
    ~ " ref('int_metrics__org_periods'))) }}"
)) }}

{% set components = amis_metric_components() | map(attribute=0) | list + ['net_growth', 'formal_net_growth'] %}

with

periods as (

    select * from {{ ref('int_metrics__org_periods') }}
    where {{ amis_restated_months('period_last_month') }}

),

catalogue as (

    select * from {{ ref('kpi_catalogue') }}

),

picked as (

    select
        p.org_id,
        p.level,
        p.period_type,
        p.period,
        p.channel,
        c.kpi_code,
        c.kind,
        {% for role in ['numerator_column', 'denominator_column', 'value_column'] %}
        case c.{{ role }}
            {%- for name in components %}
            when '{{ name }}' then cast(p.{{ name }} as {{ amis_type_double() }})
            {%- endfor %}
        end as {{ role | replace('_column', '') }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from periods as p
    cross join catalogue as c

),

agent_kpis as (

    select
        org_id,
        level,
        period_type,
        period,
        channel,
        kpi_code,
        case when kind = 'rate' then numerator end as numerator,
        case when kind = 'rate' then denominator end as denominator,
        case when kind = 'rate' then {{ amis_ratio('numerator', 'denominator') }} else value end
            as value
    from picked

)

select * from agent_kpis
