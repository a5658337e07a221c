-- One row per policy and sign month: the cohort member of 十三个月保费继续率 and
-- 犹豫期退保保费占比, with its cohort org positions and amounts.

-- A published copy (macro amis_published_copy_config): a view in the build file over
-- int_cohorts__policies, a table when published.

{{ config(**amis_published_copy_config()) }}

select * from {{ amis_in_file(ref('int_cohorts__policies')) }}
