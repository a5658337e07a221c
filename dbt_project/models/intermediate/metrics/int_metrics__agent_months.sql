-- The agent-month periodic snapshot: one row per agent and month in which the agent was in
-- service (at the start or on any day) or has production or activity posted. Every
-- agent-month KPI rolls up the hierarchy from this row's home team (kpi-dictionary.md,
-- convention 2), with the org positions of the month (org_l1 .. org_l7); start-of-month
-- stocks use the start team with the positions at the end of the previous month
-- (start_org_l1 .. start_org_l7). Incremental by month (macros/amis/restatement.sql): a
-- refresh recomputes the agent-months from restate_from on.

{{ config(**amis_incremental_config("{{ amis_delete_restated(amis_restated_months('month_start')) }}")) }}

with

months as (

    select * from {{ ref('int_org__months') }}

),

personnel as (

    select * from {{ ref('int_personnel__agent_months') }}

),

measures as (

    select * from {{ ref('int_production__agent_month_measures') }}

),

grades as (

    -- the seed lists the grade code set once per field that uses it
    select distinct
        code as grade_code,
        cast(rank as {{ dbt.type_int() }}) as grade_rank,
        series = 'supervisor' as is_supervisor_grade
    from {{ ref('amis_code_values') }}
    where code_set = 'grade'

),

spine as (

    select agent_code, month_start from personnel
    where {{ amis_restated_months('month_start') }}
    union
    select m.agent_code, m.month_start
    from measures as m
    inner join months on months.month_start = m.month_start
    where {{ amis_restated_months('m.month_start') }}

),

last_served as (

    -- for an agent-month without an in-service day: the team the agent last served in
    select agent_code, month_start, team_id as last_served_team_id
    from (
        select
            s.agent_code,
            s.month_start,
            i.team_id,
            row_number() over (
                partition by s.agent_code, s.month_start order by i.valid_from desc
            ) as recency
        from spine as s
        left join personnel as p
            on p.agent_code = s.agent_code and p.month_start = s.month_start
        inner join {{ ref('int_personnel__agent_intervals') }} as i
            on i.agent_code = s.agent_code
            and i.in_service
            and i.valid_from < s.month_start
        where p.agent_code is null
    ) as ranked
    where recency = 1

),

base as (

    select
        s.agent_code,
        s.month_start,
        months.start_position_month,
        coalesce(p.home_team_id, ls.last_served_team_id, ms.stamped_team_id) as home_team_id,
        p.start_team_id,
        coalesce(p.in_service_start, false) as in_service_start,
        coalesce(p.in_service_end, false) as in_service_end,
        coalesce(p.has_service_day, false) as has_service_day,
        coalesce(p.hires, 0) as hires,
        coalesce(p.leavers, 0) as leavers,
        p.start_grade_code,
        p.end_grade_code,
        p.home_grade_code,
        p.end_spell_start_date,
        coalesce(ms.net_policies, 0) as net_policies,
        coalesce(ms.net_premium, 0) as net_premium,
        coalesce(ms.net_long_term_policies, 0) as net_long_term_policies,
        coalesce(ms.net_long_term_premium, 0) as net_long_term_premium,
        coalesce(ms.first_year_premium, 0) as first_year_premium,
        coalesce(ms.first_year_standard_premium, 0) as first_year_standard_premium,
        coalesce(ms.fyc, 0) as fyc,
        coalesce(ms.duty_days, 0) as duty_days,
        coalesce(ms.attendance_days, 0) as attendance_days,
        coalesce(ms.visits, 0) as visits,
        coalesce(ms.has_activity_with_duty_days, 0) = 1 as has_activity_with_duty_days,
        coalesce(ms.meets_visit_quota, 0) = 1 as meets_visit_quota,
        coalesce(snap.has_licence_no, false)
            and snap.licence_end_date >= months.month_end as holds_valid_licence
    from spine as s
    inner join months on months.month_start = s.month_start
    left join personnel as p
        on p.agent_code = s.agent_code and p.month_start = s.month_start
    left join measures as ms
        on ms.agent_code = s.agent_code and ms.month_start = s.month_start
    left join last_served as ls
        on ls.agent_code = s.agent_code and ls.month_start = s.month_start
    left join {{ ref('stg_amis__agent') }} as snap
        on snap.agent_code = s.agent_code and snap.snapshot_month = s.month_start

),

bridge as (

    select * from {{ ref('int_org__team_ancestors') }}

),

-- positions of a team as of a month: that month's snapshot, else the latest earlier one
-- (a team closed before a refund is booked to it)
home_positions as (

    select agent_code, month_start, position_month, channel, {{ amis_org_columns() }}
    from (
        select
            b0.agent_code,
            b0.month_start,
            bridge.position_month,
            bridge.channel,
            {{ amis_org_columns('bridge') }},
            row_number() over (
                partition by b0.agent_code, b0.month_start order by bridge.position_month desc
            ) as recency
        from base as b0
        inner join bridge
            on bridge.team_id = b0.home_team_id
            and bridge.position_month <= b0.month_start
    ) as ranked
    where recency = 1

),

start_positions as (

    select
        b0.agent_code,
        b0.month_start,
        bridge.channel,
        {{ amis_org_columns('bridge') }}
    from base as b0
    inner join bridge
        on bridge.team_id = b0.start_team_id
        and bridge.position_month = b0.start_position_month
    where b0.in_service_start

),

flags as (

    select
        base.*,
        end_grade.grade_rank >= 2 as is_formal_end,
        start_grade.grade_rank >= 2 as is_formal_start,
        start_grade.grade_code in ('A02', 'A03') as is_a02_a03_start,
        base.in_service_end and end_grade.is_supervisor_grade as is_supervisor_end,
        base.net_policies >= 1 and base.net_premium > 0 as is_producing,
        base.net_long_term_policies >= 1 and base.net_long_term_premium > 0
            as has_long_term_production
    from base
    left join grades as end_grade on end_grade.grade_code = base.end_grade_code
    left join grades as start_grade on start_grade.grade_code = base.start_grade_code

)

select
    flags.agent_code,
    flags.month_start,
    flags.home_team_id,
    hp.channel,
    hp.position_month as home_position_month,
    {{ amis_org_columns('hp') }},
    flags.start_team_id,
    sp.channel as start_channel,
    {{ amis_org_columns('sp', alias_prefix='start_org_l') }},
    flags.in_service_start,
    flags.in_service_end,
    flags.has_service_day,
    flags.hires,
    flags.leavers,
    flags.start_grade_code,
    flags.end_grade_code,
    flags.home_grade_code,
    flags.end_spell_start_date,
    coalesce(flags.in_service_start and flags.is_formal_start, false) as is_formal_start,
    coalesce(flags.in_service_end and flags.is_formal_end, false) as is_formal_end,
    coalesce(flags.in_service_start and flags.is_a02_a03_start, false) as is_a02_a03_start,
    coalesce(flags.is_supervisor_end, false) as is_supervisor_end,
    flags.in_service_end and flags.holds_valid_licence as is_licensed_end,
    flags.is_producing,
    flags.is_producing and flags.has_long_term_production as is_long_term_producing,
    flags.is_producing and flags.fyc >= {{ var('effective_fyc_threshold') }} as is_effective,
    flags.is_producing
        and flags.first_year_standard_premium >= {{ var('ten_thousand_standard_premium_threshold') }}
        as is_ten_thousand,
    coalesce(flags.is_supervisor_end, false) and flags.is_producing as is_producing_supervisor,
    flags.net_policies,
    flags.net_premium,
    flags.net_long_term_policies,
    flags.net_long_term_premium,
    flags.first_year_premium,
    flags.first_year_standard_premium,
    flags.fyc,
    flags.duty_days,
    flags.attendance_days,
    flags.visits,
    flags.has_activity_with_duty_days,
    flags.meets_visit_quota
from flags
left join home_positions as hp
    on hp.agent_code = flags.agent_code and hp.month_start = flags.month_start
left join start_positions as sp
    on sp.agent_code = flags.agent_code and sp.month_start = flags.month_start
