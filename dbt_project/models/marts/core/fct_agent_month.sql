-- The agent-month periodic snapshot, published: one row per agent and month (see the
-- column docs). Built in int_metrics__agent_months, from which every KPI mart aggregates.

-- A published copy (macro amis_published_copy_config): a view in the build file, whose rows
-- are kept once, in int_metrics__agent_months (incremental by month); a table when published.

{{ config(**amis_published_copy_config()) }}

select * from {{ amis_in_file(ref('int_metrics__agent_months')) }}
