-- Agents (代理人), one row per agent and monthly snapshot, without personal data in clear.
-- Rules and column meanings: _amis__models.yml.

{{ config(**amis_incremental_config(
    "{{ amis_delete_restated(amis_restated_months('delivery_month')) }}"
)) }}

with

source as (

    -- a refresh rebuilds the deliveries from restate_from on (macros/amis/restatement.sql)
    select * from {{ source('amis', 'agent') }}
    where {{ amis_restated_deliveries('_delivery_month') }}

),

code_lookup as (

    {{ amis_code_lookup('AGENT') }}

),

ranked as (

    -- A snapshot keeps one row per agent per snapshot month: if a file repeats an
    -- AgentCode, its last line wins.
    select
        source.*,
        row_number() over (
            partition by {{ amis_clean_text('agent_code') }}, _delivery_month
            order by _source_line desc
        ) as row_rank
    from source

),

renamed as (

    select
        -- keys
        {{ amis_clean_text('ranked.agent_code') }} as agent_code,
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as snapshot_month,

        -- personal data, reduced: Name masked, IDNo hashed; Birthday and Mobile dropped
        {{ amis_mask_name('ranked.name') }} as agent_name_masked,
        {{ amis_sha256_hex(amis_normalise_id_no('ranked.id_no')) }} as id_no_hash,

        -- attributes
        {{ amis_decoded('sex', 'ranked.sex') }} as sex_code,
        {{ amis_clean_text('ranked.degree') }} as education,
        {{ amis_decoded('agent_state', 'ranked.agent_state') }} as agent_state_code,
        {{ amis_decoded('agent_grade', 'ranked.agent_grade') }} as grade_code,
        {{ amis_clean_text('ranked.agent_group') }} as team_id,
        {{ amis_decoded('branch_type', 'ranked.branch_type') }} as channel_code,
        {{ amis_clean_text('ranked.intro_agency') }} as recruiter_agent_code,
        {{ amis_clean_text('ranked.edu_manager') }} as mentor_agent_code,
        {{ amis_clean_text('ranked.quaf_no') }} is not null as has_licence_no,

        -- dates
        ranked.employ_date as employment_date,
        ranked.in_due_form_date as formalised_date,
        ranked.out_work_date as leave_date,
        ranked.quaf_end_date as licence_end_date,

        -- lineage
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as delivery_month,
        ranked._source_file as source_file,
        ranked._source_line as source_line,
        ranked._loaded_at as loaded_at

    from ranked
    {{ amis_decode_join('sex', 'ranked.sex') }}
    {{ amis_decode_join('agent_state', 'ranked.agent_state') }}
    {{ amis_decode_join('agent_grade', 'ranked.agent_grade') }}
    {{ amis_decode_join('branch_type', 'ranked.branch_type') }}
    where ranked.row_rank = 1

)

select * from renamed
