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
