-- marts.kpi (interfaces.md): every KPI of the dictionary in long form, one row per org,
-- period type, period, channel and KPI code. The KPI list, and for each KPI which
-- components are its numerator and denominator (rates) or its value (plain values), is the
-- seed kpi_catalogue (int_metrics__kpi_values); budget attainment rows come from
-- mart_budget. value = numerator / denominator exactly, null when the denominator is 0.

select
    org_id, level, period_type, period, channel, kpi_code, numerator, denominator, value
from {{ ref('int_metrics__kpi_values') }}

union all

select
    org_id, level, period_type, period, channel, kpi_code, numerator, denominator, value
from {{ ref('mart_budget') }}
