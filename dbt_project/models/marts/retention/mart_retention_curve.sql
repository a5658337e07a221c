-- Retention curves (留存曲线): per org (levels 1-7), channel and hire cohort month, the share
-- of the cohort in service at the end of each month k = 0 .. 24 after hire, for the months
-- already loaded. A cohort belongs to the home team of its hire month.

{% set measures = [('cohort_size', 'count(*)')] %}
{% for k in range(0, 25) %}
{% do measures.append(('retained_m' ~ k, 'sum(' ~ amis_flag('in_service_end_month_' ~ k) ~ ')')) %}
{% endfor %}

with

cohorts as (

    select * from {{ ref('int_cohorts__hires') }}

),

last_loaded as (

    select max(month_start) as last_month from {{ ref('int_org__months') }}

),

by_org as (

    -- the cohort's size and its members in service at the end of month k, at every level
    {{ amis_rollup_to_levels('cohorts', measures, group_by=['cohort_month']) }}

)

{% for k in range(0, 25) %}
select
    b.org_id,
    b.level,
    b.channel,
    b.cohort_month,
    {{ k }} as months_after_hire,
    cast({{ dbt.dateadd('month', k, 'b.cohort_month') }} as date) as observed_month,
    b.cohort_size,
    b.retained_m{{ k }} as retained,
    {{ amis_ratio('b.retained_m' ~ k, 'b.cohort_size') }} as retention_share
from by_org as b
cross join last_loaded
where cast({{ dbt.dateadd('month', k, 'b.cohort_month') }} as date) <= last_loaded.last_month
{% if not loop.last %}union all{% endif %}
{% endfor %}
