-- Findings about the source (amis-extracts.md, replay rules): what the warehouse had to infer
-- or could not reconcile, published for the data stewards, never a reason to withhold the
-- warehouse below the configured share. One row per finding; no personal data.
--   replayed_from_snapshots  an agent without any valid AGENT_EVENT: each change the replay
--                            took from the AGENT snapshots (a hire within the loaded history,
--                            a team or grade change, a leave, a drop-out)
--   snapshot_disagrees       an agent with events whose AGENT snapshot of a month and the
--                            replay of the events delivered by then differ (one row per
--                            agent-month and field)

with

recon as (

    select * from {{ ref('int_personnel__snapshot_reconciliation') }}

),

months as (

    select month_start, period as month
    from {{ ref('int_org__periods') }}
    where period_type = 'M'

),

first_loaded as (

    select min(month_start) as first_month from months

),

{% set state_text = "case when {0} then 'in_service' when not {0} then 'not_in_service' end" %}

disagreements as (

    {% for field, snap, rep, agrees in [
        ('grade', 'snapshot_grade_code', 'replay_grade_code', 'grade_agrees'),
        ('team', 'snapshot_team_id', 'replay_team_id', 'team_agrees'),
        ('state', state_text | replace('{0}', 'snapshot_in_service'), state_text | replace('{0}', 'replay_in_service'), 'state_agrees'),
    ] %}
    select
        agent_code,
        snapshot_month as month_start,
        '{{ field }}' as field,
        {{ snap }} as snapshot_value,
        {{ rep }} as replayed_value,
        cast(null as date) as effective_date,
        snapshot_team_id as team_id
    from recon
    where not {{ agrees }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

inferred as (

    select
        r.agent_code,
        {{ amis_month_start('r.change_date') }} as month_start,
        case
            when r.change_kind = 'snapshot_team' then 'team'
            when r.change_kind = 'snapshot_grade' then 'grade'
            else 'state'
        end as field,
        case
            when r.change_kind = 'snapshot_team' then r.sets_team_id
            when r.change_kind = 'snapshot_grade' then r.sets_grade_code
            when r.change_kind = 'opening_employment' then 'in_service'
            when r.change_kind = 'snapshot_leave' then 'not_in_service'
        end as snapshot_value,
        case
            when r.change_kind = 'snapshot_team' then r.sets_team_id
            when r.change_kind = 'snapshot_grade' then r.sets_grade_code
            when r.sets_in_service then 'in_service'
            else 'not_in_service'
        end as replayed_value,
        r.change_date as effective_date,
        r.snapshot_team_id as team_id,
        r.change_kind
    from {{ ref('int_personnel__snapshot_replay') }} as r
    cross join first_loaded
    where r.change_kind <> 'opening'
      -- an EmployDate before the loaded history is the opening state, not a missing join
      and not (r.change_kind = 'opening_employment' and r.change_date < first_loaded.first_month)

),

findings as (

    select
        agent_code, month_start, 'snapshot_disagrees' as kind, field, snapshot_value,
        replayed_value, effective_date, team_id,
        'the AGENT snapshot of the month and the replay of the events delivered by then differ'
            as detail
    from disagreements

    union all

    select
        agent_code, month_start, 'replayed_from_snapshots', field, snapshot_value,
        replayed_value, effective_date, team_id,
        case change_kind
            when 'opening_employment' then 'no join event: hired on the EmployDate of the snapshot'
            when 'snapshot_team' then 'no transfer event: team change on the 1st of the month whose snapshot first shows it'
            when 'snapshot_grade' then 'no grade event: grade change on the 1st of the month whose snapshot first shows it'
            when 'snapshot_leave' then 'no leave event: left on the OutWorkDate of the latest snapshot (state 02)'
            when 'snapshot_dropout' then 'no leave event: missing from this month''s snapshot after being in service; left on the 1st'
        end
    from inferred

)

select
    findings.agent_code,
    months.month,
    findings.month_start,
    findings.kind,
    findings.field,
    findings.snapshot_value,
    findings.replayed_value,
    findings.effective_date,
    findings.team_id,
    {{ amis_org_columns('teams') }},
    findings.detail
from findings
left join months on months.month_start = findings.month_start
-- the team's place in the hierarchy that month, so findings can be scoped to an org
left join {{ ref('int_org__team_ancestors') }} as teams
    on teams.team_id = findings.team_id and teams.position_month = findings.month_start
