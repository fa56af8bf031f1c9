{#- Use a folder's custom schema as is (staging, intermediate, mart) instead of dbt's
    default "<target schema>_<custom schema>", so analysts find the mart under `mart`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
