{#
    Custom schemas are used literally: a model configured with +schema: staging lands in
    schema `staging`, not `<target schema>_staging` (dbt's default). Nodes without a custom
    schema use the target schema (`main` on DuckDB).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
