{#
    Fails for every row whose column lies outside [min_value, max_value] (inclusive=true, the
    default) or (min_value, max_value) (inclusive=false). Either bound may be omitted; bounds
    are SQL expressions, so numbers, literals ('2024-01-01') or other columns all work.
    Null values pass.
#}
{% test values_in_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("values_in_range on " ~ model ~ "." ~ column_name ~ ": give min_value, max_value or both") }}
{%- endif -%}
{%- set lower_op = '>=' if inclusive else '>' -%}
{%- set upper_op = '<=' if inclusive else '<' -%}

select *
from {{ model }}
where {{ column_name }} is not null
  and not (
      {% if min_value is not none %}{{ column_name }} {{ lower_op }} {{ min_value }}{% else %}1 = 1{% endif %}
      and {% if max_value is not none %}{{ column_name }} {{ upper_op }} {{ max_value }}{% else %}1 = 1{% endif %}
  )

{% endtest %}
