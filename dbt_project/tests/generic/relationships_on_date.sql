{#- Referential integrity within one partition: every non-null `column_name` of the model
    must exist as `field` in `to` on the same date (`date_column` on both sides), because the
    marts keep history and a key present on another date proves nothing. Restrict the child
    side with the test's `where` config (the run's business date); the join restricts the
    parent. With `date_column: null` (a model without a date, or one by billing month) the
    parent is taken at the run's business date.

    Open references (a key the interface contract does not promise to resolve) may leave some
    orphans: `max_orphan_share` is the share of the tested rows that may be orphans (0, the
    default, tolerates none), so the same test holds for 500 subscribers and for 40 million.
    `min_orphans_to_fail` keeps a tiny day's noise (one orphan among ten rows) from failing it;
    each use says why its orphans occur. -#}
{% test relationships_on_date(model, column_name, to, field, date_column='business_date', max_orphan_share=0, min_orphans_to_fail=1) %}

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

),

tally as (

    select
        (select count(*) from children) as tested_rows,
        (select count(*) from orphans) as orphan_rows

)

select orphans.*

from orphans
cross join tally
where
    tally.orphan_rows > {{ max_orphan_share }} * tally.tested_rows
    and tally.orphan_rows >= {{ min_orphans_to_fail }}

{% endtest %}
