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

-- Each source summed on its own key, then the three joined on (agent_code, month_start): one
-- GROUP BY over all postings at once (at national scale 184 M rows into 65 M groups of 14
-- sums) ran out of memory instead of spilling; these smaller aggregates and the joins spill.
-- Activity is one row per agent and month already (the staging key).
policy_months as (

    select
        agent_code,
        month_start,
        max(stamped_team_id) as stamped_team_id,
        sum(policies) as net_policies,
        sum(premium) as net_premium,
        sum(long_term_policies) as net_long_term_policies,
        sum(long_term_premium) as net_long_term_premium
    from policy_postings
    where month_start is not null and {{ amis_restated_months('month_start') }}
    group by agent_code, month_start

),

receipt_months as (

    select
        agent_code,
        month_start,
        max(stamped_team_id) as stamped_team_id,
        sum(first_year_premium) as first_year_premium,
        sum(first_year_standard_premium) as first_year_standard_premium,
        sum(fyc) as fyc
    from receipt_postings
    where month_start is not null and {{ amis_restated_months('month_start') }}
    group by agent_code, month_start

),

activity_months as (

    select *
    from activity
    where month_start is not null and {{ amis_restated_months('month_start') }}

),

agent_months as (

    select agent_code, month_start from policy_months
    union
    select agent_code, month_start from receipt_months
    union
    select agent_code, month_start from activity_months

)

select
    k.agent_code,
    k.month_start,
    -- the greater stamped team of the policies and receipts (either may be missing)
    case
        when r.stamped_team_id is null or p.stamped_team_id >= r.stamped_team_id
            then p.stamped_team_id
        else r.stamped_team_id
    end as stamped_team_id,
    coalesce(p.net_policies, 0) as net_policies,
    coalesce(p.net_premium, 0) as net_premium,
    coalesce(p.net_long_term_policies, 0) as net_long_term_policies,
    coalesce(p.net_long_term_premium, 0) as net_long_term_premium,
    coalesce(r.first_year_premium, 0) as first_year_premium,
    coalesce(r.first_year_standard_premium, 0) as first_year_standard_premium,
    coalesce(r.fyc, 0) as fyc,
    coalesce(a.duty_days, 0) as duty_days,
    coalesce(a.attendance_days, 0) as attendance_days,
    coalesce(a.visits, 0) as visits,
    coalesce(a.has_duty_days, 0) as has_activity_with_duty_days,
    coalesce(a.meets_visit_quota, 0) as meets_visit_quota
from agent_months as k
left join policy_months as p
    on p.agent_code is not distinct from k.agent_code and p.month_start = k.month_start
left join receipt_months as r
    on r.agent_code is not distinct from k.agent_code and r.month_start = k.month_start
left join activity_months as a
    on a.agent_code is not distinct from k.agent_code and a.month_start = k.month_start
