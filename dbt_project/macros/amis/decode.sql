{#
    Decoding coded AMIS fields to the canonical code of the contract.

    A coded field normally holds the code ('01'), but a plausible export may hold the
    Chinese caption ('在职'), the English caption, different case ('zc'), padding, or a
    numeric code that lost (or gained) its leading zero ('1' for '01', '01' for '1').
    Every spelling is reduced to a lookup key by amis_code_key; the seed amis_code_values
    gives, per family and field, the key of each code and of its captions. A value whose
    key matches nothing is passed through trimmed, so the accepted_values tests of staging
    report it instead of it silently becoming null.

    Usage in a staging model:
        code_lookup as ( {{ amis_code_lookup('AGENT') }} ),
        ...
        select {{ amis_decoded('agent_state') }} as agent_state_code
        from src
        {{ amis_decode_join('agent_state', 'src.agent_state') }}
#}

{# The lookup key of a code or of a delivered value: trimmed and upper-cased; all-digit
   values lose their leading zeros ('01', '1' and '001' all give '1'; '0' and '00' give '0'). #}
{% macro amis_code_key(expr) -%}
    {%- set v = "upper(" ~ amis_clean_text(expr) ~ ")" -%}
    case
        when {{ amis_is_digits(v) }}
            then coalesce(nullif({{ amis_regex_replace(v, '^0+', '') }}, ''), '0')
        else {{ v }}
    end
{%- endmacro %}


{# (field, lookup_key, code) for every spelling of every code of one family: the code
   itself, its Chinese caption and its English caption. #}
{% macro amis_code_lookup(family) -%}
    {%- set spellings = ['code', 'caption_zh', 'caption_en'] -%}
    {%- for spelling in spellings %}
    select
        field,
        {{ amis_code_key(spelling) }} as lookup_key,
        code
    from {{ ref('amis_code_values') }}
    where family = '{{ family }}'
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{# The left join that finds the code of `expr` for `field`; alias defaults to <field>_codes. #}
{% macro amis_decode_join(field, expr, alias=none) -%}
    {%- set alias = alias or field ~ '_codes' -%}
    left join code_lookup as {{ alias }}
        on {{ alias }}.field = '{{ field }}'
        and {{ alias }}.lookup_key = {{ amis_code_key(expr) }}
{%- endmacro %}


{# The decoded code: the matched code, else the delivered value trimmed (null stays null). #}
{% macro amis_decoded(field, expr, alias=none) -%}
    {%- set alias = alias or field ~ '_codes' -%}
    coalesce({{ alias }}.code, {{ amis_clean_text(expr) }})
{%- endmacro %}
