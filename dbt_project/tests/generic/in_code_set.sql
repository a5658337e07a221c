{#
    Fails for every row whose (non-null) column value is not a code of `code_set` in the seed
    amis_code_values (the contract's code sets, written once). Numeric columns compare as
    text. Documented in macros/_generic_tests.yml.
#}
{% test in_code_set(model, column_name, code_set) %}

select {{ column_name }} as unknown_value, count(*) as row_count
from {{ model }}
where {{ column_name }} is not null
  and cast({{ column_name }} as {{ dbt.type_string() }}) not in (
      select code from {{ ref('amis_code_values') }} where code_set = '{{ code_set }}'
  )
group by {{ column_name }}

{% endtest %}
