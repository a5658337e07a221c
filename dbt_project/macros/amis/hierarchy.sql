{#
    The org hierarchy as the models carry it: every fact row holds its org at each level in
    the columns org_l1 (head office) .. org_l7 (team), and a KPI is rolled up to every level
    and channel from them. These macros are the one place that lists the levels and writes
    the roll-up; documented in macros/_amis_macros.yml.
#}


{#
    The reporting levels 1 (总公司 head office) .. 7 (营业组 team), as a list of integers. The
    same levels as the seed org_levels (and the extract contract's LEVELS); the data test
    assert_org_levels_match_the_seed keeps the two in step.
#}
{% macro amis_org_levels() -%}
    {{ return([1, 2, 3, 4, 5, 6, 7]) }}
{%- endmacro %}


{#
    The org columns of every level, comma-separated, in level order:
        amis_org_columns('f')                          f.org_l1, f.org_l2, ..., f.org_l7
        amis_org_columns(prefix='start_org_l')         start_org_l1, ..., start_org_l7
        amis_org_columns('sp', alias_prefix='start_org_l')
                                                       sp.org_l1 as start_org_l1, ...
    No leading or trailing comma.
#}
{% macro amis_org_columns(relation=none, prefix='org_l', alias_prefix=none) -%}
    {%- for l in amis_org_levels() -%}
        {%- if relation %}{{ relation }}.{% endif %}{{ prefix }}{{ l }}
        {%- if alias_prefix %} as {{ alias_prefix }}{{ l }}{% endif %}
        {%- if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}


{#
    The seven-level x channel roll-up: for every level l, the rows of `relation` grouped by
    their org at that level (column `org_prefix` ~ l) and by `group_by`, once for channel
    'ALL' (all rows) and once per channel (column `channel_column`). Rows without an org at
    the level, and for the per-channel rows rows without a channel, are left out.

    One GROUP BY over the rows of `relation` crossed with the (level, channel mode) pairs, so
    `relation` is read once: a UNION ALL of one GROUP BY per pair (as before) made Spark plan
    and run `relation`, and every CTE under it, 14 times.

    Output columns: org_id, level, the group_by columns, channel, then one column per
    measure. A measure is a column name (summed: sum(name) as name) or a pair
    (name, aggregate expression), e.g. ('cohort_size', 'count(*)').

    `where` is an optional further condition; '{level}' in it is replaced by the level
    number (e.g. 'not moved_l{level}'). `all_channels` / `by_channel` switch the 'ALL' rows
    and the per-channel rows on or off (both on by default).
#}
{% macro amis_rollup_to_levels(relation, measures, group_by=[], org_prefix='org_l', channel_column='channel', where=none, all_channels=true, by_channel=true) -%}
    {%- set modes = (['ALL'] if all_channels else []) + (['channel'] if by_channel else []) -%}
    {%- if not modes -%}
        {{ exceptions.raise_compiler_error("amis_rollup_to_levels: all_channels and by_channel are both false") }}
    {%- endif -%}
    {%- set org_id -%}
        case amis_rollup.rollup_level
            {%- for l in amis_org_levels() %} when {{ l }} then {{ org_prefix }}{{ l }}{% endfor %}
        end
    {%- endset -%}
    {%- set channel -%}
        case when amis_rollup.rollup_by_channel then {{ channel_column }} else 'ALL' end
    {%- endset %}
    select
        {{ org_id }} as org_id,
        amis_rollup.rollup_level as level,
        {%- for g in group_by %}
        {{ g }},
        {%- endfor %}
        {{ channel }} as channel,
        {%- for m in measures %}
        {%- if m is string %}
        sum({{ m }}) as {{ m }}
        {%- else %}
        {{ m[1] }} as {{ m[0] }}
        {%- endif %}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ relation }}
    cross join (
        {%- for l in amis_org_levels() %}
        {%- set outer_last = loop.last %}
        {%- for mode in modes %}
        select {{ l }} as rollup_level, {{ 'true' if mode == 'channel' else 'false' }} as rollup_by_channel
        {%- if not (loop.last and outer_last) %} union all{% endif %}
        {%- endfor %}
        {%- endfor %}
    ) as amis_rollup
    where {{ org_id }} is not null
        {%- if by_channel %}
        and (not amis_rollup.rollup_by_channel or {{ channel_column }} is not null)
        {%- endif %}
        {%- if where %}
        and case amis_rollup.rollup_level
            {%- for l in amis_org_levels() %} when {{ l }} then ({{ where | replace('{level}', l | string) }}){% endfor %}
        end
        {%- endif %}
    group by {{ org_id }}, amis_rollup.rollup_level
        {%- for g in group_by %}, {{ g }}{% endfor %}, {{ channel }}
{%- endmacro %}
