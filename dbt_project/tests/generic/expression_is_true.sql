{#
    Fails for every row where `expression` is false. Documented in macros/_generic_tests.yml.
    As a column test, the column name is put in front of the expression
    (column `fyc_amount`, expression '>= 0' tests `fyc_amount >= 0`).
    A null expression counts as true: wrap it in coalesce() to fail on nulls.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({% if column_name %}{{ column_name }} {% endif %}{{ expression }})

{% endtest %}
