-- depends_on: {{ ref('int_org__periods') }} (the periods a refresh tests)
-- Convention 5: value = numerator / denominator exactly for every rate row, null where the
-- denominator is 0; plain values carry null numerator and denominator.

select k.*
from {{ ref('kpi') }} as k
left join {{ ref('kpi_catalogue') }} as c on c.kpi_code = k.kpi_code
where {{ amis_tested_periods('k.period_type', 'k.period') }} and ((
        (c.kind = 'rate' or k.kpi_code like 'budget_attainment_%')
        and not (
            (k.denominator = 0 and k.value is null)
            or (k.denominator <> 0 and k.value = k.numerator / k.denominator)
            or (k.denominator is null and k.value is null)
        )
    )
   or (c.kind is not null and c.kind <> 'rate'
        and (k.numerator is not null or k.denominator is not null))
)
