-- Personnel events that stand: cancellations (99) removed, and every event a cancellation
-- voids removed wherever it arrived. Ordered for replay: EffectiveDate, then EventNo.

with

events as (

    select * from {{ ref('stg_amis__agent_event') }}

),

voided as (

    select distinct cancelled_event_no as event_no
    from events
    where event_type_code = '99' and cancelled_event_no is not null

)

select
    events.event_no,
    events.agent_code,
    events.event_type_code,
    events.effective_date,
    events.effective_month,
    events.old_grade_code,
    events.new_grade_code,
    events.old_team_id,
    events.new_team_id,
    events.assess_period,
    events.assess_period_end_month,
    events.recorded_date,
    events.delivery_month,
    row_number() over (
        partition by events.agent_code
        order by events.effective_date, events.event_no
    ) as replay_order
from events
left join voided
    on voided.event_no = events.event_no
where events.event_type_code <> '99'
  and voided.event_no is null
