-- One row per hire (join or rejoin) and hire month: the cohort member of 三个月转正率 and
-- the retention rates, with its cohort org positions (home team of the hire month) and
-- outcomes. in_service_end_month_k: in service at the end of month c+k in the spell the
-- hire opened.

select * from {{ ref('int_cohorts__hires') }}
