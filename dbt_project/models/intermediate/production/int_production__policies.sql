-- One row per policy (ContNo): attributes from its latest delivered row; cancelled in
-- cooling-off (犹豫期撤单) when any of its rows has ContState 2, posting in the month of the
-- earliest such StateDate (kpi-dictionary.md, resolution rules).

with

rows_ as (

    select * from {{ ref('stg_amis__policy') }}

),

latest as (

    select *
    from (
        select
            rows_.*,
            row_number() over (
                partition by policy_no order by delivery_month desc, source_line desc
            ) as recency
        from rows_
    ) as ranked
    where recency = 1

),

cancellations as (

    select
        policy_no,
        min(coalesce(state_date, sign_date)) as cancellation_date
    from rows_
    where contract_state_code = '2'
    group by policy_no

),

first_delivery as (

    select policy_no, min(delivery_month) as first_delivery_month
    from rows_
    group by policy_no

)

select
    latest.policy_no,
    latest.agent_code,
    latest.selling_team_id,
    latest.county_com_code,
    latest.risk_code,
    latest.risk_type_code,
    latest.pay_interval_months,
    latest.pay_years,
    latest.annualised_first_year_premium,
    latest.contract_state_code as latest_contract_state_code,
    latest.state_date as latest_state_date,
    latest.sign_date,
    latest.sign_month,
    latest.effective_date,
    latest.acknowledgement_date,
    cancellations.policy_no is not null as is_cooling_off_cancelled,
    cancellations.cancellation_date,
    {{ amis_month_start('cancellations.cancellation_date') }} as cancellation_month,
    -- cohort of 十三个月保费继续率: annual-pay long-term policies
    latest.risk_type_code = 'L' and latest.pay_interval_months = 12 and latest.pay_years >= 2
        as is_persistency_eligible,
    first_delivery.first_delivery_month
from latest
left join cancellations on cancellations.policy_no = latest.policy_no
left join first_delivery on first_delivery.policy_no = latest.policy_no
