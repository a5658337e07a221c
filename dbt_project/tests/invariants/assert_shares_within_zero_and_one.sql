-- depends_on: {{ ref('int_org__periods') }} (the periods a refresh tests)
-- Invariant: rates that are shares lie in [0, 1]. activity_rate and
-- effective_manpower_ratio may exceed 1 in tiny units (an agent hired mid-month counts fully
-- as producing but half in the average headcount): see assert_activity_rate_at_most_one
-- (warn only). licensed_rate compares a quarter's mean with its end stock, so it is bound
-- for months only.

select org_id, period_type, period, channel, kpi_code, value
from {{ ref('kpi') }}
where value is not null
  and {{ amis_tested_periods('period_type', 'period') }}
  and (value < 0 or value > 1 + 1e-9)
  and (
      kpi_code in ('supervisor_activity_rate', 'attendance_rate', 'visit_quota_rate',
                   'conversion_rate_3m', 'supervisor_pass_rate', 'retention_rate_7m',
                   'retention_rate_13m', 'cooling_off_cancellation_ratio', 'persistency_13m')
      or (kpi_code = 'licensed_rate' and period_type = 'M')
  )
