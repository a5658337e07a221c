-- Organisation units over time: one row per unit and stretch of months in which its code
-- (BranchAttr), name, parent and channel stayed the same. A unit that moves to another
-- department keeps its org_id (AgentGroup) and gets a new row with the new parent and code.

with

units as (

    select
        *,
        {{ dbt.concat(["coalesce(org_code, '')", "'|'", "coalesce(org_name, '')", "'|'",
                       "coalesce(parent_org_id, '')", "'|'", "coalesce(channel, '')"]) }} as attributes
    from {{ ref('int_org__units') }}

),

changes as (

    select
        *,
        case
            when lag(attributes) over (partition by org_id order by snapshot_month) = attributes
                then 0
            else 1
        end as is_change
    from units

),

versions as (

    select
        *,
        sum(is_change) over (
            partition by org_id order by snapshot_month rows between unbounded preceding and current row
        ) as version_no
    from changes

)

select
    org_id,
    cast(version_no as {{ dbt.type_int() }}) as version_no,
    min(snapshot_month) as valid_from_month,
    max(snapshot_month) as valid_to_month,
    max(org_code) as org_code,
    max(org_name) as org_name,
    max(cast(level as {{ dbt.type_int() }})) as level,
    max(parent_org_id) as parent_org_id,
    max(channel) as channel,
    max(outlet_type_code) as outlet_type_code,
    max(found_date) as found_date,
    max(end_date) as end_date
from versions
group by org_id, version_no
