-- 转入 / 转出 transfers per org (levels 1-7), month and channel (ALL, and 1 / 4): agents in
-- service at the start of the month whose start org at a level (start team, positions at
-- the end of the previous month) differs from their home org at that level (home team,
-- positions of the month); for a channel row, also agents whose channel differs. Counted in
-- at the home org and out at the start org, so a move between two teams of one department
-- is a transfer of each team and of nothing above. Only orgs with a transfer have a row;
-- int_metrics__org_months adds the counts to every org's components.

{% set org_moved = 'not ' ~ amis_same('start_org_l{level}', 'org_l{level}') %}
{% set channel_moved = 'not ' ~ amis_same('start_channel', 'channel') %}
{% set moved_all = 'in_service_start and ' ~ org_moved %}
{% set moved_channel = 'in_service_start and (' ~ org_moved ~ ' or ' ~ channel_moved ~ ')' %}

with

agent_months as (

    select * from {{ ref('int_metrics__agent_months') }}

),

moves as (

    -- in at the home org (positions and channel of the month)
    {{ amis_rollup_to_levels('agent_months', [('transfers_in', 'count(*)'), ('transfers_out', '0')],
        group_by=['month_start'], where=moved_all, by_channel=false) }}
    union all
    {{ amis_rollup_to_levels('agent_months', [('transfers_in', 'count(*)'), ('transfers_out', '0')],
        group_by=['month_start'], where=moved_channel, all_channels=false) }}
    union all
    -- out at the start org (positions and channel at the end of the previous month)
    {{ amis_rollup_to_levels('agent_months', [('transfers_in', '0'), ('transfers_out', 'count(*)')],
        group_by=['month_start'], org_prefix='start_org_l', channel_column='start_channel',
        where=moved_all, by_channel=false) }}
    union all
    {{ amis_rollup_to_levels('agent_months', [('transfers_in', '0'), ('transfers_out', 'count(*)')],
        group_by=['month_start'], org_prefix='start_org_l', channel_column='start_channel',
        where=moved_channel, all_channels=false) }}

)

select
    org_id,
    level,
    month_start,
    channel,
    cast(sum(transfers_in) as {{ dbt.type_bigint() }}) as transfers_in,
    cast(sum(transfers_out) as {{ dbt.type_bigint() }}) as transfers_out
from moves
group by org_id, level, month_start, channel
