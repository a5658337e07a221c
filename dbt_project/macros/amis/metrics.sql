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
#}
{% macro amis_metric_components() -%}
    {{ return([
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
    ]) }}
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
