-- Invariant: replaying the AGENT_EVENT rows delivered up to month m (from the opening state
-- of the first snapshot) gives each agent's grade, team and service state in the AGENT
-- snapshot of month m.

select *
from {{ ref('int_personnel__snapshot_reconciliation') }}
where not (grade_agrees and team_agrees and state_agrees)
