-- The reporting levels the models roll up to (macro amis_org_levels: the org_l1 .. org_l7
-- columns and the seven-level roll-up) are the levels of the seed org_levels, both ways.

with

macro_levels as (

    {% for l in amis_org_levels() %}
    select {{ l }} as level
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

seed_levels as (

    select cast(level as {{ dbt.type_int() }}) as level from {{ ref('org_levels') }}

)

select m.level, 'in macro amis_org_levels only' as problem
from macro_levels as m
left join seed_levels as s on s.level = m.level
where s.level is null

union all

select s.level, 'in seed org_levels only' as problem
from seed_levels as s
left join macro_levels as m on m.level = s.level
where m.level is null
