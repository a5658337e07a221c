-- Invariant: headcount_end = headcount_start + hires - leavers + transfers_in - transfers_out
-- for every org, period and channel; at head office (channel ALL) transfers_in =
-- transfers_out.

select org_id, level, period_type, period, channel,
    headcount_start, hires, leavers, transfers_in, transfers_out, headcount_end
from {{ ref('mart_manpower') }}
where headcount_end <> headcount_start + hires - leavers + transfers_in - transfers_out
   or (level = 1 and channel = 'ALL' and transfers_in <> transfers_out)
