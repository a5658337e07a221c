{#
    The period rules (kpi-dictionary.md, convention 4 and resolution rule "Periods
    published"): how the monthly values of a measure become the value of a month, quarter
    or year (int_org__periods: one row per month and period it belongs to, with the period's
    first and last loaded month and its number of loaded months). Written once here;
    documented in macros/_amis_macros.yml.

      sum    flows and amounts: the sum of the loaded months
      first  stocks at period start: the value at the period's first loaded month
      last   stocks at period end: the value at the period's last loaded month
      mean   distinct-agent counts and average headcounts (季均/年均): the sum of the monthly
             values over the number of loaded months (a month without a value counts 0)
#}


{#
    The aggregate of one measure over the months of a period by `rule`, for a query that
    joins its monthly rows to int_org__periods (alias `periods`) and groups by the period.
    `month_column` is the monthly rows' month; `otherwise` is what a month other than the
    first / last adds for the `first` and `last` rules ('0'; none leaves the CASE without
    ELSE, so a period without a row in that month is null).
#}
{% macro amis_period_value(rule, expr, month_column, periods='p', otherwise='0') -%}
    {%- if rule == 'sum' -%}
        sum({{ expr }})
    {%- elif rule in ('first', 'last') -%}
        sum(case when {{ month_column }} = {{ periods }}.period_{{ rule }}_month then {{ expr }}{% if otherwise is not none %} else {{ otherwise }}{% endif %} end)
    {%- elif rule == 'mean' -%}
        cast(sum({{ expr }}) as {{ amis_type_double() }}) / min({{ periods }}.loaded_months)
    {%- else -%}
        {{ exceptions.raise_compiler_error("amis_period_value: unknown period rule '" ~ rule ~ "' (sum, first, last, mean)") }}
    {%- endif -%}
{%- endmacro %}


{#
    The select list of a period roll-up: one column per (name, rule) of `components`, the
    column `relation`.name of the monthly rows aggregated by its rule (amis_period_value),
    named name. Comma-separated, no trailing comma.
#}
{% macro amis_period_values(components, relation='o', periods='p', month_column='month_start') -%}
    {%- for name, rule in components %}
    {{ amis_period_value(rule, relation ~ '.' ~ name, relation ~ '.' ~ month_column, periods) }} as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
