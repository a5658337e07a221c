-- marts.kpi (interfaces.md): every KPI of the dictionary in long form, one row per org,
-- period type, period, channel and KPI code. The KPI list, and for each KPI which
-- components are its numerator and denominator (rates) or its value (plain values), is the
-- seed kpi_catalogue (int_metrics__kpi_values); budget attainment rows come from
-- mart_budget. value = numerator / denominator exactly, null when the denominator is 0.
-- Incremental by period (macros/amis/restatement.sql): a refresh recomputes the periods whose
-- last loaded month is restate_from or later; the budget rows, which a BUDGET file of any
-- earlier year can change, are always replaced whole (they are few).

-- depends_on: {{ ref('int_org__periods') }} (the periods a refresh recomputes)
{{ config(**amis_incremental_config(
    "{{ amis_delete_restated(amis_restated_periods('period_type', 'period')
        ~ ' or kpi_code in (select kpi_code from ' ~ ref('mart_budget') ~ ')') }}"
)) }}

select
    org_id, level, period_type, period, channel, kpi_code, numerator, denominator, value
from {{ ref('int_metrics__kpi_values') }}
where {{ amis_restated_periods('period_type', 'period') }}

union all

select
    org_id, level, period_type, period, channel, kpi_code, numerator, denominator, value
from {{ ref('mart_budget') }}
