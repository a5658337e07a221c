-- Administrative companies (管理机构), one row per company and monthly snapshot.
-- Rules and column meanings: _amis__models.yml.

{{ config(**amis_incremental_config(
    "{{ amis_delete_restated(amis_restated_months('delivery_month')) }}"
)) }}

with

source as (

    -- a refresh rebuilds the deliveries from restate_from on (macros/amis/restatement.sql)
    select * from {{ source('amis', 'com') }}
    where {{ amis_restated_deliveries('_delivery_month') }}

),

code_lookup as (

    {{ amis_code_lookup('COM') }}

),

ranked as (

    -- A snapshot keeps one row per company per snapshot month: if a file repeats a
    -- ComCode, its last line wins.
    select
        source.*,
        row_number() over (
            partition by {{ amis_clean_text('com_code') }}, _delivery_month
            order by _source_line desc
        ) as row_rank
    from source

),

renamed as (

    select
        -- keys
        {{ amis_clean_text('ranked.com_code') }} as com_code,
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as snapshot_month,

        -- attributes
        {{ amis_clean_text('ranked.name') }} as com_name,
        {{ amis_decoded('com_grade', 'ranked.com_grade') }} as com_grade_code,
        {{ amis_clean_text('ranked.up_com_code') }} as parent_com_code,

        -- dates
        ranked.found_date as found_date,
        ranked.end_date as end_date,

        -- lineage
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as delivery_month,
        ranked._source_file as source_file,
        ranked._source_line as source_line,
        ranked._loaded_at as loaded_at

    from ranked
    {{ amis_decode_join('com_grade', 'ranked.com_grade') }}
    where ranked.row_rank = 1

)

select * from renamed
