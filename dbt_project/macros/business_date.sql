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

{#- The rows of the latest partition of `relation` on or before the business date: monthly
    and slowly refreshed extracts (BI value segments, the catalogue) are read "as of" D. -#}
{% macro latest_partition_as_of(relation) -%}
    select delivered.* from {{ relation }} as delivered
    where delivered.business_date = (
        select max(partitions.business_date) from {{ relation }} as partitions
        where partitions.business_date <= {{ business_date() }}
    )
{%- endmacro %}
