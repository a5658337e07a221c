-- Invariant (kpi-dictionary.md): headcount_start(m) = headcount_end(m-1), for every org and
-- channel. Fails with one row per org, channel and month where they differ.

with

manpower as (

    select org_id, channel, period_first_month as month_start, headcount_start, headcount_end
    from {{ ref('mart_manpower') }}
    where period_type = 'M'

),

months as (

    select month_start, {{ amis_add_months('month_start', -1) }} as previous_month
    from {{ ref('int_org__months') }}
    where month_index > 0

),

current_month as (

    select m.month_start, m.previous_month, c.org_id, c.channel, c.headcount_start
    from months as m
    inner join manpower as c on c.month_start = m.month_start

),

previous_month as (

    select m.month_start, m.previous_month, p.org_id, p.channel, p.headcount_end
    from months as m
    inner join manpower as p on p.month_start = m.previous_month

)

select
    coalesce(c.month_start, p.month_start) as month_start,
    coalesce(c.org_id, p.org_id) as org_id,
    coalesce(c.channel, p.channel) as channel,
    coalesce(c.headcount_start, 0) as headcount_start,
    coalesce(p.headcount_end, 0) as previous_headcount_end
from current_month as c
full outer join previous_month as p
    on p.month_start = c.month_start and p.org_id = c.org_id and p.channel = c.channel
where coalesce(c.headcount_start, 0) <> coalesce(p.headcount_end, 0)
