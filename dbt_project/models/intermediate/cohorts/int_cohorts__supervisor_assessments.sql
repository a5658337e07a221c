-- Supervisor assessments (主管考核): one row per quarterly assessment outcome (events 03
-- promote, 04 maintain, 05 demote with an AssessPeriod) of an agent whose OldGrade is a
-- supervisor grade (>= B01). Passed = promoted or maintained. The cohort month is the last
-- month of the AssessPeriod; the row belongs to the agent's home team of that month.

with

grades as (

    select distinct code as grade_code, series = 'supervisor' as is_supervisor_grade
    from {{ ref('amis_code_values') }}
    where code_set = 'grade'

),

assessments as (

    select e.*
    from {{ ref('int_personnel__events_valid') }} as e
    inner join grades as g on g.grade_code = e.old_grade_code
    where e.event_type_code in ('03', '04', '05')
      and e.assess_period_end_month is not null
      and g.is_supervisor_grade

)

select
    a.event_no,
    a.agent_code,
    a.assess_period,
    a.assess_period_end_month as cohort_month,
    a.event_type_code,
    a.event_type_code in ('03', '04') as passed,
    -- the agent's home team in the AssessPeriod's last month; an agent without a row that
    -- month (not in service in it, e.g. hired just after) falls back to the event's month
    coalesce(f.channel, fe.channel) as channel,
    {% for l in amis_org_levels() %}case when f.agent_code is not null then f.org_l{{ l }} else fe.org_l{{ l }} end as org_l{{ l }}{% if not loop.last %},{% endif %}
    {% endfor %}
from assessments as a
left join {{ ref('int_metrics__agent_months') }} as f
    on f.agent_code = a.agent_code and f.month_start = a.assess_period_end_month
left join {{ ref('int_metrics__agent_months') }} as fe
    on fe.agent_code = a.agent_code and fe.month_start = a.effective_month
where f.agent_code is not null or fe.agent_code is not null
