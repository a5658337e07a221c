{#
    The last non-null value of `expr` over the rows from the start of the partition up to the
    current row: forward-filling a state that change rows set only partly.
#}
{% macro amis_last_value_ignore_nulls(expr, partition_by, order_by) -%}
    {{ return(adapter.dispatch('amis_last_value_ignore_nulls', 'amisdw')(expr, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__amis_last_value_ignore_nulls(expr, partition_by, order_by) -%}
    last_value({{ expr }} ignore nulls) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}

{% macro spark__amis_last_value_ignore_nulls(expr, partition_by, order_by) -%}
    last({{ expr }}, true) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}
