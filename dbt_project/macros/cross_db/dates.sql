{# The first day of the month of a date or timestamp, as a DATE. #}
{% macro amis_month_start(expr) -%}
    {{ return(adapter.dispatch('amis_month_start', 'amisdw')(expr)) }}
{%- endmacro %}

{% macro default__amis_month_start(expr) -%}
    cast({{ dbt.date_trunc('month', expr) }} as date)
{%- endmacro %}


{# Month number 1-12 of a date. #}
{% macro amis_month_of_year(expr) -%}
    {{ return(adapter.dispatch('amis_month_of_year', 'amisdw')(expr)) }}
{%- endmacro %}

{% macro default__amis_month_of_year(expr) -%}
    extract(month from {{ expr }})
{%- endmacro %}


{# Quarter number 1-4 of a date, as an integer (months 1-3 -> 1, ..., 10-12 -> 4). #}
{% macro amis_quarter_of_year(expr) -%}
    {{ return(adapter.dispatch('amis_quarter_of_year', 'amisdw')(expr)) }}
{%- endmacro %}

{% macro default__amis_quarter_of_year(expr) -%}
    {#- floor() gives the same quarter whether / truncates integers (Postgres) or not (DuckDB, Spark). -#}
    cast(floor(({{ amis_month_of_year(expr) }} - 1) / 3) + 1 as {{ dbt.type_int() }})
{%- endmacro %}


{#
    A `YYYYMM` text as delivered, normalised: trimmed, with '-' and '/' separators removed
    (so 2024-03 and 2024/03 become 202403). Returns text; validity is checked by
    amis_yyyymm_to_month.
#}
{% macro amis_normalise_yyyymm(expr) -%}
    replace(replace({{ amis_clean_text(expr) }}, '-', ''), '/', '')
{%- endmacro %}


{# The first day of the month named by a `YYYYMM` text, as a DATE; null when not a valid month. #}
{% macro amis_yyyymm_to_month(expr) -%}
    {{ return(adapter.dispatch('amis_yyyymm_to_month', 'amisdw')(expr)) }}
{%- endmacro %}

{% macro default__amis_yyyymm_to_month(expr) -%}
    {%- set v = amis_normalise_yyyymm(expr) -%}
    case
        when {{ amis_regex_full_match(v, '[0-9]{4}(0[1-9]|1[0-2])') }}
            then cast({{ dbt.concat([amis_substr_chars(v, 1, 4), "'-'", amis_substr_chars(v, 5, 2), "'-01'"]) }} as date)
    end
{%- endmacro %}


{# A `YYYYQn` quarter as delivered, normalised: trimmed, upper case, '-' removed (2024-q1 -> 2024Q1). #}
{% macro amis_normalise_quarter(expr) -%}
    replace(upper({{ amis_clean_text(expr) }}), '-', '')
{%- endmacro %}


{#
    The first day of the LAST month of a quarter written `YYYYQn` (2024Q1 -> 2024-03-01), as a
    DATE; null when not a valid quarter. Accepts lower case and a '-' separator (2024-q1).
#}
{% macro amis_quarter_end_month(expr) -%}
    {{ return(adapter.dispatch('amis_quarter_end_month', 'amisdw')(expr)) }}
{%- endmacro %}

{% macro default__amis_quarter_end_month(expr) -%}
    {%- set v = amis_normalise_quarter(expr) -%}
    case
        when {{ amis_regex_full_match(v, '[0-9]{4}Q[1-4]') }}
            then cast({{ dbt.concat([
                amis_substr_chars(v, 1, 4), "'-'",
                "lpad(cast(cast(" ~ amis_substr_chars(v, 6, 1) ~ " as integer) * 3 as " ~ dbt.type_string() ~ "), 2, '0')",
                "'-01'"]) }} as date)
    end
{%- endmacro %}
