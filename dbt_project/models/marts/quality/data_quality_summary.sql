-- One row per data-quality check of the source: how many findings, out of how many, and
-- whether the share withholds the publish (only replay_vs_snapshot can: above the dbt var
-- replay_max_disagreement_share, the data test
-- assert_replay_disagreements_within_threshold fails and the warehouse is not published).

with

recon as (

    select * from {{ ref('int_personnel__snapshot_reconciliation') }}

),

findings as (

    select * from {{ ref('data_quality_findings') }}

),

replay as (

    select
        'replay_vs_snapshot' as check_name,
        'agent-months whose AGENT snapshot and event replay differ' as description,
        count(*) as population,
        count(case when not (grade_agrees and team_agrees and state_agrees) then 1 end)
            as findings,
        cast({{ var('replay_max_disagreement_share') }} as {{ amis_type_double() }}) as threshold
    from recon

),

from_snapshots as (

    select
        'replayed_from_snapshots' as check_name,
        'agents without any valid AGENT_EVENT whose changes were taken from the snapshots'
            as description,
        (select count(distinct agent_code) from recon) as population,
        count(distinct agent_code) as findings,
        cast(null as {{ amis_type_double() }}) as threshold
    from findings
    where kind = 'replayed_from_snapshots'

),

checks as (

    select * from replay
    union all
    select * from from_snapshots

)

select
    check_name,
    description,
    cast(population as {{ dbt.type_bigint() }}) as population,
    cast(findings as {{ dbt.type_bigint() }}) as findings,
    {{ amis_ratio('findings', 'population') }} as share,
    threshold,
    coalesce({{ amis_ratio('findings', 'population') }} > threshold, false) as withholds_publish
from checks
