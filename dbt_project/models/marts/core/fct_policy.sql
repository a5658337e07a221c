-- One row per policy: latest delivered attributes, the selling team stamped on POLICY, the
-- writing agent's home team and positions in the sign month, the standard premium factor
-- (seed standard_premium_factors)
-- and the cooling-off outcome (cancelled, and the month the cancellation posts in).
-- A published copy (macro amis_published_copy_config): a view in the build file, computed
-- when published as a table.

{{ config(**amis_published_copy_config()) }}

select
    p.policy_no,
    p.agent_code,
    p.selling_team_id,
    f.home_team_id as home_team_id_at_sign,
    f.channel,
    {{ amis_org_columns('f') }},
    p.county_com_code,
    p.risk_code,
    p.risk_type_code,
    p.pay_interval_months,
    p.pay_years,
    p.annualised_first_year_premium,
    p.sign_date,
    p.sign_month,
    p.effective_date,
    p.acknowledgement_date,
    p.latest_contract_state_code,
    p.latest_state_date,
    p.is_cooling_off_cancelled,
    p.cancellation_date,
    p.cancellation_month,
    p.is_persistency_eligible,
    factors.factor as standard_premium_factor
from {{ amis_in_file(ref('int_production__policies')) }} as p
left join {{ amis_in_file(ref('int_metrics__agent_months')) }} as f
    on f.agent_code = p.agent_code and f.month_start = p.sign_month
left join {{ amis_in_file(ref('standard_premium_factors')) }} as factors
    on factors.risk_type_code = p.risk_type_code
    and (factors.pay_interval_class = 'any'
         or (factors.pay_interval_class = 'single' and p.pay_interval_months = 0)
         or (factors.pay_interval_class = 'regular' and p.pay_interval_months <> 0))
    and p.pay_years between factors.pay_years_from and factors.pay_years_to
