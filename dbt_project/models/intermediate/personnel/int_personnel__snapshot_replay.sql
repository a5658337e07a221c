-- Agents with no valid AGENT_EVENT row at all, replayed from their AGENT snapshots
-- (amis-extracts.md, replay rules, "Missing events"): one row per change the snapshots imply.
--   opening             the earliest snapshot's grade and team, from the beginning of time
--   opening_employment  in service from the earliest snapshot's EmployDate
--   snapshot_team       a team change on the 1st of the month whose snapshot first shows it
--   snapshot_grade      a grade change, likewise
--   snapshot_leave      a leave at OutWorkDate when the latest snapshot says 02
--   snapshot_dropout    a leave on the 1st of the first loaded snapshot month that lacks the
--                       agent, when the agent was last shown in service
-- int_personnel__state_changes replays these like events; the data-quality findings list
-- every inferred change (kind replayed_from_snapshots).

with

snapshots as (

    select * from {{ ref('stg_amis__agent') }}

),

agents_with_events as (

    select distinct agent_code from {{ ref('int_personnel__events_valid') }}

),

loaded_months as (

    select distinct snapshot_month from snapshots

),

eventless as (

    select
        s.agent_code,
        s.snapshot_month,
        s.employment_date,
        s.leave_date,
        s.agent_state_code,
        s.grade_code,
        s.team_id,
        lag(s.grade_code) over (partition by s.agent_code order by s.snapshot_month) as previous_grade_code,
        lag(s.team_id) over (partition by s.agent_code order by s.snapshot_month) as previous_team_id,
        row_number() over (partition by s.agent_code order by s.snapshot_month) as first_rank,
        row_number() over (partition by s.agent_code order by s.snapshot_month desc) as last_rank
    from snapshots as s
    left join agents_with_events as e on e.agent_code = s.agent_code
    where e.agent_code is null

),

first_snapshot as (

    select * from eventless where first_rank = 1

),

last_snapshot as (

    select
        l.*,
        (
            select min(m.snapshot_month)
            from loaded_months as m
            where m.snapshot_month > l.snapshot_month
        ) as first_month_without_agent
    from eventless as l
    where l.last_rank = 1

),

changes as (

    select
        agent_code,
        cast('1900-01-01' as date) as change_date,
        'opening' as change_kind,
        snapshot_month,
        cast(null as {{ dbt.type_boolean() }}) as sets_in_service,
        grade_code as sets_grade_code,
        team_id as sets_team_id,
        team_id as snapshot_team_id
    from first_snapshot

    union all

    select
        agent_code, employment_date, 'opening_employment', snapshot_month,
        true, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), team_id
    from first_snapshot
    where employment_date is not null

    union all

    select
        agent_code, snapshot_month, 'snapshot_team', snapshot_month,
        cast(null as {{ dbt.type_boolean() }}), cast(null as {{ dbt.type_string() }}), team_id,
        team_id
    from eventless
    where first_rank > 1 and not {{ amis_same('team_id', 'previous_team_id') }}

    union all

    select
        agent_code, snapshot_month, 'snapshot_grade', snapshot_month,
        cast(null as {{ dbt.type_boolean() }}), grade_code, cast(null as {{ dbt.type_string() }}),
        team_id
    from eventless
    where first_rank > 1 and not {{ amis_same('grade_code', 'previous_grade_code') }}

    union all

    select
        agent_code, coalesce(leave_date, snapshot_month), 'snapshot_leave', snapshot_month,
        false, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), team_id
    from last_snapshot
    where agent_state_code = '02'

    union all

    select
        agent_code, first_month_without_agent, 'snapshot_dropout', first_month_without_agent,
        false, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), team_id
    from last_snapshot
    where agent_state_code in ('01', '03') and first_month_without_agent is not null

)

select * from changes
