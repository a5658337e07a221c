-- Agents as a slowly changing dimension: one row per agent and stretch of constant state
-- (in service or not, grade, team, service spell), replayed from AGENT_EVENT in effective
-- order with cancelled events removed, on top of the first snapshot. valid_to is
-- exclusive (null = current). Personal data: only the masked name, from the latest
-- snapshot; no 证件号码, 手机号码 or birthday.

with

latest_snapshot as (

    select agent_code, agent_name_masked, sex_code, recruiter_agent_code, mentor_agent_code
    from (
        select
            s.*,
            row_number() over (partition by agent_code order by snapshot_month desc) as recency
        from {{ ref('stg_amis__agent') }} as s
    ) as ranked
    where recency = 1

)

select
    {{ dbt.concat(["i.agent_code", "'|'", "cast(i.valid_from as " ~ dbt.type_string() ~ ")"]) }}
        as agent_version_id,
    i.agent_code,
    s.agent_name_masked,
    s.sex_code,
    s.recruiter_agent_code,
    s.mentor_agent_code,
    i.valid_from,
    i.valid_to,
    i.valid_to is null as is_current,
    i.in_service,
    i.grade_code,
    i.team_id,
    i.spell_start_date
from {{ ref('int_personnel__agent_intervals') }} as i
left join latest_snapshot as s on s.agent_code = i.agent_code
where i.valid_from > cast('1900-01-01' as date) or i.valid_to is not null
