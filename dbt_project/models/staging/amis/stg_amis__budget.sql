-- Targets (预算), one row per unit, month and indicator, from the latest delivered BUDGET
-- file of each year only. Rules and columns: _amis__models.yml.

with

source as (

    select
        *,
        -- the budget year is the YYYY of the file name BUDGET_YYYY.csv / .xlsx
        {{ amis_try_cast(
            "nullif(" ~ amis_regex_extract('upper(_source_file)', 'BUDGET_([0-9]{4})', 1) ~ ", '')",
            dbt.type_int()) }} as budget_year
    from {{ source('amis', 'budget') }}

),

files as (

    select distinct
        budget_year,
        _delivery_month,
        _loaded_at,
        _source_file
    from source

),

ranked_files as (

    -- A BUDGET file replaces every earlier BUDGET file of the same year: the latest delivery
    -- month wins (then the latest load, then the file name, for a month that carried both a
    -- .csv and an .xlsx of the year).
    select
        files.*,
        row_number() over (
            partition by budget_year
            order by _delivery_month desc, _loaded_at desc, _source_file desc
        ) as file_rank
    from files

),

latest_file_rows as (

    select source.*
    from source
    inner join ranked_files
        on source._delivery_month = ranked_files._delivery_month
        and source._source_file = ranked_files._source_file
        and (
            source.budget_year = ranked_files.budget_year
            or (source.budget_year is null and ranked_files.budget_year is null)
        )
    where ranked_files.file_rank = 1

),

ranked as (

    -- Within the winning file, a repeated unit + month + indicator keeps its last line.
    select
        latest_file_rows.*,
        row_number() over (
            partition by
                {{ amis_clean_text('org_code') }},
                {{ amis_normalise_yyyymm('month') }},
                lower({{ amis_clean_text('indicator') }})
            order by _source_line desc
        ) as row_rank
    from latest_file_rows

),

renamed as (

    select
        -- keys
        {{ amis_clean_text('ranked.org_code') }} as org_code,
        {{ amis_yyyymm_to_month('ranked.month') }} as target_month,
        {{ amis_normalise_yyyymm('ranked.month') }} as target_yyyymm,
        lower({{ amis_clean_text('ranked.indicator') }}) as indicator_code,

        -- measure
        cast(ranked.target as {{ amis_type_amount() }}) as target_value,

        -- the file the rows come from
        ranked.budget_year as budget_year,

        -- lineage
        {{ amis_yyyymm_to_month('ranked._delivery_month') }} as delivery_month,
        ranked._source_file as source_file,
        ranked._source_line as source_line,
        ranked._loaded_at as loaded_at

    from ranked
    where ranked.row_rank = 1

)

select * from renamed
