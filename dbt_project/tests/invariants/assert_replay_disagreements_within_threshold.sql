-- The publish gate on the source's consistency (amis-extracts.md, replay rules): the
-- agent-months whose AGENT snapshot and event replay disagree may be at most the share
-- replay_max_disagreement_share (default 0.5%) of all agent-months. Above it the delivery
-- is treated as broken and the warehouse is not published; `amisdw run` then names the share,
-- the threshold and marts.data_quality_findings.

select check_name, population, findings, share, threshold
from {{ ref('data_quality_summary') }}
where check_name = 'replay_vs_snapshot'
  and withholds_publish
