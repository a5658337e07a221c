{{ config(severity = 'warn') }}
-- Invariant of the replay logic: replaying the AGENT_EVENT rows delivered up to month m (from
-- the opening state: the first snapshot, with the first valid event's Old* fields) gives each
-- agent's grade, team and service state in the AGENT snapshot of month m.
--
-- Real exports miss events, so a disagreement is a finding about the source
-- (marts.data_quality_findings), and this test only warns, listing every disagreeing
-- agent-month in the dbt log. What blocks is the share of disagreements
-- (assert_replay_disagreements_within_threshold); with replay_max_disagreement_share = 0 it
-- blocks on the first one, which is how the test suite guards the replay on consistent data
-- (the dbt unit tests and the generator's own deliveries).

select *
from {{ ref('int_personnel__snapshot_reconciliation') }}
where not (grade_agrees and team_agrees and state_agrees)
