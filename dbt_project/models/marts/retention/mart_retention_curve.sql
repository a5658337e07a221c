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

),

months_after_hire as (

    -- k = 0 .. 24: one row each, so that the roll-up above is computed once (a union of 25
    -- selects over it makes Spark plan and run it 25 times)
    {% for k in range(0, 25) %}
    select {{ k }} as months_after_hire{% if not loop.last %} union all{% endif %}
    {% endfor %}

),

curve as (

    select
        b.org_id,
        b.level,
        b.channel,
        b.cohort_month,
        m.months_after_hire,
        {{ amis_add_months('b.cohort_month', 'm.months_after_hire') }}
            as observed_month,
        b.cohort_size,
        case m.months_after_hire
            {% for k in range(0, 25) %}
            when {{ k }} then b.retained_m{{ k }}
            {% endfor %}
        end as retained
    from by_org as b
    cross join months_after_hire as m

)

select
    c.org_id,
    c.level,
    c.channel,
    c.cohort_month,
    c.months_after_hire,
    c.observed_month,
    c.cohort_size,
    c.retained,
    {{ amis_ratio('c.retained', 'c.cohort_size') }} as retention_share
from curve as c
cross join last_loaded
where c.observed_month <= last_loaded.last_month
