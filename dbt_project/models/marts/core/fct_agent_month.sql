-- The agent-month periodic snapshot, published: one row per agent and month (see the
-- column docs). Built in int_metrics__agent_months, from which every KPI mart aggregates.

select * from {{ ref('int_metrics__agent_months') }}
