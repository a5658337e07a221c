{#
    Incremental monthly refresh with a restatement window.

    The largest models (one row per agent-month, org-month or org-period) are incremental by
    month. amisdw passes the var `restate_from` ('YYYY-MM-DD', the first day of a month): the
    first month whose rows a refresh recomputes. amisdw sets it to the earliest month whose
    delivery is new or changed since the last successful build, less the restatement window
    (setting restatement_months, by default 6: the contract lets events and status changes be
    backdated by up to 6 months, and a receipt confirmed after a persistency cohort's report
    month reaches back 2). Every row of an earlier month is kept as the last build left it;
    every row of that month or later is deleted and recomputed from the full upstream tables.
    Without the var (a full build, dbt run by hand), an existing incremental table is emptied
    and refilled: the result is always the full rebuild's.
#}

{#- The first month a refresh recomputes (a date literal), or none for a full build. -#}
{% macro amis_restate_from() -%}
    {%- set month = var('restate_from', none) -%}
    {{ return(none if month is none else "cast('" ~ month ~ "' as date)") }}
{%- endmacro %}

{#- True while refreshing an existing incremental table from restate_from on (a unit test,
    which has no table of its own, tests the full build's SQL). -#}
{% macro amis_is_restating() -%}
    {{ return(amis_restate_from() is not none and this is not none and is_incremental()) }}
{%- endmacro %}

{#- A filter on a model's output rows: its month column from restate_from on (when restating),
    else every row. -#}
{% macro amis_restated_months(column) -%}
    {%- if amis_is_restating() -%}
        {{ column }} >= {{ amis_restate_from() }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- A filter on a model's output rows: the periods (M, Q, Y) whose last loaded month is
    restate_from or later (a quarter or year is recomputed whole, from all of its months).
    `periods` is a relation with period_type, period and period_last_month that the model
    already depends on (default int_org__periods). -#}
{% macro amis_restated_periods(period_type, period, periods=none) -%}
    {%- if amis_is_restating() -%}
        {{ dbt.concat([period_type, "'/'", period]) }} in (
            select {{ dbt.concat(['period_type', "'/'", 'period']) }}
            from {{ periods or ref('int_org__periods') }}
            where period_last_month >= {{ amis_restate_from() }}
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook of an incremental model: delete the rows the refresh recomputes
    (`predicate`, from amis_restated_months or amis_restated_periods), nothing on a full
    build (the table is replaced). -#}
{% macro amis_delete_restated(predicate) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ predicate }}
    {%- endif -%}
{%- endmacro %}

{#- The config of a model incremental by month: `restated` is the pre-hook SQL (a string,
    rendered when the model runs). Spark builds are always full (its Parquet tables take no
    DELETE), so there the model is a table. -#}
{% macro amis_incremental_config(restated) -%}
    {{ return(adapter.dispatch('amis_incremental_config', 'amisdw')(restated)) }}
{%- endmacro %}

{% macro default__amis_incremental_config(restated) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'fail',
        'pre_hook': restated,
    }) }}
{%- endmacro %}

{% macro spark__amis_incremental_config(restated) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{#- The rows a data test of an incremental model checks: on a refresh (var restate_from set),
    the rows the refresh recomputed; the earlier ones are as the last successful build left
    and tested them. On a full build every row. For tests, which have no is_incremental(). -#}
{% macro amis_tested_months(column) -%}
    {%- if amis_restate_from() is not none -%}
        {{ column }} >= {{ amis_restate_from() }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The same by period: on a refresh, the periods whose last loaded month is restate_from or
    later (the test must depend on int_org__periods). -#}
{% macro amis_tested_periods(period_type, period) -%}
    {%- if amis_restate_from() is not none -%}
        {{ dbt.concat([period_type, "'/'", period]) }} in (
            select {{ dbt.concat(['period_type', "'/'", 'period']) }}
            from {{ ref('int_org__periods') }}
            where period_last_month >= {{ amis_restate_from() }}
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The config of a model that is a view over wide tables (marts.kpi and int_metrics__kpi_values,
    the KPIs in long form; the area marts over mart_org_period): a view on DuckDB (computed when
    read from the tables it picks from: a national build's long form is billions of cells that
    a reader filters down to a few, and the area marts share one stored copy of their rows), a
    table on Spark (its marts are published as copies of their Parquet files, and a view has
    none). -#}
{% macro amis_view_config() -%}
    {{ return(adapter.dispatch('amis_view_config', 'amisdw')()) }}
{%- endmacro %}

{% macro default__amis_view_config() -%}
    {{ return({'materialized': 'view'}) }}
{%- endmacro %}

{% macro spark__amis_view_config() -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{#- The config of a mart computed when it is published (fct_agent_month, fct_policy_cohort and
    fct_hire_cohort copy an intermediate model; fct_receipt, fct_policy and mart_org_period
    join one to its dimensions): on DuckDB a view in the build file, marked by the comment
    amisdw:published-copy, which publish writes into the published file as a table
    (publish.py), so the build file keeps those rows once, in the intermediate models; on
    Spark a table. The view names what it reads without the catalog (amis_in_file), so it reads
    the same through the build file attached under another name. -#}
{% macro amis_published_copy_config() -%}
    {{ return(adapter.dispatch('amis_published_copy_config', 'amisdw')()) }}
{%- endmacro %}

{% macro default__amis_published_copy_config() -%}
    {{ return({'materialized': 'view',
               'post_hook': ["comment on view {{ this }} is 'amisdw:published-copy'"]}) }}
{%- endmacro %}

{% macro spark__amis_published_copy_config() -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{#- A relation as a published view names it: without the database (the build file's catalog
    name), so that the view binds in whichever file holds it (the published file, a copy
    under another name). Spark has no such view: the relation as is. -#}
{% macro amis_in_file(relation) -%}
    {{ return(adapter.dispatch('amis_in_file', 'amisdw')(relation)) }}
{%- endmacro %}

{% macro default__amis_in_file(relation) -%}
    {{ return(relation.include(database=false)) }}
{%- endmacro %}

{% macro spark__amis_in_file(relation) -%}
    {{ return(relation) }}
{%- endmacro %}

{#-
    Staging by delivery. A staging model reads only the deliveries, so a refresh must
    recompute the staging rows that a new or re-delivered month can change, and none other;
    restate_from is earlier than every such month (the earliest changed delivery less the
    restatement window), so what follows is exact. Two shapes:

    - one row per key and delivery month (stg_amis__agent, __branch, __com, __policy): the rows
      of deliveries from restate_from on are deleted (amis_restated_months('delivery_month'))
      and rebuilt from those deliveries alone (amis_restated_deliveries on the source);
    - the latest delivery of a key wins across months (stg_amis__activity, __agent_event,
      __receipt): the rows of every key delivered from restate_from on, and every row whose
      winning delivery is from restate_from on (a re-delivered month may no longer hold its
      key), are deleted (amis_restated_keys), and the model then ranks again, over every
      delivery, exactly the keys no longer in its table (amis_unsettled_keys).
-#}

{#- restate_from as a delivery month `YYYYMM` text (raw's _delivery_month). -#}
{% macro amis_restate_from_yyyymm() -%}
    {%- set month = var('restate_from') -%}
    {{ return("'" ~ month[0:4] ~ month[5:7] ~ "'") }}
{%- endmacro %}

{#- A filter on a staging model's source rows: the deliveries from restate_from on (when
    restating), else every row. -#}
{% macro amis_restated_deliveries(column='_delivery_month') -%}
    {%- if amis_is_restating() -%}
        {{ column }} >= {{ amis_restate_from_yyyymm() }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook predicate of a latest-delivery-wins staging model: its rows whose key
    (`keys`, its columns) is delivered in `source_relation` from restate_from on (`raw_keys`:
    the same key as expressions over the source row `s`), or whose winning delivery is from
    restate_from on. Keys compare null-safe. -#}
{% macro amis_restated_keys(source_relation, raw_keys, keys) -%}
    {%- if amis_is_restating() -%}
        delivery_month >= {{ amis_restate_from() }} or exists (
            select 1 from {{ source_relation }} as s
            where s._delivery_month >= {{ amis_restate_from_yyyymm() }}
            {%- for key in keys %}
                and {{ raw_keys[loop.index0] }} is not distinct from {{ this }}.{{ key }}
            {%- endfor %}
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- A filter on a latest-delivery-wins staging model's source rows `s`: the rows of the keys
    its table no longer holds (after the pre-hook's delete: the restated keys), so the model
    ranks those keys over every delivery; every row on a full build. -#}
{% macro amis_unsettled_keys(raw_keys, keys) -%}
    {%- if amis_is_restating() -%}
        not exists (
            select 1 from {{ this }} as t
            where {% for key in keys %}{{ raw_keys[loop.index0] }} is not distinct from t.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
