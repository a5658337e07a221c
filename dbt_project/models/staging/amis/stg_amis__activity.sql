-- Attendance and activity (考勤及活动量), one row per agent and statistics month: the
-- latest delivery of an AgentCode + StatMonth wins. Rules and columns: _amis__models.yml.

{{ config(**amis_incremental_config(
    "{{ amis_delete_restated(amis_restated_keys(source('amis', 'activity'),"
    ~ " [amis_clean_text('s.agent_code'), amis_normalise_yyyymm('s.stat_month')], ['agent_code', 'stat_yyyymm'])) }}"
)) }}

with

source as (

    -- a refresh ranks again the keys delivered from restate_from on, over every delivery
    -- (macros/amis/restatement.sql)
    select * from {{ source('amis', 'activity') }} as s
    where {{ amis_unsettled_keys([amis_clean_text('s.agent_code'), amis_normalise_yyyymm('s.stat_month')], ['agent_code', 'stat_yyyymm']) }}

),

ranked as (

    -- Across deliveries the latest delivery of AgentCode + StatMonth wins: latest delivery
    -- month, then the last line of that month's file.
    select
        source.*,
        row_number() over (
            partition by {{ amis_clean_text('agent_code') }}, {{ amis_normalise_yyyymm('stat_month') }}
            order by _delivery_month desc, _source_line desc
        ) as row_rank
    from source

),

renamed as (

    select
        -- keys
        {{ amis_clean_text('ranked.agent_code') }} as agent_code,
        {{ amis_yyyymm_to_month('ranked.stat_month') }} as stat_month,
        {{ amis_normalise_yyyymm('ranked.stat_month') }} as stat_yyyymm,

        -- measures
        cast(ranked.duty_days as {{ dbt.type_bigint() }}) as duty_days,
        cast(ranked.attend_days as {{ dbt.type_bigint() }}) as attendance_days,
        cast(ranked.visits as {{ dbt.type_bigint() }}) as visits,
        cast(ranked.new_prospects as {{ dbt.type_bigint() }}) as new_prospects,
        cast(ranked.recruit_interviews as {{ dbt.type_bigint() }}) as recruitment_interviews,

        -- lineage
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as delivery_month,
        ranked._source_file as source_file,
        ranked._source_line as source_line,
        ranked._loaded_at as loaded_at

    from ranked
    where ranked.row_rank = 1

)

select * from renamed
