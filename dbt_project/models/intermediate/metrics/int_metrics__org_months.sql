-- The additive monthly components of every KPI (macro amis_metric_components), per org,
-- level 1-7, month and channel (ALL, and 1 / 4): contributions of agent-months, events and
-- cohorts, each attributed to an org through the org_l1 .. org_l7 ids it carries, summed at
-- every level (macro amis_rollup_to_levels); transfers come from
-- int_metrics__transfers_org_months. The outlet-stage components (<measure>_outlet_<stage>)
-- split an agent-month's measures by the stage of its region (int_org__outlet_stages). One
-- row for every (org, month, channel) that exists that month (open on some day of it,
-- int_org__org_channels) or has any contribution.
-- Incremental by month (macros/amis/restatement.sql): a refresh recomputes the months from
-- restate_from on (a cohort contribution is recomputed with its reporting month).

{{ config(**amis_incremental_config("{{ amis_delete_restated(amis_restated_months('month_start')) }}")) }}

{% set components = amis_metric_components() %}

{#- agent-month measures at the home team (positions of the month), and their split by the
    outlet stage of the home team's region that month -#}
{% set home_values = {
    'headcount_end': amis_flag('in_service_end'),
    'headcount_avg': '0.5 * ' ~ amis_flag('in_service_end'),
    'hires': 'hires',
    'leavers': 'leavers',
    'formal_headcount_end': amis_flag('is_formal_end'),
    'producing_manpower': amis_flag('is_producing'),
    'long_term_producing_manpower': amis_flag('is_long_term_producing'),
    'effective_manpower': amis_flag('is_effective'),
    'ten_thousand_manpower': amis_flag('is_ten_thousand'),
    'licensed_manpower': amis_flag('is_licensed_end'),
    'supervisors': amis_flag('is_supervisor_end'),
    'producing_supervisors': amis_flag('is_producing_supervisor'),
    'activity_agents': amis_flag('has_activity_with_duty_days'),
    'visit_quota_agents': amis_flag('meets_visit_quota'),
    'duty_days': 'duty_days',
    'attendance_days': 'attendance_days',
    'visits': 'visits',
    'new_policies': 'net_policies',
    'new_premium': 'net_premium',
    'first_year_premium': 'first_year_premium',
    'first_year_standard_premium': 'first_year_standard_premium',
    'fyc': 'fyc',
} %}
{% set home_staged = {'agent_months': '1'} %}
{% do home_staged.update(home_values) %}
{% do home_values.update(amis_outlet_stage_values("coalesce(home_stage.outlet_stage, 'urban')", home_staged)) %}

{#- start-of-month stocks at the start team (positions at the end of the previous month) -#}
{% set start_values = {
    'headcount_start': '1',
    'headcount_avg': '0.5',
    'formal_headcount_start': amis_flag('is_formal_start'),
    'agents_a02_a03_start': amis_flag('is_a02_a03_start'),
} %}
{% do start_values.update(amis_outlet_stage_values("coalesce(start_stage.outlet_stage, 'urban')", {'headcount_avg': '0.5'})) %}

with

agent_months as (

    select * from {{ ref('int_metrics__agent_months') }}

),

months as (

    select * from {{ ref('int_org__months') }}

),

stages as (

    select * from {{ ref('int_org__outlet_stages') }}

),

contributions as (

    -- agent-month measures, at the home team (positions of the month), with the outlet
    -- stage of the home team's region that month
    select
        agent_months.month_start, agent_months.channel, {{ amis_org_columns('agent_months') }},
        {{ amis_contribution(home_values) }}
    from agent_months
    left join stages as home_stage
        on home_stage.region_id = agent_months.org_l5
        and home_stage.month_start = agent_months.home_position_month

    union all

    -- start-of-month stocks, at the start team (positions at the end of the previous month,
    -- and the outlet stage of the start team's region then); the month's average headcount
    -- (start + end) / 2 takes its start half here and its end half above, so that it is
    -- exactly (headcount_start + headcount_end) / 2 of every org
    select
        agent_months.month_start, agent_months.start_channel,
        {{ amis_org_columns('agent_months', prefix='start_org_l') }},
        {{ amis_contribution(start_values) }}
    from agent_months
    left join months on months.month_start = agent_months.month_start
    left join stages as start_stage
        on start_stage.region_id = agent_months.start_org_l5
        and start_stage.month_start = months.start_position_month
    where agent_months.in_service_start

    union all

    -- teams (level 7) open at the start of the month, positions at the end of the previous one
    select
        months.month_start, b.channel, {{ amis_org_columns('b') }},
        {{ amis_contribution({'teams_open_start': '1'}) }}
    from months
    inner join {{ ref('int_org__team_ancestors') }} as b
        on b.position_month = months.start_position_month
    inner join {{ ref('int_org__units') }} as team
        on team.org_id = b.team_id
        and team.snapshot_month = b.position_month
    where (team.found_date is null or team.found_date <= months.previous_month_end)
      and (team.end_date is null or team.end_date > months.previous_month_end)

    union all

    select
        month_start, channel, {{ amis_org_columns() }},
        {{ amis_contribution({
            'promotions': amis_flag('is_promotion'),
            'promotions_to_supervisor': amis_flag('is_promotion_to_supervisor'),
            'demotions': amis_flag('is_demotion'),
        }) }}
    from {{ ref('int_personnel__grade_moves') }}

    union all

    select
        cohort_month, channel, {{ amis_org_columns() }},
        {{ amis_contribution({
            'supervisors_assessed': '1',
            'supervisors_passed': amis_flag('passed'),
        }) }}
    from {{ ref('int_cohorts__supervisor_assessments') }}

    {% for k, size, outcome, flag in [
        (3, 'conversion_cohort_size', 'converted_3m', 'converted_by_month_3'),
        (7, 'retention_7m_cohort_size', 'retained_7m', 'in_service_end_month_7'),
        (13, 'retention_13m_cohort_size', 'retained_13m', 'in_service_end_month_13'),
    ] %}
    union all

    -- hire cohorts of month c, reported in month c+{{ k }}
    select
        {{ amis_add_months('cohort_month', k) }}, channel, {{ amis_org_columns() }},
        {{ amis_contribution({size: '1', outcome: amis_flag(flag)}) }}
    from {{ ref('int_cohorts__hires') }}
    {% endfor %}

    union all

    -- policy cohorts of month c: persistency reported in month c+12
    select
        persistency_report_month, channel, {{ amis_org_columns() }},
        {{ amis_contribution({
            'persistency_numerator': 'persistency_numerator',
            'persistency_denominator': 'persistency_denominator',
        }) }}
    from {{ ref('int_cohorts__policies') }}
    where in_persistency_cohort

    union all

    -- and the cooling-off ratio reported in month c
    select
        cohort_month, channel, {{ amis_org_columns() }},
        {{ amis_contribution({
            'cooling_off_cancelled_premium': 'cancelled_first_year_premium',
            'cohort_first_year_premium': 'first_year_premium',
        }) }}
    from {{ ref('int_cohorts__policies') }}

),

reported as (

    -- contributions that fall in a published month (cohorts reported after the last
    -- loaded month wait for it)
    select c.*
    from contributions as c
    inner join months on months.month_start = c.month_start
    where {{ amis_restated_months('c.month_start') }}

),

team_months as (

    -- the contributions summed per month, channel and org chain (a team's, or a higher
    -- org's for the rows that carry no team): the roll-up reads these, not every agent-month
    select
        month_start, channel, {{ amis_org_columns() }},
        {%- for name, rule in components %}
        sum({{ name }}) as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from reported
    group by month_start, channel, {{ amis_org_columns() }}

),

by_org as (

    {{ amis_rollup_to_levels('team_months', components | map(attribute=0) | list, group_by=['month_start']) }}

),

transfers as (

    select * from {{ ref('int_metrics__transfers_org_months') }}
    where {{ amis_restated_months('month_start') }}

),

parts as (

    -- every (org, month, channel) that exists that month, with zeros, and the contributions
    -- and transfers of each: summed below, each org-month gets every component, 0 if none
    select
        month_start, org_id, level, channel,
        {%- for name, rule in components %}
        0 as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('int_org__org_channels') }}
    where {{ amis_restated_months('month_start') }}
    union all
    select
        month_start, org_id, level, channel,
        {%- for name, rule in components %}
        {% if name in ('transfers_in', 'transfers_out') %}0{% else %}{{ name }}{% endif %} as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from by_org
    union all
    select
        month_start, org_id, level, channel,
        {%- for name, rule in components %}
        {% if name in ('transfers_in', 'transfers_out') %}{{ name }}{% else %}0{% endif %} as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from transfers

)

select
    org_id,
    level,
    month_start,
    channel,
    {%- for name, rule in components %}
    sum({{ name }}) as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from parts
group by org_id, level, month_start, channel
