-- Promotions (03) and demotions (05) that stand, attributed to the agent's home team in the
-- month of the event (positions of that month). promotions_to_supervisor: into B01, each of
-- which forms a new team (晋组).

select
    e.event_no,
    e.agent_code,
    e.event_type_code,
    e.effective_month as month_start,
    e.new_grade_code,
    e.event_type_code = '03' as is_promotion,
    e.event_type_code = '03' and e.new_grade_code = 'B01' as is_promotion_to_supervisor,
    e.event_type_code = '05' as is_demotion,
    f.channel,
    {{ amis_org_columns('f') }}
from {{ ref('int_personnel__events_valid') }} as e
inner join {{ ref('int_metrics__agent_months') }} as f
    on f.agent_code = e.agent_code and f.month_start = e.effective_month
where e.event_type_code in ('03', '05')
