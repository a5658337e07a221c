{#
    `left.group_i` equals `right.group_i` for i = 1..n, nulls matching nulls; `1 = 1` when
    n = 0. Used by the reconciliation tests (equal_rowcount, sum_equals), which compare groups
    that may legitimately be null. Written without IS NOT DISTINCT FROM / <=> so that it is
    the same on every engine.
#}
{% macro amis_null_safe_join_condition(left, right, n, prefix='group_') -%}
    {%- if n == 0 -%}
        1 = 1
    {%- else -%}
        {%- for i in range(1, n + 1) -%}
            ({{ left }}.{{ prefix }}{{ i }} = {{ right }}.{{ prefix }}{{ i }} or ({{ left }}.{{ prefix }}{{ i }} is null and {{ right }}.{{ prefix }}{{ i }} is null))
            {%- if not loop.last %} and {% endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
