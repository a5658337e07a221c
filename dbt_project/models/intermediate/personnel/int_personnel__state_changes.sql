-- Every change of an agent's state, in replay order: the opening state from the agent's
-- first AGENT snapshot, then the valid events. Each row sets only what it changes (null =
-- unchanged); int_personnel__agent_intervals carries the state forward. Agents with no valid
-- event at all are replayed from their snapshots instead (int_personnel__snapshot_replay).
--
-- Opening state (amis-extracts.md, replay rules): the agent's first snapshot gives grade,
-- team and service spell [EmployDate, OutWorkDate). Where the agent's first valid event
-- names the grade or team it changed FROM (OldGrade, OldAgentGroup), that is the state
-- before it, so a change recorded in the first month is not back-projected before its
-- effective date.

with

snapshots as (

    select
        *,
        row_number() over (partition by agent_code order by snapshot_month) as snapshot_rank
    from {{ ref('stg_amis__agent') }}

),

events as (

    select * from {{ ref('int_personnel__events_valid') }}

),

first_events as (

    select agent_code, old_grade_code, old_team_id
    from events
    where replay_order = 1

),

opening as (

    select
        s.agent_code,
        s.employment_date,
        s.leave_date,
        coalesce(f.old_grade_code, s.grade_code) as grade_code,
        coalesce(f.old_team_id, s.team_id) as team_id
    from snapshots as s
    inner join first_events as f on f.agent_code = s.agent_code
    where s.snapshot_rank = 1

),

changes as (

    -- the opening grade and team hold from the beginning of time
    select
        agent_code,
        cast('1900-01-01' as date) as change_date,
        0 as change_order,
        cast(null as {{ dbt.type_string() }}) as event_no,
        'opening' as change_kind,
        cast(null as {{ dbt.type_boolean() }}) as sets_in_service,
        grade_code as sets_grade_code,
        team_id as sets_team_id
    from opening

    union all

    -- the opening service spell
    select
        agent_code,
        employment_date,
        1,
        cast(null as {{ dbt.type_string() }}),
        'opening_employment',
        true,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }})
    from opening
    where employment_date is not null

    union all

    select
        agent_code,
        leave_date,
        1,
        cast(null as {{ dbt.type_string() }}),
        'opening_leave',
        false,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }})
    from opening
    where leave_date is not null

    union all

    select
        agent_code,
        effective_date,
        2,
        event_no,
        event_type_code,
        case
            when event_type_code in ('01', '08') then true
            when event_type_code = '07' then false
        end,
        case when event_type_code <> '07' then new_grade_code end,
        case when event_type_code <> '07' then new_team_id end
    from events

    union all

    -- agents without valid events: what their snapshots imply, after the opening rows
    select
        agent_code,
        change_date,
        case change_kind when 'opening' then 0 when 'opening_employment' then 1 else 2 end,
        cast(null as {{ dbt.type_string() }}),
        change_kind,
        sets_in_service,
        sets_grade_code,
        sets_team_id
    from {{ ref('int_personnel__snapshot_replay') }}

)

select
    *,
    row_number() over (
        partition by agent_code
        order by change_date, change_order, event_no
    ) as change_seq
from changes
