-- The calendar of published months, with their quarter and year and Chinese labels.

select
    months.month_start,
    months.month_end,
    months.month_index,
    m.period as month_label,
    q.period as quarter_label,
    y.period as year_label,
    cast(extract(year from months.month_start) as {{ dbt.type_int() }}) as year_number,
    cast({{ amis_month_of_year('months.month_start') }} as {{ dbt.type_int() }}) as month_number,
    {{ amis_quarter_of_year('months.month_start') }} as quarter_number,
    {{ dbt.concat(["y.period", "'年'", "cast(cast(" ~ amis_month_of_year('months.month_start') ~ " as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")", "'月'"]) }}
        as month_label_zh,
    {{ dbt.concat(["y.period", "'年第'", amis_substr_chars('q.period', 6, 1), "'季度'"]) }}
        as quarter_label_zh,
    {{ dbt.concat(["y.period", "'年'"]) }} as year_label_zh,
    q.loaded_months as quarter_loaded_months,
    q.loaded_months < 3 as is_partial_quarter
from {{ ref('int_org__months') }} as months
inner join {{ ref('int_org__periods') }} as m
    on m.month_start = months.month_start and m.period_type = 'M'
inner join {{ ref('int_org__periods') }} as q
    on q.month_start = months.month_start and q.period_type = 'Q'
inner join {{ ref('int_org__periods') }} as y
    on y.month_start = months.month_start and y.period_type = 'Y'
