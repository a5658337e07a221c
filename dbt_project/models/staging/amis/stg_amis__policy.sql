-- Individual contracts (个人保单): every delivered status row, one per ContNo and delivery
-- month. Which row gives a policy's attributes, and whether it was cancelled in cooling-off,
-- is intermediate logic. Rules and columns: _amis__models.yml.

{{ config(**amis_incremental_config(
    "{{ amis_delete_restated(amis_restated_months('delivery_month')) }}"
)) }}

with

source as (

    -- a refresh rebuilds the deliveries from restate_from on (macros/amis/restatement.sql)
    select * from {{ source('amis', 'policy') }}
    where {{ amis_restated_deliveries('_delivery_month') }}

),

code_lookup as (

    {{ amis_code_lookup('POLICY') }}

),

ranked as (

    -- Every delivery month's row is kept; if one file repeats a ContNo, its last line wins.
    select
        source.*,
        row_number() over (
            partition by {{ amis_clean_text('cont_no') }}, _delivery_month
            order by _source_line desc
        ) as row_rank
    from source

),

renamed as (

    select
        -- keys
        {{ amis_clean_text('ranked.cont_no') }} as policy_no,
        {{ amis_clean_text('ranked.agent_code') }} as agent_code,
        {{ amis_clean_text('ranked.agent_group') }} as selling_team_id,
        {{ amis_clean_text('ranked.manage_com') }} as county_com_code,

        -- product and payment
        {{ amis_clean_text('ranked.risk_code') }} as risk_code,
        {{ amis_decoded('risk_type', 'ranked.risk_type') }} as risk_type_code,
        cast(ranked.pay_intv as {{ dbt.type_bigint() }}) as pay_interval_months,
        cast(ranked.pay_years as {{ dbt.type_bigint() }}) as pay_years,
        cast(ranked.first_year_prem as {{ amis_type_amount() }}) as annualised_first_year_premium,

        -- status
        {{ amis_decoded('cont_state', 'ranked.cont_state') }} as contract_state_code,
        ranked.state_date as state_date,

        -- dates
        ranked.sign_date as sign_date,
        {{ amis_month_start('ranked.sign_date') }} as sign_month,
        ranked.c_vali_date as effective_date,
        ranked.get_pol_date as acknowledgement_date,

        -- lineage
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as delivery_month,
        ranked._source_file as source_file,
        ranked._source_line as source_line,
        ranked._loaded_at as loaded_at

    from ranked
    {{ amis_decode_join('risk_type', 'ranked.risk_type') }}
    {{ amis_decode_join('cont_state', 'ranked.cont_state') }}
    where ranked.row_rank = 1

)

select * from renamed
