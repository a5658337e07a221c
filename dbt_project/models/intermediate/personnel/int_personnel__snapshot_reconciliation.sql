-- Event replay against the AGENT snapshots (amis-extracts.md, replay rules): for every
-- agent in the snapshot of month m, the state at the end of month m replayed from the
-- events DELIVERED up to and including month m (not later backdated ones), from the same
-- opening state as the replay (the first snapshot, with the first valid event's Old*
-- fields), should agree with the snapshot's grade, team and service state (01/03 in
-- service, 02 out). One row per agent and snapshot month, with a flag per attribute.
-- Agents without valid events are replayed from the snapshots themselves, so they agree by
-- construction (flag replayed_from_snapshots). Disagreements are published as findings
-- (marts.data_quality_findings); above a configured share they withhold the publish.

with

snapshots as (

    select
        s.*,
        m.month_end,
        row_number() over (partition by s.agent_code order by s.snapshot_month) as snapshot_rank
    from {{ ref('stg_amis__agent') }} as s
    inner join {{ ref('int_org__months') }} as m on m.month_start = s.snapshot_month

),

events as (

    select * from {{ ref('int_personnel__events_valid') }}

),

-- voids delivered up to month m remove an event from the replay of month m and later
voids as (

    select cancelled_event_no as event_no, delivery_month as voided_in_month
    from {{ ref('stg_amis__agent_event') }}
    where event_type_code = '99'

),

all_events as (

    -- every non-cancellation event, with the month from which a void removes it
    select e.*, v.voided_in_month
    from {{ ref('stg_amis__agent_event') }} as e
    left join voids as v on v.event_no = e.event_no
    where e.event_type_code <> '99'

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
        coalesce(f.old_team_id, s.team_id) as team_id,
        f.agent_code is null as replayed_from_snapshots
    from snapshots as s
    left join first_events as f on f.agent_code = s.agent_code
    where s.snapshot_rank = 1

),

known_events as (

    -- for each snapshot month m: the events delivered by m, not voided by m, effective by
    -- the end of m; the last of them in replay order sets each attribute
    select
        s.agent_code,
        s.snapshot_month,
        e.event_type_code,
        e.new_grade_code,
        e.new_team_id,
        e.effective_date,
        e.event_no
    from snapshots as s
    inner join all_events as e
        on e.agent_code = s.agent_code
        and e.delivery_month <= s.snapshot_month
        and (e.voided_in_month is null or e.voided_in_month > s.snapshot_month)
        and e.effective_date <= s.month_end

),

{#- the last known event of each snapshot month that sets an attribute, in replay order -#}
{% set last_of = [
    ('last_grade', "new_grade_code as replay_grade_code",
     "event_type_code <> '07' and new_grade_code is not null"),
    ('last_team', "new_team_id as replay_team_id",
     "event_type_code <> '07' and new_team_id is not null"),
    ('last_service', "event_type_code in ('01', '08') as replay_in_service, effective_date as service_change_date",
     "event_type_code in ('01', '07', '08')"),
] %}
{% for name, columns, condition in last_of %}
{{ name }} as (

    select agent_code, snapshot_month, {{ columns }}
    from (
        select k.*, row_number() over (
            partition by agent_code, snapshot_month order by effective_date desc, event_no desc
        ) as recency
        from known_events as k
        where {{ condition }}
    ) as ranked
    where recency = 1

),
{% endfor %}

replayed as (

    select
        s.agent_code,
        s.snapshot_month,
        s.grade_code as snapshot_grade_code,
        s.team_id as snapshot_team_id,
        s.agent_state_code in ('01', '03') as snapshot_in_service,
        o.replayed_from_snapshots,
        coalesce(g.replay_grade_code, o.grade_code) as replay_grade_code,
        coalesce(t.replay_team_id, o.team_id) as replay_team_id,
        case
            -- the last service event known decides, when it is later than the opening dates
            when ls.agent_code is not null
                and (o.leave_date is null or ls.service_change_date >= o.leave_date)
                and (o.employment_date is null or ls.service_change_date >= o.employment_date)
                then ls.replay_in_service
            else o.employment_date <= s.month_end
                and (o.leave_date is null or o.leave_date > s.month_end)
        end as replay_in_service
    from snapshots as s
    inner join opening as o on o.agent_code = s.agent_code
    left join last_grade as g
        on g.agent_code = s.agent_code and g.snapshot_month = s.snapshot_month
    left join last_team as t
        on t.agent_code = s.agent_code and t.snapshot_month = s.snapshot_month
    left join last_service as ls
        on ls.agent_code = s.agent_code and ls.snapshot_month = s.snapshot_month

)

select
    *,
    replayed_from_snapshots
    or {{ amis_same('snapshot_grade_code', 'replay_grade_code') }} as grade_agrees,
    replayed_from_snapshots
    or {{ amis_same('snapshot_team_id', 'replay_team_id') }} as team_agrees,
    replayed_from_snapshots
    or {{ amis_same('snapshot_in_service', 'replay_in_service') }} as state_agrees
from replayed
