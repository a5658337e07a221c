-- The KPI catalogue, published: one row per KPI code of marts.kpi (the seed kpi_catalogue),
-- with its Chinese and English names, family, kind, numerator and denominator, so that BI
-- tools and readers of the published file label KPIs from the file itself; computed_in and
-- pinned_by say where each KPI is computed and which dbt unit tests pin it.

select
    kpi_code,
    name_zh,
    name_en,
    family,
    kind,
    mart,
    numerator_column,
    denominator_column,
    value_column,
    unit,
    definition,
    computed_in,
    pinned_by
from {{ ref('kpi_catalogue') }}
