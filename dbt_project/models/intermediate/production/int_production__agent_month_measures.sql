-- Production and activity per agent and posting month, before attribution to a team:
-- signed policies and premium (SignDate month), cooling-off cancellations (month of the
-- cancellation's StateDate, negative), receipts by WageNo month, attendance by StatMonth.
-- The stamped team of each row is kept as a last resort for attribution. Incremental by
-- month (macros/amis/restatement.sql): a refresh recomputes the months from restate_from on.

{{ config(**amis_incremental_config("{{ amis_delete_restated(amis_restated_months('month_start')) }}")) }}

with

policies as (

    select * from {{ ref('int_production__policies') }}

),

policy_postings as (

    select
        agent_code,
        sign_month as month_start,
        selling_team_id as stamped_team_id,
        1 as policies,
        annualised_first_year_premium as premium,
        case when risk_type_code = 'L' then 1 else 0 end as long_term_policies,
        case when risk_type_code = 'L' then annualised_first_year_premium else 0 end
            as long_term_premium
    from policies

    union all

    select
        agent_code,
        cancellation_month,
        selling_team_id,
        -1,
        -annualised_first_year_premium,
        case when risk_type_code = 'L' then -1 else 0 end,
        case when risk_type_code = 'L' then -annualised_first_year_premium else 0 end
    from policies
    where is_cooling_off_cancelled

),

receipt_postings as (

    select
        agent_code,
        wage_month as month_start,
        credited_team_id as stamped_team_id,
        case when policy_year = 1 then premium_amount else 0 end as first_year_premium,
        case when policy_year = 1 then coalesce(standard_premium_amount, 0) else 0 end
            as first_year_standard_premium,
        coalesce(fyc_amount, 0) as fyc
    from {{ ref('stg_amis__receipt') }}

),

activity as (

    select
        agent_code,
        stat_month as month_start,
        coalesce(duty_days, 0) as duty_days,
        coalesce(attendance_days, 0) as attendance_days,
        coalesce(visits, 0) as visits,
        case when duty_days > 0 then 1 else 0 end as has_duty_days,
        case
            when duty_days > 0
                and visits >= {{ amis_visit_quota_per_day('stat_month') }} * duty_days
                then 1
            else 0
        end as meets_visit_quota
    from {{ ref('stg_amis__activity') }}

),

unioned as (

    select
        agent_code, month_start, stamped_team_id,
        policies, premium, long_term_policies, long_term_premium,
        0 as first_year_premium, 0 as first_year_standard_premium, 0 as fyc,
        0 as duty_days, 0 as attendance_days, 0 as visits, 0 as has_duty_days,
        0 as meets_visit_quota
    from policy_postings

    union all

    select
        agent_code, month_start, stamped_team_id,
        0, 0, 0, 0,
        first_year_premium, first_year_standard_premium, fyc,
        0, 0, 0, 0, 0
    from receipt_postings

    union all

    select
        agent_code, month_start, cast(null as {{ dbt.type_string() }}),
        0, 0, 0, 0,
        0, 0, 0,
        duty_days, attendance_days, visits, has_duty_days, meets_visit_quota
    from activity

)

select
    agent_code,
    month_start,
    max(stamped_team_id) as stamped_team_id,
    sum(policies) as net_policies,
    sum(premium) as net_premium,
    sum(long_term_policies) as net_long_term_policies,
    sum(long_term_premium) as net_long_term_premium,
    sum(first_year_premium) as first_year_premium,
    sum(first_year_standard_premium) as first_year_standard_premium,
    sum(fyc) as fyc,
    sum(duty_days) as duty_days,
    sum(attendance_days) as attendance_days,
    sum(visits) as visits,
    max(has_duty_days) as has_activity_with_duty_days,
    max(meets_visit_quota) as meets_visit_quota
from unioned
where month_start is not null and {{ amis_restated_months('month_start') }}
group by agent_code, month_start
