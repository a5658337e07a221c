-- One row per personnel event as delivered, whether it stands (is_voided: a cancellation
-- 99 voids it; cancellations themselves are marked is_cancellation), with its delivery lag
-- (backdated events take effect in an earlier month than they arrive).

with

events as (

    select * from {{ ref('stg_amis__agent_event') }}

),

voided as (

    select distinct cancelled_event_no as event_no
    from events
    where event_type_code = '99'

)

select
    events.event_no,
    events.agent_code,
    events.event_type_code,
    codes.caption_zh as event_type_name_zh,
    events.effective_date,
    events.effective_month,
    events.old_grade_code,
    events.new_grade_code,
    events.old_team_id,
    events.new_team_id,
    events.assess_period,
    events.cancelled_event_no,
    events.recorded_date,
    events.delivery_month,
    events.event_type_code = '99' as is_cancellation,
    voided.event_no is not null as is_voided,
    {{ amis_months_between('events.effective_month', 'events.delivery_month') }}
        as months_backdated
from events
left join voided on voided.event_no = events.event_no
left join {{ ref('amis_code_values') }} as codes
    on codes.code_set = 'event_type' and codes.code = events.event_type_code
