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

-- Which events a snapshot month m knows: delivered by m, effective by the end of m, not voided
-- by m. An event is so known from the month known_from = the later of its delivery month and
-- its effective month, until the month it is voided. The last known event of month m is the
-- one of highest key_rank (effective date, then event number) among those known by m.
keyed_events as (

    select
        e.*,
        greatest(e.delivery_month, {{ amis_month_start('e.effective_date') }}) as known_from,
        row_number() over (
            partition by e.agent_code order by e.effective_date, e.event_no
        ) as key_rank
    from all_events as e
    where e.effective_date is not null

),

-- agents with a voided event lose knowledge in a later month: they take the exact path
voided_agents as (

    select distinct agent_code
    from all_events
    where voided_in_month is not null and agent_code is not null

),

known_events as (

    -- the exact path, for agents with a voided event only (rare): for each snapshot month m
    -- the events it knows, ranked per attribute below
    select
        s.agent_code,
        s.snapshot_month,
        e.event_type_code,
        e.new_grade_code,
        e.new_team_id,
        e.effective_date,
        e.event_no
    from snapshots as s
    inner join keyed_events as e
        on e.agent_code = s.agent_code
        and e.known_from <= s.snapshot_month
        and (e.voided_in_month is null or e.voided_in_month > s.snapshot_month)
    where s.agent_code in (select agent_code from voided_agents)

),

{#- the last known event of each snapshot month that sets an attribute, in replay order. Every
    other agent's knowledge only grows month by month, so its winners are a step function: per
    month in which events become known, the highest key_rank known so far, which holds until
    the next such month; each snapshot month joins the one step it falls in (no snapshot x
    events product, which at national scale is hundreds of millions of rows to rank) -#}
{% set last_of = [
    ('last_grade', "new_grade_code as replay_grade_code",
     "event_type_code <> '07' and new_grade_code is not null"),
    ('last_team', "new_team_id as replay_team_id",
     "event_type_code <> '07' and new_team_id is not null"),
    ('last_service', "event_type_code in ('01', '08') as replay_in_service, effective_date as service_change_date",
     "event_type_code in ('01', '07', '08')"),
] %}
{% for name, columns, condition in last_of %}
{{ name }}_steps as (

    select
        agent_code,
        known_from,
        lead(known_from) over (partition by agent_code order by known_from) as known_until,
        max(newest_rank) over (
            partition by agent_code order by known_from
            rows between unbounded preceding and current row
        ) as winner_rank
    from (
        select agent_code, known_from, max(key_rank) as newest_rank
        from keyed_events
        where {{ condition }}
            and agent_code not in (select agent_code from voided_agents)
        group by agent_code, known_from
    ) as newly_known

),

{{ name }} as (

    select agent_code, snapshot_month, {{ columns }}
    from (
        select
            s.agent_code,
            s.snapshot_month,
            e.event_type_code,
            e.new_grade_code,
            e.new_team_id,
            e.effective_date
        from snapshots as s
        inner join {{ name }}_steps as st
            on st.agent_code = s.agent_code
            and st.known_from <= s.snapshot_month
            and (st.known_until is null or st.known_until > s.snapshot_month)
        inner join keyed_events as e
            on e.agent_code = st.agent_code and e.key_rank = st.winner_rank
    ) as stepped

    union all

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
