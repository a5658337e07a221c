-- depends_on: {{ ref('int_org__periods') }} (the periods a refresh tests)
{{ config(severity = 'warn') }}
-- activity_rate and effective_manpower_ratio may exceed 1 in tiny units: warn only.

select org_id, level, period_type, period, channel, kpi_code, value
from {{ ref('kpi') }}
where kpi_code in ('activity_rate', 'effective_manpower_ratio') and value > 1
  and {{ amis_tested_periods('period_type', 'period') }}
