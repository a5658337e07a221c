-- Each agent's replayed history as intervals [valid_from, valid_to) of constant state:
-- in service or not, grade, team, and the start of the current service spell. valid_to is
-- null for the open-ended last interval. Several changes on one day leave the state at the
-- end of that day (the last change in replay order).

with

changes as (

    select * from {{ ref('int_personnel__state_changes') }}

),

filled as (

    select
        agent_code,
        change_date,
        change_seq,
        coalesce({{ amis_last_value_ignore_nulls('sets_in_service', 'agent_code', 'change_seq') }}, false) as in_service,
        {{ amis_last_value_ignore_nulls('sets_grade_code', 'agent_code', 'change_seq') }} as grade_code,
        {{ amis_last_value_ignore_nulls('sets_team_id', 'agent_code', 'change_seq') }} as team_id,
        row_number() over (
            partition by agent_code, change_date order by change_seq desc
        ) as rank_in_day
    from changes

),

end_of_day as (

    select
        agent_code,
        change_date,
        in_service,
        grade_code,
        team_id,
        coalesce(
            lag(in_service) over (partition by agent_code order by change_date), false
        ) as was_in_service
    from filled
    where rank_in_day = 1

),

with_spells as (

    select
        *,
        in_service and not was_in_service as is_hire,
        was_in_service and not in_service as is_leave,
        max(case when in_service and not was_in_service then change_date end) over (
            partition by agent_code order by change_date
            rows between unbounded preceding and current row
        ) as spell_start_date
    from end_of_day

)

select
    agent_code,
    change_date as valid_from,
    lead(change_date) over (partition by agent_code order by change_date) as valid_to,
    in_service,
    grade_code,
    team_id,
    case when in_service then spell_start_date end as spell_start_date,
    is_hire,
    is_leave
from with_spells
