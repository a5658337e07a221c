{#
    Make the raw sources (raw.<table>) readable before anything of the build runs: the
    project's on-run-start hook (dbt_project.yml).

    DuckDB: nothing to do, raw.* are the build file's own tables, loaded by ingestion.
    Spark: raw.* are external Parquet tables over the months that amisdw wrote from the build
    file (var spark_raw_dir, amisdw.spark.raw_parquet), one folder per table. They are
    re-created each run, so their schema always follows the files, and a re-delivered month
    (a replaced file) is read as delivered.
#}
{% macro amis_register_raw_sources() -%}
    {{ return(adapter.dispatch('amis_register_raw_sources', 'amisdw')()) }}
{%- endmacro %}

{% macro default__amis_register_raw_sources() -%}
{%- endmacro %}

{% macro spark__amis_register_raw_sources() -%}
    {%- if execute -%}
        {%- set raw_dir = var('spark_raw_dir', '') -%}
        {%- if not raw_dir -%}
            {{ exceptions.raise_compiler_error(
                "The Spark target reads its sources from Parquet: pass --vars "
                ~ "'{spark_raw_dir: <folder>}' (amisdw run --engine spark does).") }}
        {%- endif -%}
        {%- set sources = graph.sources.values() | selectattr('source_name', 'equalto', 'amis') | list -%}
        {%- for schema in sources | map(attribute='schema') | unique -%}
            {%- do run_query('create database if not exists ' ~ schema) -%}
        {%- endfor -%}
        {%- for source in sources -%}
            {%- set name = source.schema ~ '.' ~ source.identifier -%}
            {%- do run_query('drop table if exists ' ~ name) -%}
            {%- do run_query('create table ' ~ name ~ " using parquet location '"
                ~ raw_dir ~ '/' ~ source.identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
