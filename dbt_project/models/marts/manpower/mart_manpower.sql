-- Manpower KPIs (see the seed kpi_catalogue, mart = mart_manpower) per org, level 1-7, period
-- (M, Q, Y) and channel (ALL, 1, 4): every KPI component, and one column per KPI named by
-- its code. Rates are each org's own numerator over its own denominator, never averages.
-- It also carries the outlet-stage components (<measure>_outlet_<stage>): marts.kpi picks the
-- outlet-stage KPIs of the catalogue (mart = mart_outlet_stage) from them.
-- A view over mart_org_period, which stores these figures once for every area mart (a table
-- on Spark, macro amis_view_config).

-- depends_on: {{ ref('kpi_catalogue') }}

{{ config(**amis_view_config()) }}

{{ amis_area_mart('mart_manpower', with_outlet_stages=true) }}
