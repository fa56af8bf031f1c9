{#- Referential integrity within one partition: every non-null `column_name` of the model
    must exist as `field` in `to` on the same date (`date_column` on both sides), because the
    marts keep history and a key present on another date proves nothing. Restrict the child
    side with the test's `where` config (the run's business date); the join restricts the
    parent. With `date_column: null` (a model without a date, or one by billing month) the
    parent is taken at the run's business date. -#}
{% test relationships_on_date(model, column_name, to, field, date_column='business_date') %}

with

children as (

    select
        {{ column_name }} as child_key
        {%- if date_column %},
        {{ date_column }} as child_date
        {%- endif %}

    from {{ model }}
    where {{ column_name }} is not null

),

parents as (

    select
        {{ field }} as parent_key
        {%- if date_column %},
        {{ date_column }} as parent_date
        {%- endif %}

    from {{ to }}
    {%- if not date_column %}
    where business_date = {{ business_date() }}
    {%- endif %}

),

orphans as (

    select children.*

    from children
    left join parents
        on children.child_key = parents.parent_key
        {%- if date_column %}
        and children.child_date = parents.parent_date
        {%- endif %}
    where parents.parent_key is null

)

select * from orphans

{% endtest %}
