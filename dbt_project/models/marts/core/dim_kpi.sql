-- The KPI catalogue, published: one row per KPI code of marts.kpi (the seed kpi_catalogue),
-- with its Chinese and English names, family, kind, numerator and denominator, so that BI
-- tools and readers of the published file label KPIs from the file itself.

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
    definition
from {{ ref('kpi_catalogue') }}
