-- Invariant: effective <= producing <= headcount_end + leavers; long_term_producing <=
-- producing; ten_thousand <= producing; licensed <= headcount_end; producing_supervisors
-- <= supervisors <= headcount_end. Distinct-agent counts of a quarter or year are means of
-- months while headcount_end is the period-end stock, so the comparisons with stocks are
-- asserted for months; the comparisons between two means hold for every period.

select org_id, level, period_type, period, channel,
    effective_manpower, producing_manpower, long_term_producing_manpower,
    ten_thousand_manpower, licensed_manpower, supervisors, producing_supervisors,
    headcount_end, leavers
from {{ ref('mart_manpower') }}
where effective_manpower > producing_manpower + 1e-9
   or long_term_producing_manpower > producing_manpower + 1e-9
   or ten_thousand_manpower > producing_manpower + 1e-9
   or producing_supervisors > supervisors + 1e-9
   or (period_type = 'M' and (
        producing_manpower > headcount_end + leavers
        or licensed_manpower > headcount_end
        or supervisors > headcount_end))
