-- One row per agent and month in which the agent was in service at the start of the month
-- or on any day of it: service state at the start (end of the previous month's last day)
-- and at the end, the home team (the team at the end of the last in-service day of the
-- month; the start team when the agent left on the 1st), grades, hires and leavers.

with

months as (

    select * from {{ ref('int_org__months') }}

),

intervals as (

    select * from {{ ref('int_personnel__agent_intervals') }}

),

in_service as (

    select * from intervals where in_service

),

at_start as (

    select
        i.agent_code,
        m.month_start,
        i.team_id as start_team_id,
        i.grade_code as start_grade_code
    from in_service as i
    inner join months as m
        on i.valid_from <= m.previous_month_end
        and (i.valid_to is null or i.valid_to > m.previous_month_end)

),

at_end as (

    select
        i.agent_code,
        m.month_start,
        i.team_id as end_team_id,
        i.grade_code as end_grade_code,
        i.spell_start_date as end_spell_start_date
    from in_service as i
    inner join months as m
        on i.valid_from <= m.month_end
        and (i.valid_to is null or i.valid_to > m.month_end)

),

last_service_day as (

    -- the in-service interval that holds the last in-service day of the month
    select
        agent_code,
        month_start,
        team_id as last_day_team_id,
        grade_code as last_day_grade_code
    from (
        select
            i.agent_code,
            m.month_start,
            i.team_id,
            i.grade_code,
            row_number() over (
                partition by i.agent_code, m.month_start order by i.valid_from desc
            ) as recency
        from in_service as i
        inner join months as m
            on i.valid_from <= m.month_end
            and (i.valid_to is null or i.valid_to > m.month_start)
    ) as overlapping
    where recency = 1

),

transitions as (

    select
        agent_code,
        transition_month as month_start,
        sum(case when transition_kind = 'hire' then 1 else 0 end) as hires,
        sum(case when transition_kind = 'leave' then 1 else 0 end) as leavers
    from {{ ref('int_personnel__transitions') }}
    group by agent_code, transition_month

),

agent_months as (

    select agent_code, month_start from at_start
    union
    select agent_code, month_start from last_service_day

)

select
    am.agent_code,
    am.month_start,
    s.agent_code is not null as in_service_start,
    e.agent_code is not null as in_service_end,
    d.agent_code is not null as has_service_day,
    s.start_team_id,
    s.start_grade_code,
    e.end_team_id,
    e.end_grade_code,
    e.end_spell_start_date,
    coalesce(d.last_day_team_id, s.start_team_id) as home_team_id,
    coalesce(d.last_day_grade_code, s.start_grade_code) as home_grade_code,
    coalesce(t.hires, 0) as hires,
    coalesce(t.leavers, 0) as leavers
from agent_months as am
left join at_start as s
    on s.agent_code = am.agent_code and s.month_start = am.month_start
left join at_end as e
    on e.agent_code = am.agent_code and e.month_start = am.month_start
left join last_service_day as d
    on d.agent_code = am.agent_code and d.month_start = am.month_start
left join transitions as t
    on t.agent_code = am.agent_code and t.month_start = am.month_start
