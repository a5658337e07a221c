{#
    Reconciliation: fails when the sum of `column_name` (an expression on `model`) differs from
    the sum of `compare_column` (an expression on `compare_model`) by more than `tolerance`,
    overall or per group (group_by_columns on model, compare_group_by_columns on
    compare_model, default: the same). A group present on one side only compares with 0.
    `compare_where` filters compare_model (the test's own `where` config filters `model`).
    One failing row per mismatched group, with both totals and the difference.
#}
{% test sum_equals(model, column_name, compare_model, compare_column, group_by_columns=[], compare_group_by_columns=none, compare_where=none, tolerance=0) %}

{%- set model_groups = group_by_columns -%}
{%- set compare_groups = compare_group_by_columns if compare_group_by_columns is not none else group_by_columns -%}
{%- if model_groups | length != compare_groups | length -%}
    {{ exceptions.raise_compiler_error("sum_equals: group_by_columns and compare_group_by_columns must have the same length") }}
{%- endif %}

with model_sums as (

    select
        {% for g in model_groups %}{{ g }} as group_{{ loop.index }},
        {% endfor %}sum({{ column_name }}) as model_total
    from {{ model }}
    {% if model_groups %}group by {{ model_groups | join(', ') }}{% endif %}

),

compare_sums as (

    select
        {% for g in compare_groups %}{{ g }} as group_{{ loop.index }},
        {% endfor %}sum({{ compare_column }}) as compare_total
    from {{ compare_model }}
    {% if compare_where %}where {{ compare_where }}{% endif %}
    {% if compare_groups %}group by {{ compare_groups | join(', ') }}{% endif %}

),

joined as (

    select
        {% for g in model_groups %}coalesce(m.group_{{ loop.index }}, c.group_{{ loop.index }}) as group_{{ loop.index }},
        {% endfor %}coalesce(m.model_total, 0) as model_total,
        coalesce(c.compare_total, 0) as compare_total
    from model_sums as m
    full outer join compare_sums as c
        on {{ amis_null_safe_join_condition('m', 'c', model_groups | length) }}

)

select
    *,
    model_total - compare_total as difference
from joined
where abs(model_total - compare_total) > {{ tolerance }}

{% endtest %}
