-- The agent-month periodic snapshot, published: one row per agent and month (see the
-- column docs). Built in int_metrics__agent_months, from which every KPI mart aggregates.

-- Incremental by month like its source (macros/amis/restatement.sql).

{{ config(**amis_incremental_config("{{ amis_delete_restated(amis_restated_months('month_start')) }}")) }}

select * from {{ ref('int_metrics__agent_months') }}
where {{ amis_restated_months('month_start') }}
