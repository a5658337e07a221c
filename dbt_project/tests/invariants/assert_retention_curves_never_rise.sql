-- Invariant: retention_13m <= retention_7m for the same cohort - checked in its strongest
-- form: along every retention curve, the number retained never rises from month k to k+1
-- (a member out of the hire's spell never returns to it).

select a.*
from {{ ref('mart_retention_curve') }} as a
inner join {{ ref('mart_retention_curve') }} as b
    on b.org_id = a.org_id and b.channel = a.channel and b.cohort_month = a.cohort_month
    and b.months_after_hire = a.months_after_hire + 1
where b.retained > a.retained
