{#
    Fails for every row whose range [lower_bound_column, upper_bound_column) overlaps an
    earlier-starting (or equal-starting) range of the same partition_by group. A null upper
    bound is open-ended (`open_upper_bound`, default date 9999-12-31; pass a number for
    numeric ranges). upper_bound_inclusive=true treats ranges as [lower, upper], so a range
    ending on day d and the next starting on d then overlap. Rows with a null lower bound or
    with upper < lower are reported too (they are not ranges).
    Typical use: an agent sits in exactly one team at any instant.
#}
{% test no_overlapping_ranges(model, lower_bound_column, upper_bound_column, partition_by=[], upper_bound_inclusive=false, open_upper_bound="cast('9999-12-31' as date)") %}

{%- set overlap_op = '<=' if upper_bound_inclusive else '<' -%}

with ranges as (

    select
        {% for p in partition_by %}{{ p }} as partition_{{ loop.index }},
        {% endfor %}{{ lower_bound_column }} as lower_bound,
        coalesce({{ upper_bound_column }}, {{ open_upper_bound }}) as upper_bound
    from {{ model }}

),

with_previous as (

    select
        ranges.*,
        max(upper_bound) over (
            {% if partition_by %}partition by {% for p in partition_by %}partition_{{ loop.index }}{% if not loop.last %}, {% endif %}{% endfor %}{% endif %}
            order by lower_bound, upper_bound
            rows between unbounded preceding and 1 preceding
        ) as previous_max_upper_bound
    from ranges

)

select *
from with_previous
where lower_bound is null
   or upper_bound < lower_bound
   or lower_bound {{ overlap_op }} previous_max_upper_bound

{% endtest %}
