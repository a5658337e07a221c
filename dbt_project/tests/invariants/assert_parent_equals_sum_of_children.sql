-- Invariant: every count and amount of a parent equals the sum over its children, at every
-- level, for every month and channel. A component is attributed with the org positions of
-- a particular month, so children are taken from that month's snapshot: the month itself
-- for measures of the month, the start-position month for start-of-month stocks, and the
-- cohort month for cohort components reported k months later (conversion k = 3,
-- retention 7 / 13, persistency 12). Quarters and years follow from months (see
-- assert_months_sum_to_periods).
--
-- Transfers in / out are the one exception, by definition: a move between two teams of one
-- department is a transfer of each team and of neither the department nor anything above,
-- so they are not sums of children (the flow identity holds at every level instead).
-- headcount_avg (and its outlet-stage split headcount_avg_outlet_<stage>) is half a start
-- stock and half an end stock, each checked here with its own positions;
-- assert_headcount_avg_is_mean_of_start_and_end ties it to them. A refresh tests the months it
-- recomputed (macro amis_tested_months).

{% set excluded = ['transfers_in', 'transfers_out', 'headcount_avg'] %}
{% for stage in amis_outlet_stages() %}
{% do excluded.append(amis_outlet_stage_component('headcount_avg', stage)) %}
{% endfor %}
{% set components = amis_metric_components() | map(attribute=0) | reject('in', excluded) | list %}
{% set start_keyed = ['headcount_start', 'formal_headcount_start', 'agents_a02_a03_start', 'teams_open_start'] %}
{% set cohort_lags = {
    'conversion_cohort_size': 3, 'converted_3m': 3,
    'retention_7m_cohort_size': 7, 'retained_7m': 7,
    'retention_13m_cohort_size': 13, 'retained_13m': 13,
    'persistency_numerator': 12, 'persistency_denominator': 12} %}

with

org_months as (

    select * from {{ ref('int_metrics__org_months') }}
    where {{ amis_tested_months('month_start') }}

),

months as (

    select * from {{ ref('int_org__months') }}

),

units as (

    select snapshot_month, org_id, parent_org_id, level
    from {{ ref('int_org__units') }}

),

components as (

    -- one narrow row per org-month-channel and component, with the month whose snapshot
    -- links an org to its parent for that component (a long form: the joins and sums below
    -- stream and spill in little memory, where one wide join per component did not)
    {% for name in components %}
    select
        o.org_id, o.level, o.month_start, o.channel, '{{ name }}' as component,
        o.{{ name }} as value,
        {% if name in start_keyed -%}
        months.start_position_month
        {%- elif name in cohort_lags -%}
        {{ amis_add_months('o.month_start', -cohort_lags[name]) }}
        {%- else -%}
        o.month_start
        {%- endif %} as link_month
    from org_months as o
    {% if name in start_keyed -%}
    inner join months on months.month_start = o.month_start
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

children as (

    -- each org's value summed into its parent of the link month's snapshot
    select
        link.parent_org_id as org_id,
        link.level - 1 as level,
        c.month_start,
        c.channel,
        c.component,
        sum(c.value) as children_value
    from components as c
    inner join units as link
        on link.org_id = c.org_id
        and link.snapshot_month = c.link_month
    group by link.parent_org_id, link.level - 1, c.month_start, c.channel, c.component

)

select
    parent.component,
    parent.org_id,
    parent.month_start,
    parent.channel,
    parent.value as parent_value,
    coalesce(children.children_value, 0) as children_value
from components as parent
left join children
    on children.org_id = parent.org_id
    and children.level = parent.level
    and children.month_start = parent.month_start
    and children.channel = parent.channel
    and children.component = parent.component
where parent.level < 7
  and abs(parent.value - coalesce(children.children_value, 0)) > 0.005
