-- Sales organisation units (销售机构), one row per unit and monthly snapshot.
-- Rules and column meanings: _amis__models.yml.

{{ config(**amis_incremental_config(
    "{{ amis_delete_restated(amis_restated_months('delivery_month')) }}"
)) }}

with

source as (

    -- a refresh rebuilds the deliveries from restate_from on (macros/amis/restatement.sql)
    select * from {{ source('amis', 'branch') }}
    where {{ amis_restated_deliveries('_delivery_month') }}

),

code_lookup as (

    {{ amis_code_lookup('BRANCH') }}

),

ranked as (

    -- A snapshot keeps one row per unit per snapshot month: if a file repeats an
    -- AgentGroup, its last line wins.
    select
        source.*,
        row_number() over (
            partition by {{ amis_clean_text('agent_group') }}, _delivery_month
            order by _source_line desc
        ) as row_rank
    from source

),

renamed as (

    select
        -- keys
        {{ amis_clean_text('ranked.agent_group') }} as branch_id,
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as snapshot_month,

        -- attributes
        {{ amis_clean_text('ranked.branch_attr') }} as branch_code,
        {{ amis_clean_text('ranked.branch_name') }} as branch_name,
        {{ amis_decoded('branch_level', 'ranked.branch_level') }} as branch_level_code,
        {{ amis_clean_text('ranked.up_agent_group') }} as parent_branch_id,
        {{ amis_clean_text('ranked.manage_com') }} as county_com_code,
        {{ amis_decoded('branch_type', 'ranked.branch_type') }} as channel_code,
        {{ amis_decoded('outlet_type', 'ranked.outlet_type') }} as outlet_type_code,
        {{ amis_clean_text('ranked.branch_manager') }} as manager_agent_code,

        -- dates
        ranked.found_date as found_date,
        ranked.end_date as end_date,

        -- lineage
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as delivery_month,
        ranked._source_file as source_file,
        ranked._source_line as source_line,
        ranked._loaded_at as loaded_at

    from ranked
    {{ amis_decode_join('branch_level', 'ranked.branch_level') }}
    {{ amis_decode_join('branch_type', 'ranked.branch_type') }}
    {{ amis_decode_join('outlet_type', 'ranked.outlet_type') }}
    where ranked.row_rank = 1

)

select * from renamed
