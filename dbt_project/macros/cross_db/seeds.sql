{#
    Spark: load a seed's rows as SQL literals. dbt-spark's own spark__load_csv_rows binds every
    value as a quoted string (an empty cell becomes 'None', a quote is not escaped), which
    only works with ANSI mode off (cast('None' as bigint) is NULL there, an error here).
    Here an empty cell is a typed NULL, a number is written as a number, and text is escaped
    the Spark way (backslash). DuckDB keeps dbt-duckdb's loader.
#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {{ amis_spark_seed_literal(value, types[loop.index0]) }}{% if not loop.last %},{% endif %}
                {%- endfor -%}){% if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}


{# One seed cell as a Spark SQL literal of `type`. #}
{% macro amis_spark_seed_literal(value, type) -%}
    {%- if value is none -%}
        cast(null as {{ type }})
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        cast({{ value }} as {{ type }})
    {%- else -%}
        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
    {%- endif -%}
{%- endmacro %}
