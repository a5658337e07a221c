-- Invariant: head-office totals (level 1, channel ALL, months) of first_year_premium,
-- first_year_standard_premium and fyc equal the sums over every RECEIPT row of the month
-- (the latest delivery of each ReceiptNo, by WageNo), and new_policies equals the POLICY
-- rows' count rule (policies signed in the month, from each ContNo's latest row, minus those
-- with a ContState 2 row whose earliest StateDate falls in the month) - computed here
-- straight from staging, independently of the marts' logic.

with

months as (

    select month_start from {{ ref('int_org__months') }}

),

receipts as (

    select
        wage_month as month_start,
        sum(case when policy_year = 1 then premium_amount else 0 end) as first_year_premium,
        sum(case when policy_year = 1 then coalesce(standard_premium_amount, 0) else 0 end)
            as first_year_standard_premium,
        sum(coalesce(fyc_amount, 0)) as fyc
    from {{ ref('stg_amis__receipt') }}
    group by wage_month

),

policy_latest as (

    select policy_no, sign_month
    from (
        select policy_no, sign_month,
            row_number() over (partition by policy_no order by delivery_month desc) as r
        from {{ ref('stg_amis__policy') }}
    ) as x
    where r = 1

),

cancelled as (

    select policy_no,
        {{ amis_month_start('min(coalesce(state_date, sign_date))') }} as cancel_month
    from {{ ref('stg_amis__policy') }}
    where contract_state_code = '2'
    group by policy_no

),

policy_counts as (

    select month_start, sum(n) as new_policies
    from (
        select sign_month as month_start, 1 as n from policy_latest
        union all
        select cancel_month, -1 from cancelled
    ) as postings
    group by month_start

),

expected as (

    select
        months.month_start,
        coalesce(r.first_year_premium, 0) as first_year_premium,
        coalesce(r.first_year_standard_premium, 0) as first_year_standard_premium,
        coalesce(r.fyc, 0) as fyc,
        coalesce(p.new_policies, 0) as new_policies
    from months
    left join receipts as r on r.month_start = months.month_start
    left join policy_counts as p on p.month_start = months.month_start

),

head_office as (

    select period_first_month as month_start, first_year_premium,
        first_year_standard_premium, fyc, new_policies
    from {{ ref('mart_premium') }}
    where level = 1 and channel = 'ALL' and period_type = 'M'

)

select e.*, h.first_year_premium as ho_first_year_premium,
    h.first_year_standard_premium as ho_first_year_standard_premium, h.fyc as ho_fyc,
    h.new_policies as ho_new_policies
from expected as e
left join head_office as h on h.month_start = e.month_start
where h.month_start is null
   or abs(e.first_year_premium - h.first_year_premium) > 0.005
   or abs(e.first_year_standard_premium - h.first_year_standard_premium) > 0.005
   or abs(e.fyc - h.fyc) > 0.005
   or e.new_policies <> h.new_policies
