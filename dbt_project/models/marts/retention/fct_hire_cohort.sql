-- One row per hire (join or rejoin) and hire month: the cohort member of 三个月转正率 and
-- the retention rates, with its cohort org positions (home team of the hire month) and
-- outcomes. in_service_end_month_k: in service at the end of month c+k in the spell the
-- hire opened.

-- A published copy (macro amis_published_copy_config): a view in the build file over
-- int_cohorts__hires, a table when published.

{{ config(**amis_published_copy_config()) }}

select * from {{ amis_in_file(ref('int_cohorts__hires')) }}
