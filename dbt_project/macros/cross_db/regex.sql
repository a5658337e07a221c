{#
    Regular expressions differ between engines. Patterns passed to these macros must be
    plain POSIX-style classes without backslashes ([0-9], not \d): Spark SQL string literals
    treat a backslash as an escape, DuckDB's do not.
#}

{# True when the whole of `expr` matches `pattern` (null when expr is null). #}
{% macro amis_regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('amis_regex_full_match', 'amisdw')(expr, pattern)) }}
{%- endmacro %}

{% macro default__amis_regex_full_match(expr, pattern) -%}
    regexp_like({{ expr }}, '^({{ pattern }})$')
{%- endmacro %}

{% macro duckdb__amis_regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__amis_regex_full_match(expr, pattern) -%}
    ({{ expr }} rlike '^({{ pattern }})$')
{%- endmacro %}


{# The `group`-th capture group of the first match of `pattern` in `expr` ('' when none). #}
{% macro amis_regex_extract(expr, pattern, group=1) -%}
    {{ return(adapter.dispatch('amis_regex_extract', 'amisdw')(expr, pattern, group)) }}
{%- endmacro %}

{% macro default__amis_regex_extract(expr, pattern, group=1) -%}
    {#- DuckDB and Spark share this signature. -#}
    regexp_extract({{ expr }}, '{{ pattern }}', {{ group }})
{%- endmacro %}


{# `expr` with the first match of `pattern` replaced by `replacement`. #}
{% macro amis_regex_replace(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('amis_regex_replace', 'amisdw')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__amis_regex_replace(expr, pattern, replacement) -%}
    {#- DuckDB replaces the first match unless given the 'g' option; every pattern used in this
        project is anchored, so first-match and replace-all agree (Spark replaces all). -#}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}


{# True when `expr` is a non-empty string of ASCII digits. #}
{% macro amis_is_digits(expr) -%}
    {{ amis_regex_full_match(expr, '[0-9]+') }}
{%- endmacro %}
