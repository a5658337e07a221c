-- One row per premium receipt or refund (latest delivery of each ReceiptNo), posted in its
-- WageNo month to the credited agent's home team of that month.
-- A published copy (macro amis_published_copy_config): a view in the build file, computed
-- when published as a table.

{{ config(**amis_published_copy_config()) }}

select
    r.receipt_no,
    r.policy_no,
    r.agent_code,
    r.credited_team_id,
    f.home_team_id,
    f.channel,
    {{ amis_org_columns('f') }},
    r.policy_year,
    r.transaction_type_code,
    r.premium_amount,
    r.standard_premium_amount,
    r.fyc_amount,
    r.due_date,
    r.booking_date,
    r.wage_month
from {{ amis_in_file(ref('stg_amis__receipt')) }} as r
left join {{ amis_in_file(ref('int_metrics__agent_months')) }} as f
    on f.agent_code = r.agent_code and f.month_start = r.wage_month
