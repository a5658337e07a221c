{#
    Fails once per column of `columns` that holds a null, with its count of null rows: the
    not_null test of every listed column in one scan and one dbt node (a column-level not_null
    test per column costs a query and a Dagster asset check each: several hundred of them per
    build). Documented in macros/_generic_tests.yml.
#}
{% test not_null_columns(model, columns) %}

with null_counts as (
    select
    {%- for column in columns %}
        count(*) - count({{ column }}) as nulls_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{% for column in columns %}
select '{{ column }}' as column_name, nulls_{{ loop.index }} as null_rows
from null_counts
where nulls_{{ loop.index }} > 0
{% if not loop.last %}union all{% endif %}
{%- endfor %}

{% endtest %}
