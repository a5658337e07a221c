{{ config(severity = 'warn') }}
-- How AMIS computes TransStandMoney (kpi-dictionary.md, the seed standard_premium_factors):
-- a first-year ZC receipt's standard premium is its premium times the factor of the
-- policy's risk type, payment mode and term. The warehouse uses TransStandMoney as
-- delivered; this warns when a delivery disagrees with the table (by more than 1 yuan).

with

policies as (

    select policy_no, risk_type_code, pay_interval_months, pay_years
    from {{ ref('int_production__policies') }}

),

factors as (

    select * from {{ ref('standard_premium_factors') }}

)

select r.receipt_no, r.policy_no, r.premium_amount, r.standard_premium_amount, f.factor
from {{ ref('stg_amis__receipt') }} as r
inner join policies as p on p.policy_no = r.policy_no
inner join factors as f
    on f.risk_type_code = p.risk_type_code
    and (f.pay_interval_class = 'any'
         or (f.pay_interval_class = 'single' and p.pay_interval_months = 0)
         or (f.pay_interval_class = 'regular' and p.pay_interval_months <> 0))
    and p.pay_years between f.pay_years_from and f.pay_years_to
where r.policy_year = 1
  and r.transaction_type_code = 'ZC'
  and abs(r.standard_premium_amount - r.premium_amount * f.factor) > 1
