-- marts.kpi (interfaces.md): every KPI of the dictionary in long form, one row per org,
-- period type, period, channel and KPI code. A view over the published wide marts (macro
-- amis_long_form_config; a table on Spark): each area mart's KPIs of the catalogue (dim_kpi,
-- by its column mart) are picked from that mart's component columns (macro amis_kpi_long),
-- mart_manpower also serving the outlet-stage KPIs (mart = mart_outlet_stage) from its
-- outlet-stage components; budget attainment rows come from mart_budget. value = numerator /
-- denominator exactly, null when the denominator is 0. The view names only published
-- relations, without the build file's catalog (macro amis_in_file), so it binds in the
-- published file; a reader's filter on org, period and KPI code reaches the wide tables.

{{ config(**amis_long_form_config()) }}

{% set components = amis_metric_components(with_outlet_stages=false) | map(attribute=0) | list + ['net_growth', 'formal_net_growth'] %}
{% set outlet_components = amis_metric_components() | map(attribute=0) | list + ['net_growth', 'formal_net_growth'] %}
{% set sources = [
    ('mart_manpower', ['mart_manpower', 'mart_outlet_stage'], outlet_components),
    ('mart_premium', ['mart_premium'], components),
    ('mart_promotion', ['mart_promotion'], components),
    ('mart_retention', ['mart_retention'], components),
] %}

{% for mart, serves, columns in sources %}
{{ amis_kpi_long(
    amis_in_file(ref(mart)),
    "(select * from " ~ amis_in_file(ref('dim_kpi')) ~ " where mart in ('" ~ serves | join("', '") ~ "'))",
    columns) }}

union all
{% endfor %}

select
    org_id, level, period_type, period, channel, kpi_code, numerator, denominator, value
from {{ amis_in_file(ref('mart_budget')) }}
