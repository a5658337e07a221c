-- Premium receipts and refunds (收付费及业绩明细), one row per ReceiptNo: the latest
-- delivery of a receipt wins. Rules and columns: _amis__models.yml.

{{ config(**amis_incremental_config(
    "{{ amis_delete_restated(amis_restated_keys(source('amis', 'receipt'),"
    ~ " [amis_clean_text('s.receipt_no')], ['receipt_no'])) }}"
)) }}

with

source as (

    -- a refresh ranks again the keys delivered from restate_from on, over every delivery
    -- (macros/amis/restatement.sql)
    select * from {{ source('amis', 'receipt') }} as s
    where {{ amis_unsettled_keys([amis_clean_text('s.receipt_no')], ['receipt_no']) }}

),

code_lookup as (

    {{ amis_code_lookup('RECEIPT') }}

),

ranked as (

    -- Across deliveries the latest delivery of a ReceiptNo wins: latest delivery month,
    -- then the last line of that month's file.
    select
        source.*,
        row_number() over (
            partition by {{ amis_clean_text('receipt_no') }}
            order by _delivery_month desc, _source_line desc
        ) as row_rank
    from source

),

renamed as (

    select
        -- keys
        {{ amis_clean_text('ranked.receipt_no') }} as receipt_no,
        {{ amis_clean_text('ranked.cont_no') }} as policy_no,
        {{ amis_clean_text('ranked.agent_code') }} as agent_code,
        {{ amis_clean_text('ranked.agent_group') }} as credited_team_id,

        -- transaction
        cast(ranked.pay_count as {{ dbt.type_bigint() }}) as policy_year,
        {{ amis_decoded('trans_type', 'ranked.trans_type') }} as transaction_type_code,
        cast(ranked.trans_money as {{ amis_type_amount() }}) as premium_amount,
        cast(ranked.trans_stand_money as {{ amis_type_amount() }}) as standard_premium_amount,
        cast(ranked.fyc as {{ amis_type_amount() }}) as fyc_amount,

        -- dates and months
        ranked.due_date as due_date,
        ranked.conf_date as booking_date,
        {{ amis_month_start('ranked.conf_date') }} as booking_month,
        {{ amis_normalise_yyyymm('ranked.wage_no') }} as wage_yyyymm,
        {{ amis_yyyymm_to_month('ranked.wage_no') }} as wage_month,

        -- lineage
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as delivery_month,
        ranked._source_file as source_file,
        ranked._source_line as source_line,
        ranked._loaded_at as loaded_at

    from ranked
    {{ amis_decode_join('trans_type', 'ranked.trans_type') }}
    where ranked.row_rank = 1

)

select * from renamed
