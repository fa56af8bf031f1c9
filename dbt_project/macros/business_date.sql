{#- The business date of the run as a SQL date literal; fails loudly when the var is
    missing, because a job never picks "the latest" date by itself. -#}
{% macro business_date() -%}
    {%- set value = var('business_date') -%}
    {%- if value is none or value == '' -%}
        {{ exceptions.raise_compiler_error("the dbt var business_date (YYYY-MM-DD) is required") }}
    {%- endif -%}
    date'{{ value }}'
{%- endmacro %}

{#- A list var of ISO dates as a SQL IN list; never empty, so the SQL stays valid. -#}
{% macro date_list(var_name) -%}
    {%- set values = var(var_name) or [var('business_date')] -%}
    {%- for value in values -%}
        date'{{ value }}'{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
