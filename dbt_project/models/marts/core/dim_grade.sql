-- The grade ladder (职级): code, captions, rank and series; supervisors (主管) are B01 up.

select distinct
    code as grade_code,
    caption_zh as grade_name_zh,
    caption_en as grade_name_en,
    cast(rank as {{ dbt.type_int() }}) as grade_rank,
    series,
    series = 'supervisor' as is_supervisor_grade
from {{ ref('amis_code_values') }}
where code_set = 'grade'
