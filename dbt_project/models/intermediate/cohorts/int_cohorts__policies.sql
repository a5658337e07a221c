-- Policy cohorts (承保批次): one row per policy signed in month c, belonging to the writing
-- agent's home team of month c (positions of that month), with the amounts of
--   十三个月保费继续率 persistency_13m (reported in month c+12): annual-pay long-term
--     policies not cancelled in cooling-off; second-year (PayCount 2) ZC receipts confirmed
--     by DueDate + var persistency_grace_days, over FirstYearPrem;
--   犹豫期退保保费占比 cooling_off_cancellation_ratio (reported in month c): FirstYearPrem of
--     the cohort's policies cancelled in cooling-off over FirstYearPrem of all (gross).

with

policies as (

    select * from {{ ref('int_production__policies') }}

),

second_year as (

    select
        policy_no,
        sum(premium_amount) as second_year_premium_in_grace
    from {{ ref('stg_amis__receipt') }}
    where policy_year = 2
      and transaction_type_code = 'ZC'
      and due_date is not null
      and booking_date <= {{ amis_add_days('due_date', var('persistency_grace_days')) }}
    group by policy_no

)

select
    p.policy_no,
    p.agent_code,
    p.sign_month as cohort_month,
    {{ amis_add_months('p.sign_month', 12) }} as persistency_report_month,
    f.channel,
    {{ amis_org_columns('f') }},
    p.annualised_first_year_premium as first_year_premium,
    case when p.is_cooling_off_cancelled then p.annualised_first_year_premium else 0 end
        as cancelled_first_year_premium,
    p.is_persistency_eligible and not p.is_cooling_off_cancelled as in_persistency_cohort,
    case
        when p.is_persistency_eligible and not p.is_cooling_off_cancelled
            then coalesce(sy.second_year_premium_in_grace, 0)
        else 0
    end as persistency_numerator,
    case
        when p.is_persistency_eligible and not p.is_cooling_off_cancelled
            then p.annualised_first_year_premium
        else 0
    end as persistency_denominator
from policies as p
inner join {{ ref('int_metrics__agent_months') }} as f
    on f.agent_code = p.agent_code and f.month_start = p.sign_month
left join second_year as sy on sy.policy_no = p.policy_no
