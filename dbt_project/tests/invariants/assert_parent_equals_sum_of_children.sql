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
-- assert_headcount_avg_is_mean_of_start_and_end ties it to them.
--
-- The components that take their children from the same snapshot month are checked together,
-- in one aggregation of the children per parent and one join to the parents (six in all, not
-- one per component), so that the test streams on a national build. A refresh tests the months it
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

{#- the snapshot month children are taken from, per component: the month itself, the start
    position month, or the cohort month k months back -#}
{% set link_of = {} %}
{% for name in components %}
{% if name in start_keyed %}{% do link_of.update({name: 'start'}) %}
{% elif name in cohort_lags %}{% do link_of.update({name: 'lag_' ~ cohort_lags[name]}) %}
{% else %}{% do link_of.update({name: 'month'}) %}
{% endif %}
{% endfor %}
{% set links = [] %}
{% for name in components %}{% if link_of[name] not in links %}{% do links.append(link_of[name]) %}{% endif %}{% endfor %}

with

org_months as (

    select * from {{ ref('int_metrics__org_months') }}

),

months as (

    select * from {{ ref('int_org__months') }}

),

units as (

    select snapshot_month, org_id, parent_org_id, level
    from {{ ref('int_org__units') }}

),

{% for link in links %}
{% set names = [] %}
{% for name in components %}{% if link_of[name] == link %}{% do names.append(name) %}{% endif %}{% endfor %}
{{ link }}_sums as (

    -- the children's sums per parent, month and channel (children as of the link's month)
    select
        link.parent_org_id as org_id,
        child.level - 1 as level,
        child.month_start,
        child.channel,
        {%- for name in names %}
        sum(child.{{ name }}) as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from org_months as child
    inner join months on months.month_start = child.month_start
    inner join units as link
        on link.org_id = child.org_id
        and link.level = child.level
        {% if link == 'start' -%}
        and link.snapshot_month = months.start_position_month
        {%- elif link.startswith('lag_') -%}
        and link.snapshot_month = cast({{ dbt.dateadd('month', -(link[4:] | int), 'child.month_start') }} as date)
        {%- else -%}
        and link.snapshot_month = child.month_start
        {%- endif %}
    where child.level > 1 and {{ amis_tested_months('child.month_start') }}
    group by link.parent_org_id, child.level, child.month_start, child.channel

),

{{ link }}_check as (

    select
        parent.org_id,
        parent.month_start,
        parent.channel,
        {%- for name in names %}
        parent.{{ name }} as parent__{{ name }},
        coalesce(children.{{ name }}, 0) as children__{{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from org_months as parent
    inner join months on months.month_start = parent.month_start
    left join {{ link }}_sums as children
        on children.org_id = parent.org_id
        and children.level = parent.level
        and children.month_start = parent.month_start
        and children.channel = parent.channel
    where parent.level < 7 and {{ amis_tested_months('parent.month_start') }}

){% if not loop.last %},{% endif %}
{% endfor %}

{% for name in components %}
select
    '{{ name }}' as component, org_id, month_start, channel,
    parent__{{ name }} as parent_value, children__{{ name }} as children_value
from {{ link_of[name] }}_check
where abs(parent__{{ name }} - children__{{ name }}) > 0.005
{% if not loop.last %}union all{% endif %}
{% endfor %}
