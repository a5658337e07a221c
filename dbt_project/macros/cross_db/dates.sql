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


{#
    Date arithmetic on DATEs, giving DATEs. dbt's cross-database dateadd/last_day/datediff
    keep a time of day, and on Spark (dbt-spark) they expand each argument three times
    through to_unix_timestamp/assert_true: nested once or twice (the month end of month c+k),
    a model's SQL grows to megabytes and Spark spends most of a build planning it. Every
    argument here is a date; the Spark forms are Spark's own date functions.
#}

{# The date n months after a date (n may be negative or an expression), as a DATE; the day
   of month is kept, or the month's last day when the month is shorter (31 Jan + 1 month =
   28 or 29 Feb) on both engines. #}
{% macro amis_add_months(expr, n) -%}
    {{ return(adapter.dispatch('amis_add_months', 'amisdw')(expr, n)) }}
{%- endmacro %}

{% macro default__amis_add_months(expr, n) -%}
    cast({{ dbt.dateadd('month', n, expr) }} as date)
{%- endmacro %}

{% macro spark__amis_add_months(expr, n) -%}
    add_months({{ expr }}, cast({{ n }} as int))
{%- endmacro %}


{# The date n days after a date (n may be negative or an expression), as a DATE. #}
{% macro amis_add_days(expr, n) -%}
    {{ return(adapter.dispatch('amis_add_days', 'amisdw')(expr, n)) }}
{%- endmacro %}

{% macro default__amis_add_days(expr, n) -%}
    cast({{ dbt.dateadd('day', n, expr) }} as date)
{%- endmacro %}

{% macro spark__amis_add_days(expr, n) -%}
    date_add({{ expr }}, cast({{ n }} as int))
{%- endmacro %}


{# The last day of the month of a date, as a DATE. #}
{% macro amis_month_end(expr) -%}
    {{ return(adapter.dispatch('amis_month_end', 'amisdw')(expr)) }}
{%- endmacro %}

{% macro default__amis_month_end(expr) -%}
    cast({{ dbt.last_day(expr, 'month') }} as date)
{%- endmacro %}

{% macro spark__amis_month_end(expr) -%}
    last_day({{ expr }})
{%- endmacro %}


{# Calendar months from one date to a later one: the month boundaries crossed, (year2 -
   year1) * 12 + month2 - month1, whatever the days (31 Jan to 1 Feb is 1), as an integer. #}
{% macro amis_months_between(first_date, second_date) -%}
    {{ return(adapter.dispatch('amis_months_between', 'amisdw')(first_date, second_date)) }}
{%- endmacro %}

{% macro default__amis_months_between(first_date, second_date) -%}
    {{ dbt.datediff(first_date, second_date, 'month') }}
{%- endmacro %}

{% macro spark__amis_months_between(first_date, second_date) -%}
    ((year({{ second_date }}) - year({{ first_date }})) * 12
        + month({{ second_date }}) - month({{ first_date }}))
{%- endmacro %}
