{#- Generations are ordered by their number, so "the next generation" and "supports at least
    4G" stay configuration ('2G'..'5G', later '6G') rather than code. -#}
{% macro generation_rank(column) -%}
    cast(regexp_extract({{ column }}, '^([0-9]+)G$', 1) as int)
{%- endmacro %}
