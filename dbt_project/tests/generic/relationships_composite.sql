{#
    Referential integrity on a composite key: fails for every row of `model` whose
    `columns` (all non-null) have no row in `to` with equal `parent_columns` (same order).
    `to_where` filters the parent rows that count (e.g. "branch_level_code = '01'").
    Typical use: a team id must exist in the BRANCH snapshot of the same month.
#}
{% test relationships_composite(model, to, columns, parent_columns, to_where=none) %}

{%- if columns | length != parent_columns | length or not columns -%}
    {{ exceptions.raise_compiler_error("relationships_composite: columns and parent_columns must be non-empty lists of the same length") }}
{%- endif %}

with parents as (

    select distinct
        {% for p in parent_columns %}{{ p }} as key_{{ loop.index }}{% if not loop.last %},
        {% endif %}{% endfor %}
    from {{ to }}
    {% if to_where %}where {{ to_where }}{% endif %}

),

children as (

    select
        {% for c in columns %}{{ c }} as key_{{ loop.index }},
        {% endfor %}child.*
    from {{ model }} as child
    where {% for c in columns %}{{ c }} is not null{% if not loop.last %} and {% endif %}{% endfor %}

)

select children.*
from children
left join parents
    on {% for c in columns %}children.key_{{ loop.index }} = parents.key_{{ loop.index }}{% if not loop.last %}
    and {% endif %}{% endfor %}
where parents.key_1 is null

{% endtest %}
