-- Every agent-based KPI of the seed kpi_catalogue in long form: one row per org, level,
-- period type, period, channel and KPI code, picked from the components of
-- int_metrics__org_periods (macro amis_kpi_long). value = numerator / denominator exactly,
-- null when the denominator is 0; plain values carry null numerator and denominator.
-- A view (macro amis_view_config): mart_budget and mart_outlet_stage read a few KPIs of
-- it; marts.kpi is the same macro over the published area marts.

{{ config(**amis_view_config()) }}

{% set components = amis_metric_components() | map(attribute=0) | list + ['net_growth', 'formal_net_growth'] %}

{{ amis_kpi_long(ref('int_metrics__org_periods'), ref('kpi_catalogue'), components) }}
