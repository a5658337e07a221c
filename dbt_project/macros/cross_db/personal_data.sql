{#
    Personal data helpers. Staging keeps no personal value in clear: names are masked and
    ID numbers hashed; birthday and mobile are dropped (see stg_amis__agent).
#}

{#
    Mask a person's name, 张*华 style, counting characters after trimming:
      null or blank -> null;  1 char -> '*';  2 chars -> first char + '*' (张*);
      3+ chars -> first char + '*' + last char (王*华, 欧阳小明 -> 欧*明).
#}
{% macro amis_mask_name(expr) -%}
    {{ return(adapter.dispatch('amis_mask_name', 'amisdw')(expr)) }}
{%- endmacro %}

{% macro default__amis_mask_name(expr) -%}
    {%- set name = amis_clean_text(expr) -%}
    {%- set n = amis_char_length(name) -%}
    case
        when {{ name }} is null then null
        when {{ n }} = 1 then '*'
        when {{ n }} = 2 then {{ dbt.concat([amis_substr_chars(name, 1, 1), "'*'"]) }}
        else {{ dbt.concat([amis_substr_chars(name, 1, 1), "'*'", amis_substr_chars(name, n, 1)]) }}
    end
{%- endmacro %}


{# Lower-case hex SHA-256 of the UTF-8 text of `expr` (null stays null). #}
{% macro amis_sha256_hex(expr) -%}
    {{ return(adapter.dispatch('amis_sha256_hex', 'amisdw')(expr)) }}
{%- endmacro %}

{% macro default__amis_sha256_hex(expr) -%}
    {#- Spark, Databricks, MySQL, Hive -#}
    sha2(cast({{ expr }} as {{ dbt.type_string() }}), 256)
{%- endmacro %}

{% macro duckdb__amis_sha256_hex(expr) -%}
    sha256(cast({{ expr }} as {{ dbt.type_string() }}))
{%- endmacro %}


{#
    A resident ID number normalised before hashing, so that the same person hashes the same
    way across exports: trimmed, check digit 'x' upper-cased, blank -> null.
#}
{% macro amis_normalise_id_no(expr) -%}
    upper({{ amis_clean_text(expr) }})
{%- endmacro %}
