-- Invariant (总保费 = 总人力 x 活动率 x 人均件数 x 件均保费): for every org, period and channel
-- with all factors defined, new_premium = headcount_avg x activity_rate x
-- policies_per_producer x premium_per_policy, up to floating-point error.

select
    m.org_id, m.period_type, m.period, m.channel,
    p.new_premium, m.headcount_avg, m.activity_rate, p.policies_per_producer,
    p.premium_per_policy
from {{ ref('mart_manpower') }} as m
inner join {{ ref('mart_premium') }} as p
    on p.org_id = m.org_id and p.period_type = m.period_type and p.period = m.period
    and p.channel = m.channel
where m.activity_rate is not null
  and p.policies_per_producer is not null
  and p.premium_per_policy is not null
  and abs(cast(p.new_premium as {{ amis_type_double() }})
          - m.headcount_avg * m.activity_rate * p.policies_per_producer * p.premium_per_policy)
      > 1e-6 * (1 + abs(cast(p.new_premium as {{ amis_type_double() }})))
