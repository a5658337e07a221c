{# Trimmed text, with blank strings as null (AMIS exports pad some values and send ''). #}
{% macro amis_clean_text(expr) -%}
    {{ return(adapter.dispatch('amis_clean_text', 'amisdw')(expr)) }}
{%- endmacro %}

{% macro default__amis_clean_text(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}


{# Length in characters (not bytes): 3 for '王小华'. #}
{% macro amis_char_length(expr) -%}
    {{ return(adapter.dispatch('amis_char_length', 'amisdw')(expr)) }}
{%- endmacro %}

{% macro default__amis_char_length(expr) -%}
    {#- length() counts characters on DuckDB and Spark (DuckDB's strlen counts bytes). -#}
    {{ dbt.length(expr) }}
{%- endmacro %}


{# `length` characters of `expr` from 1-based character position `start`. #}
{% macro amis_substr_chars(expr, start, length) -%}
    {{ return(adapter.dispatch('amis_substr_chars', 'amisdw')(expr, start, length)) }}
{%- endmacro %}

{% macro default__amis_substr_chars(expr, start, length) -%}
    {#- substring() is character based on DuckDB and Spark. -#}
    substring({{ expr }}, {{ start }}, {{ length }})
{%- endmacro %}


{# `expr` cast to `type`, or null when it does not convert (instead of failing the query). #}
{% macro amis_try_cast(expr, type) -%}
    {{ return(adapter.dispatch('amis_try_cast', 'amisdw')(expr, type)) }}
{%- endmacro %}

{% macro default__amis_try_cast(expr, type) -%}
    {{ dbt.safe_cast(expr, type) }}
{%- endmacro %}

{% macro duckdb__amis_try_cast(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro spark__amis_try_cast(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}


{# The SQL type of yuan amounts in this project (the raw layer's DECIMAL(18,2)). #}
{% macro amis_type_amount() -%}
    {{ return(adapter.dispatch('amis_type_amount', 'amisdw')()) }}
{%- endmacro %}

{% macro default__amis_type_amount() -%}
    decimal(18, 2)
{%- endmacro %}


{# Null-safe equality, the same on every engine: true when both are equal or both null. #}
{% macro amis_same(left, right) -%}
    (coalesce({{ left }} = {{ right }}, false) or ({{ left }} is null and {{ right }} is null))
{%- endmacro %}


{# A double-precision float on every engine (amis_type_double() is a 4-byte REAL on DuckDB). #}
{% macro amis_type_double() -%}
    {{ return(adapter.dispatch('amis_type_double', 'amisdw')()) }}
{%- endmacro %}

{% macro default__amis_type_double() -%}
    double
{%- endmacro %}
