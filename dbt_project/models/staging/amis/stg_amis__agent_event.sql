-- Personnel events (人员变动), one row per EventNo: the latest delivery of an event wins.
-- Voiding (type 99) and replay are intermediate logic. Rules and columns: _amis__models.yml.

{{ config(**amis_incremental_config(
    "{{ amis_delete_restated(amis_restated_keys(source('amis', 'agent_event'),"
    ~ " [amis_clean_text('s.event_no')], ['event_no'])) }}"
)) }}

with

source as (

    -- a refresh ranks again the keys delivered from restate_from on, over every delivery
    -- (macros/amis/restatement.sql)
    select * from {{ source('amis', 'agent_event') }} as s
    where {{ amis_unsettled_keys([amis_clean_text('s.event_no')], ['event_no']) }}

),

code_lookup as (

    {{ amis_code_lookup('AGENT_EVENT') }}

),

ranked as (

    -- Across deliveries the latest delivery of an EventNo wins: latest delivery month,
    -- then the last line of that month's file.
    select
        source.*,
        row_number() over (
            partition by {{ amis_clean_text('event_no') }}
            order by _delivery_month desc, _source_line desc
        ) as row_rank
    from source

),

renamed as (

    select
        -- keys
        {{ amis_clean_text('ranked.event_no') }} as event_no,
        {{ amis_clean_text('ranked.agent_code') }} as agent_code,

        -- event
        {{ amis_decoded('event_type', 'ranked.event_type') }} as event_type_code,
        ranked.effective_date as effective_date,
        {{ amis_month_start('ranked.effective_date') }} as effective_month,
        {{ amis_decoded('old_grade', 'ranked.old_grade') }} as old_grade_code,
        {{ amis_decoded('new_grade', 'ranked.new_grade') }} as new_grade_code,
        {{ amis_clean_text('ranked.old_agent_group') }} as old_team_id,
        {{ amis_clean_text('ranked.new_agent_group') }} as new_team_id,
        {{ amis_normalise_quarter('ranked.assess_period') }} as assess_period,
        {{ amis_quarter_end_month('ranked.assess_period') }} as assess_period_end_month,
        {{ amis_clean_text('ranked.cancel_event_no') }} as cancelled_event_no,
        ranked.make_date as recorded_date,

        -- lineage
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as delivery_month,
        ranked._source_file as source_file,
        ranked._source_line as source_line,
        ranked._loaded_at as loaded_at

    from ranked
    {{ amis_decode_join('event_type', 'ranked.event_type') }}
    {{ amis_decode_join('old_grade', 'ranked.old_grade') }}
    {{ amis_decode_join('new_grade', 'ranked.new_grade') }}
    where ranked.row_rank = 1

)

select * from renamed
