-- 考核预警 the quarterly assessment warning list: per quarter, every agent in service at the
-- end of the quarter's last loaded month with grade >= A02, the quarter-to-date personal
-- FYC, the maintenance threshold of the grade (seed grade_maintenance_thresholds) and a
-- status: secured (QTD FYC already >= threshold), on_track (QTD >= threshold x elapsed
-- months / 3, elapsed = loaded months of the quarter), at_risk (otherwise). Names masked.

with

quarters as (

    select distinct period as quarter, period_first_month, period_last_month, loaded_months
    from {{ ref('int_org__periods') }}
    where period_type = 'Q'

),

agent_months as (

    select * from {{ ref('int_metrics__agent_months') }}

),

qtd as (

    select q.quarter, a.agent_code, sum(a.fyc) as qtd_fyc
    from quarters as q
    inner join agent_months as a
        on a.month_start between q.period_first_month and q.period_last_month
    group by q.quarter, a.agent_code

),

names as (

    select agent_code, agent_name_masked
    from (
        select
            agent_code,
            agent_name_masked,
            row_number() over (partition by agent_code order by snapshot_month desc) as recency
        from {{ ref('stg_amis__agent') }}
    ) as ranked
    where recency = 1

)

select
    q.quarter,
    q.loaded_months as elapsed_months,
    a.agent_code,
    n.agent_name_masked,
    a.end_grade_code as grade_code,
    a.home_team_id as team_id,
    a.channel,
    {{ amis_org_columns('a') }},
    coalesce(qtd.qtd_fyc, 0) as qtd_fyc,
    t.quarterly_fyc_threshold,
    cast(t.quarterly_fyc_threshold as {{ amis_type_double() }}) * q.loaded_months / 3
        as on_track_fyc,
    case
        when coalesce(qtd.qtd_fyc, 0) >= t.quarterly_fyc_threshold then 'secured'
        when coalesce(qtd.qtd_fyc, 0)
            >= cast(t.quarterly_fyc_threshold as {{ amis_type_double() }}) * q.loaded_months / 3
            then 'on_track'
        else 'at_risk'
    end as status,
    greatest(t.quarterly_fyc_threshold - coalesce(qtd.qtd_fyc, 0), 0) as fyc_gap
from quarters as q
inner join agent_months as a
    on a.month_start = q.period_last_month and a.in_service_end
inner join {{ ref('grade_maintenance_thresholds') }} as t
    on t.grade_code = a.end_grade_code
left join qtd on qtd.quarter = q.quarter and qtd.agent_code = a.agent_code
left join names as n on n.agent_code = a.agent_code
