-- 月均人力 for a month is (headcount_start + headcount_end) / 2 (kpi-dictionary.md), for
-- every org and channel; quarters and years take the mean of the months (checked by
-- assert_months_sum_to_periods).

select org_id, level, period, channel, headcount_start, headcount_end, headcount_avg
from {{ ref('mart_manpower') }}
where period_type = 'M'
  and abs(headcount_avg - (headcount_start + headcount_end) / 2.0) > 1e-9
