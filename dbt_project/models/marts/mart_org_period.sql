-- Every area mart's figures in one published table: one row per org (levels 1-7), period
-- (M, Q, Y) and channel (ALL, 1, 4) with the org's name, every KPI component (the outlet-stage
-- components too), net_growth / formal_net_growth and the persistency flag. mart_manpower,
-- mart_premium, mart_promotion and mart_retention are views over it (macro amis_area_mart),
-- each adding its own rate columns, and marts.kpi picks every catalogue KPI from it: a
-- national warehouse keeps its tens of millions of org-period rows once per file, not once
-- per area. A published copy (macro amis_published_copy_config): in the build file a view
-- over int_metrics__org_periods, computed when published as a table.

{{ config(**amis_published_copy_config()) }}

select
    {{ amis_org_period_columns('p', 'org.org_name', with_outlet_stages=true) }},
    -- 十三个月保费继续率 of the last 2 loaded months is provisional: second premiums due then
    -- may still be paid within the grace period
    p.period_last_month >= {{ amis_add_months('bounds.last_month', -1) }}
        as persistency_is_provisional
from {{ amis_in_file(ref('int_metrics__org_periods')) }} as p
left join {{ amis_in_file(ref('dim_org')) }} as org on org.org_id = p.org_id
cross join (select max(month_start) as last_month from {{ amis_in_file(ref('int_org__months')) }}) as bounds
