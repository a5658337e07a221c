-- One row per policy and sign month: the cohort member of 十三个月保费继续率 and
-- 犹豫期退保保费占比, with its cohort org positions and amounts.

select * from {{ ref('int_cohorts__policies') }}
