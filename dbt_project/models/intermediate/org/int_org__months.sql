-- The reporting months: every month from the first to the last delivered month (one row
-- each, gaps filled), with the previous month used for start-of-month positions.

with

delivered as (

    select distinct snapshot_month as month_start
    from {{ ref('stg_amis__com') }}

),

bounds as (

    select min(month_start) as first_month, max(month_start) as last_month
    from delivered

),

digits as (

    {% for d in range(10) %}select {{ d }} as d{% if not loop.last %} union all {% endif %}{% endfor %}

),

numbers as (

    -- 0 .. 999 months: 83 years of history
    select ones.d + 10 * tens.d + 100 * hundreds.d as n
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds

),

spine as (

    select
        numbers.n as month_index,
        {{ amis_add_months('bounds.first_month', 'numbers.n') }} as month_start,
        bounds.first_month,
        bounds.last_month
    from numbers
    cross join bounds
    where {{ amis_add_months('bounds.first_month', 'numbers.n') }} <= bounds.last_month

)

select
    month_index,
    month_start,
    {{ amis_month_end('month_start') }} as month_end,
    -- the month whose snapshot gives start-of-month positions: the previous month, or the
    -- first month itself (no earlier snapshot exists)
    case
        when month_index = 0 then month_start
        else {{ amis_add_months('month_start', -1) }}
    end as start_position_month,
    {{ amis_add_days('month_start', -1) }} as previous_month_end,
    first_month,
    last_month
from spine
