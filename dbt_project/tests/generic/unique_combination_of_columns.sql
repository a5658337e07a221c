{#
    Fails once per combination of `combination_of_columns` carried by more than one row
    (nulls compare equal, as in GROUP BY). Documented in macros/_generic_tests.yml.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set columns = combination_of_columns | join(', ') %}

select
    {{ columns }},
    count(*) as row_count
from {{ model }}
group by {{ columns }}
having count(*) > 1

{% endtest %}
