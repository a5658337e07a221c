-- Hire cohorts (入司批次): one row per agent hired (joined or rejoined) in month c, with the
-- outcomes the cohort KPIs need. A cohort belongs to the home team of its hire month with
-- that month's org positions (the agent-month row of month c).
--   converted_by_month_3: a grade >= A02 effective by the end of month c+3 (三个月转正率)
--   in_service_end_month_k: in service at the end of month c+k in the spell that the hire
--     opened (a leave and rejoin does not count for the earlier cohort) (留存率, curves)

{% set curve_months = range(0, 25) %}

with

hires as (

    -- the last hire of the month when an agent was hired twice in one month
    select agent_code, transition_month as cohort_month, spell_start_date
    from (
        select
            t.*,
            row_number() over (
                partition by agent_code, transition_month order by transition_date desc
            ) as recency
        from {{ ref('int_personnel__transitions') }} as t
        where transition_kind = 'hire'
    ) as ranked
    where recency = 1

),

months as (

    select * from {{ ref('int_org__months') }}

),

cohort_positions as (

    select h.*, f.channel, {{ amis_org_columns('f') }}
    from hires as h
    inner join {{ ref('int_metrics__agent_months') }} as f
        on f.agent_code = h.agent_code and f.month_start = h.cohort_month

),

grades as (

    select distinct code as grade_code, cast(rank as {{ dbt.type_int() }}) as grade_rank
    from {{ ref('amis_code_values') }}
    where code_set = 'grade'

),

first_formal as (

    -- the first day of the spell on which the agent held a grade >= A02
    select c.agent_code, c.cohort_month, min(i.valid_from) as first_formal_date
    from cohort_positions as c
    inner join {{ ref('int_personnel__agent_intervals') }} as i
        on i.agent_code = c.agent_code
        and i.in_service
        and {{ amis_same('i.spell_start_date', 'c.spell_start_date') }}
    inner join grades as g on g.grade_code = i.grade_code
    where g.grade_rank >= 2
    group by c.agent_code, c.cohort_month

),

spell_end as (

    -- the first day out after the spell: the end of the last in-service interval of it
    select c.agent_code, c.cohort_month,
        max(case when i.valid_to is null then 1 else 0 end) as is_open_ended,
        max(i.valid_to) as spell_end_date
    from cohort_positions as c
    inner join {{ ref('int_personnel__agent_intervals') }} as i
        on i.agent_code = c.agent_code
        and i.in_service
        and {{ amis_same('i.spell_start_date', 'c.spell_start_date') }}
    group by c.agent_code, c.cohort_month

)

select
    c.agent_code,
    c.cohort_month,
    c.spell_start_date as hire_date,
    c.channel,
    {{ amis_org_columns('c') }},
    case when s.is_open_ended = 1 then null else s.spell_end_date end as spell_end_date,
    ff.first_formal_date,
    ff.first_formal_date is not null
        and ff.first_formal_date <= {{ amis_month_end(amis_add_months('c.cohort_month', 3)) }}
        as converted_by_month_3
    {% for k in curve_months %},
    -- in service at the end of month c+{{ k }}: the spell had not ended by then
    (s.is_open_ended = 1
        or s.spell_end_date > {{ amis_month_end(amis_add_months('c.cohort_month', k)) }})
        as in_service_end_month_{{ k }}
    {%- endfor %}
from cohort_positions as c
left join first_formal as ff
    on ff.agent_code = c.agent_code and ff.cohort_month = c.cohort_month
left join spell_end as s
    on s.agent_code = c.agent_code and s.cohort_month = c.cohort_month
