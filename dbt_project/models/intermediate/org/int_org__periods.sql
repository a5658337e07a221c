-- Every published period (month M, quarter Q, year Y) and the loaded months it covers. A
-- quarter or year only partly loaded is published to date (kpi-dictionary.md): its first
-- and last loaded months give its stocks and the number of loaded months divides its means.

with

months as (

    select
        month_start,
        extract(year from month_start) as year_number,
        {{ amis_month_of_year('month_start') }} as month_number
    from {{ ref('int_org__months') }}

),

labelled as (

    select
        month_start,
        'M' as period_type,
        {{ dbt.concat([
            "cast(year_number as " ~ dbt.type_string() ~ ")", "'-'",
            "lpad(cast(month_number as " ~ dbt.type_string() ~ "), 2, '0')"]) }} as period
    from months

    union all

    select
        month_start,
        'Q',
        {{ dbt.concat([
            "cast(year_number as " ~ dbt.type_string() ~ ")", "'Q'",
            "cast(" ~ amis_quarter_of_year('month_start') ~ " as " ~ dbt.type_string() ~ ")"]) }}
    from months

    union all

    select
        month_start,
        'Y',
        cast(cast(year_number as {{ dbt.type_int() }}) as {{ dbt.type_string() }})
    from months

)

select
    month_start,
    period_type,
    period,
    min(month_start) over (partition by period_type, period) as period_first_month,
    max(month_start) over (partition by period_type, period) as period_last_month,
    count(*) over (partition by period_type, period) as loaded_months
from labelled
