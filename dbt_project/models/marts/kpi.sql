-- marts.kpi (interfaces.md): every KPI of the dictionary in long form, one row per org,
-- period type, period, channel and KPI code. A view over the published wide marts (macro
-- amis_view_config; a table on Spark): every KPI of the catalogue (dim_kpi) is picked from
-- the component columns of mart_org_period, the one table the area marts are views over
-- (macro amis_kpi_long; the outlet-stage KPIs from its outlet-stage components); budget
-- attainment rows come from mart_budget. value = numerator / denominator exactly, null when
-- the denominator is 0. The view names only published relations, without the build file's
-- catalog (macro amis_in_file), so it binds in the published file; a reader's filter on org,
-- period and KPI code reaches the wide table.

{{ config(**amis_view_config()) }}

{% set components = amis_metric_components() | map(attribute=0) | list + ['net_growth', 'formal_net_growth'] %}

{{ amis_kpi_long(
    amis_in_file(ref('mart_org_period')),
    amis_in_file(ref('dim_kpi')),
    components) }}

union all

select
    org_id, level, period_type, period, channel, kpi_code, numerator, denominator, value
from {{ amis_in_file(ref('mart_budget')) }}
