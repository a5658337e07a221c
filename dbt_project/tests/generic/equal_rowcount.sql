{#
    Fails when `model` and `compare_model` do not have the same number of rows, overall or
    per group: group_by_columns are expressions on `model`, compare_group_by_columns the
    matching expressions on `compare_model` (default: the same). A group present on one side
    only compares with 0 rows. `compare_where` filters compare_model (the test's own `where`
    config filters `model`). One failing row per mismatched group.
#}
{% test equal_rowcount(model, compare_model, group_by_columns=[], compare_group_by_columns=none, compare_where=none) %}

{%- set model_groups = group_by_columns -%}
{%- set compare_groups = compare_group_by_columns if compare_group_by_columns is not none else group_by_columns -%}
{%- if model_groups | length != compare_groups | length -%}
    {{ exceptions.raise_compiler_error("equal_rowcount: group_by_columns and compare_group_by_columns must have the same length") }}
{%- endif %}

with model_counts as (

    select
        {% for g in model_groups %}{{ g }} as group_{{ loop.index }},
        {% endfor %}count(*) as model_rows
    from {{ model }}
    {% if model_groups %}group by {{ model_groups | join(', ') }}{% endif %}

),

compare_counts as (

    select
        {% for g in compare_groups %}{{ g }} as group_{{ loop.index }},
        {% endfor %}count(*) as compare_rows
    from {{ compare_model }}
    {% if compare_where %}where {{ compare_where }}{% endif %}
    {% if compare_groups %}group by {{ compare_groups | join(', ') }}{% endif %}

),

joined as (

    select
        {% for g in model_groups %}coalesce(m.group_{{ loop.index }}, c.group_{{ loop.index }}) as group_{{ loop.index }},
        {% endfor %}coalesce(m.model_rows, 0) as model_rows,
        coalesce(c.compare_rows, 0) as compare_rows
    from model_counts as m
    full outer join compare_counts as c
        on {{ amis_null_safe_join_condition('m', 'c', model_groups | length) }}

)

select *
from joined
where model_rows <> compare_rows

{% endtest %}
