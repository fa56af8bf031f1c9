{#- The analyst-facing form of a mobile number: 13812341234 -> 138****1234. Every mart
    column derived from an MSISDN goes through this macro; full numbers stay in raw/. -#}
{% macro mask_msisdn(column) -%}
    concat(substr({{ column }}, 1, 3), '****', substr({{ column }}, 8, 4))
{%- endmacro %}
