-- Changes of service state, the events behind hires (新增人力) and leavers (脱落人力): a
-- hire is a day an agent goes from out of service to in service (a join or rejoin, or the
-- opening employment), a leave the reverse. A join of an agent already in service, or a
-- leave of one already out, changes no state and is no transition.

select
    agent_code,
    valid_from as transition_date,
    {{ amis_month_start('valid_from') }} as transition_month,
    case when is_hire then 'hire' else 'leave' end as transition_kind,
    -- the service spell a hire opens (a leave closes the spell in force before it)
    case when is_hire then valid_from end as spell_start_date
from {{ ref('int_personnel__agent_intervals') }}
where is_hire or is_leave
