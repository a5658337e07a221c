{#
    Access to the project parameters (dbt vars, see dbt_project.yml) that need SQL around
    them. Plain thresholds are read with var() directly where they are used.
#}

{# The daily customer-visit quota of the month of a date: var visit_quota_per_day_sep_to_mar
   in September-March, var visit_quota_per_day_apr_to_aug in April-August. #}
{% macro amis_visit_quota_per_day(month_expr) -%}
    case
        when {{ amis_month_of_year(month_expr) }} between 4 and 8
            then {{ var('visit_quota_per_day_apr_to_aug') }}
        else {{ var('visit_quota_per_day_sep_to_mar') }}
    end
{%- endmacro %}


{#
    A predicate restricting `month_expr` (a DATE, first day of month) to the Dagster partition
    window given by vars start_month / end_month (`YYYYMM`, inclusive, either may be null).
    With neither set it is `1 = 1`: the whole history.
#}
{% macro amis_in_month_window(month_expr) -%}
    {%- set start_month = var('start_month', none) -%}
    {%- set end_month = var('end_month', none) -%}
    {%- set conditions = [] -%}
    {%- if start_month -%}
        {%- do conditions.append(month_expr ~ ' >= ' ~ amis_yyyymm_literal(start_month)) -%}
    {%- endif -%}
    {%- if end_month -%}
        {%- do conditions.append(month_expr ~ ' <= ' ~ amis_yyyymm_literal(end_month)) -%}
    {%- endif -%}
    {{- conditions | join(' and ') if conditions else '1 = 1' -}}
{%- endmacro %}


{# A `YYYYMM` value known at compile time as a DATE literal of its first day; fails the
   compilation with a clear message when it is not a month. #}
{% macro amis_yyyymm_literal(yyyymm) -%}
    {%- set text = yyyymm | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}(0[1-9]|1[0-2])', text) -%}
        {{ exceptions.raise_compiler_error("expected a month as YYYYMM, got '" ~ text ~ "'") }}
    {%- endif -%}
    cast('{{ text[:4] }}-{{ text[4:] }}-01' as date)
{%- endmacro %}
