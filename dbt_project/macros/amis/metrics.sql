{#
    The additive monthly components every KPI is computed from, per org, month and channel
    (int_metrics__org_months). Each component is a count or an amount that sums over the
    agents (or policies, events, cohort members) attributed to an org, so a parent's value
    is the sum of its children's. How a component becomes a quarter or year value is its
    period rule:
      sum   flows and amounts: the sum of the months
      first stocks at period start: the value of the period's first loaded month
      last  stocks at period end: the value of the period's last loaded month
      mean  distinct-agent counts and average headcounts (季均/年均): the sum of the monthly
            values over the number of loaded months (an org without a value counts 0)
    (macros amis_period_value / amis_period_values apply them). With with_outlet_stages
    (the default) the list ends with the outlet-stage components (amis_outlet_stage_measures);
    the area marts carry only the others (with_outlet_stages=false).
#}
{% macro amis_metric_components(with_outlet_stages=true) -%}
    {%- set components = [
        ('headcount_start', 'first'),
        ('headcount_end', 'last'),
        ('headcount_avg', 'mean'),
        ('hires', 'sum'),
        ('leavers', 'sum'),
        ('transfers_in', 'sum'),
        ('transfers_out', 'sum'),
        ('formal_headcount_start', 'first'),
        ('formal_headcount_end', 'last'),
        ('producing_manpower', 'mean'),
        ('long_term_producing_manpower', 'mean'),
        ('effective_manpower', 'mean'),
        ('ten_thousand_manpower', 'mean'),
        ('licensed_manpower', 'mean'),
        ('supervisors', 'mean'),
        ('producing_supervisors', 'mean'),
        ('activity_agents', 'mean'),
        ('visit_quota_agents', 'mean'),
        ('duty_days', 'sum'),
        ('attendance_days', 'sum'),
        ('visits', 'sum'),
        ('new_policies', 'sum'),
        ('new_premium', 'sum'),
        ('first_year_premium', 'sum'),
        ('first_year_standard_premium', 'sum'),
        ('fyc', 'sum'),
        ('promotions', 'sum'),
        ('promotions_to_supervisor', 'sum'),
        ('demotions', 'sum'),
        ('agents_a02_a03_start', 'first'),
        ('teams_open_start', 'first'),
        ('supervisors_assessed', 'sum'),
        ('supervisors_passed', 'sum'),
        ('conversion_cohort_size', 'sum'),
        ('converted_3m', 'sum'),
        ('retention_7m_cohort_size', 'sum'),
        ('retained_7m', 'sum'),
        ('retention_13m_cohort_size', 'sum'),
        ('retained_13m', 'sum'),
        ('persistency_numerator', 'sum'),
        ('persistency_denominator', 'sum'),
        ('cooling_off_cancelled_premium', 'sum'),
        ('cohort_first_year_premium', 'sum'),
    ] -%}
    {%- if with_outlet_stages -%}
        {%- set rules = {'agent_months': 'sum'} -%}
        {%- for name, rule in components -%}
            {%- do rules.update({name: rule}) -%}
        {%- endfor -%}
        {%- for stage in amis_outlet_stages() -%}
            {%- for measure in amis_outlet_stage_measures() -%}
                {%- do components.append((amis_outlet_stage_component(measure, stage), rules[measure])) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(components) }}
{%- endmacro %}


{#
    Outlet stages (二元网点生命周期, kpi-dictionary.md "Outlet lifecycle"; int_org__outlet_stages):
    a sales region with OutletType 1 is `new` (新设网点) in months 1-12 after its FoundDate
    month and `existing` (已有网点) from month 13; any other region is `urban` (城区职场). An
    agent-month takes the stage of its home team's region that month (start-of-month stocks:
    of the start team's region at the end of the previous month).
#}
{% macro amis_outlet_stages() -%}
    {{ return(['new', 'existing', 'urban']) }}
{%- endmacro %}


{#
    The components that are also kept per outlet stage, as component `<measure>_outlet_<stage>`
    (amis_outlet_stage_component) with the period rule of the measure itself: the measures of
    mart_outlet_stage and of the outlet-stage KPIs of the catalogue, and agent_months (the
    agent-months whose home team's region is in the stage: which stage rows exist).
#}
{% macro amis_outlet_stage_measures() -%}
    {{ return([
        'headcount_end', 'headcount_avg', 'hires', 'leavers', 'producing_manpower',
        'effective_manpower', 'new_policies', 'new_premium', 'first_year_standard_premium',
        'fyc', 'agent_months',
    ]) }}
{%- endmacro %}


{# The name of a measure's component for one outlet stage: headcount_avg, new -> headcount_avg_outlet_new. #}
{% macro amis_outlet_stage_component(measure, stage) -%}
    {{ return(measure ~ '_outlet_' ~ stage) }}
{%- endmacro %}


{#
    The outlet-stage contributions of one contribution block (for amis_contribution): for
    every stage and every outlet-stage measure given in `values` (measure -> expression), the
    component <measure>_outlet_<stage> = the measure's expression where `stage_expr` is that
    stage, else 0. Returns a dict.
#}
{% macro amis_outlet_stage_values(stage_expr, values) -%}
    {%- set staged = {} -%}
    {%- for stage in amis_outlet_stages() -%}
        {%- for measure in amis_outlet_stage_measures() if measure in values -%}
            {%- do staged.update({amis_outlet_stage_component(measure, stage):
                "case when " ~ stage_expr ~ " = '" ~ stage ~ "' then " ~ values[measure] ~ " else 0 end"}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(staged) }}
{%- endmacro %}


{# The select list of one contribution: every component, `values[name]` where given, else 0. #}
{% macro amis_contribution(values) -%}
    {%- for name, rule in amis_metric_components() %}
        {{ values.get(name, '0') }} as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}


{# 1 when a boolean expression is true, else 0 (nulls count 0). #}
{% macro amis_flag(expr) -%}
    case when {{ expr }} then 1 else 0 end
{%- endmacro %}


{# num / den as a double; null when the denominator is 0 or null (rates are never 0 by default). #}
{% macro amis_ratio(numerator, denominator) -%}
    case
        when {{ denominator }} is null or {{ denominator }} = 0 then null
        else cast({{ numerator }} as {{ amis_type_double() }}) / {{ denominator }}
    end
{%- endmacro %}


{#
    The KPI catalogue rows (seed kpi_catalogue) of one mart, read when the model runs: the
    seed is the one list of KPIs, so a mart's KPI columns come from it. Returns a list of
    dicts (kpi_code, kind, numerator_column, denominator_column, value_column); empty while
    dbt only parses.
#}
{% macro amis_catalogue_rows(mart) -%}
    {%- set rows = [] -%}
    {%- if execute -%}
        {%- set result = run_query(
            "select kpi_code, kind, numerator_column, denominator_column, value_column from "
            ~ ref('kpi_catalogue') ~ " where mart = '" ~ mart ~ "' order by kpi_code") -%}
        {%- for r in result.rows -%}
            {%- do rows.append({'kpi_code': r[0], 'kind': r[1], 'numerator_column': r[2],
                                'denominator_column': r[3], 'value_column': r[4]}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(rows) }}
{%- endmacro %}


{#
    KPIs in long form (the body of marts.kpi): one row per row of `periods` (a relation with
    org_id, level, period_type, period, channel and the period values of `components`) and
    per KPI of `catalogue` (a relation with the seed kpi_catalogue's columns kpi_code, kind,
    numerator_column, denominator_column, value_column), its numerator, denominator and value
    picked from the component columns the catalogue names. value = numerator / denominator
    for a rate (null when the denominator is 0), else the component itself; plain values carry
    null numerator and denominator. `components` lists the component columns of `periods`.
#}
{% macro amis_kpi_long(periods, catalogue, components) -%}
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
from (
    select
        p.org_id,
        p.level,
        p.period_type,
        p.period,
        p.channel,
        c.kpi_code,
        c.kind,
        {%- for role in ['numerator_column', 'denominator_column', 'value_column'] %}
        case c.{{ role }}
            {%- for name in components %}
            when '{{ name }}' then cast(p.{{ name }} as {{ amis_type_double() }})
            {%- endfor %}
        end as {{ role | replace('_column', '') }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ periods }} as p
    cross join {{ catalogue }} as c
) as picked
{%- endmacro %}


{#
    The columns of an org-period row of `relation` (int_metrics__org_periods, mart_org_period),
    as mart_org_period and the area marts list them: the org and its name (`org_name`, an
    expression), level, period and channel, the loaded months, every KPI component (with
    with_outlet_stages the outlet-stage ones too), net_growth and formal_net_growth; no
    trailing comma.
#}
{% macro amis_org_period_columns(relation, org_name, with_outlet_stages) -%}
    {%- for name in ['org_id', 'org_name', 'level', 'period_type', 'period', 'channel',
                     'period_first_month', 'period_last_month', 'loaded_months'] %}
    {{ org_name if name == 'org_name' else relation ~ '.' ~ name }}{% if name == 'org_name' %} as org_name{% endif %},
    {%- endfor %}
    {%- for name, rule in amis_metric_components(with_outlet_stages=with_outlet_stages) %}
    {{ relation }}.{{ name }},
    {%- endfor %}
    {{ relation }}.net_growth,
    {{ relation }}.formal_net_growth
{%- endmacro %}


{#
    The select statement of an area mart, a view over mart_org_period (a table on Spark, macro
    amis_view_config): the period columns, every KPI component, and one column per rate KPI of
    the mart named by its code (numerator / denominator, null on 0). With with_outlet_stages
    the outlet-stage components too (mart_manpower); with with_persistency_flag the flag
    persistency_is_provisional (mart_premium).
#}
{% macro amis_area_mart(mart, with_persistency_flag=false, with_outlet_stages=false) -%}
    {%- set kpis = amis_catalogue_rows(mart) %}
select
    {{ amis_org_period_columns('p', 'p.org_name', with_outlet_stages) }}
    {%- for k in kpis if k['kind'] == 'rate' %},
    {{ amis_ratio('p.' ~ k['numerator_column'], 'p.' ~ k['denominator_column']) }} as {{ k['kpi_code'] }}
    {%- endfor %}
    {%- if with_persistency_flag %},
    p.persistency_is_provisional
    {%- endif %}
from {{ amis_in_file(ref('mart_org_period')) }} as p
{%- endmacro %}
