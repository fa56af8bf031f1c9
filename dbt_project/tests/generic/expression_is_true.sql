{#- Every row satisfies `expression` (a boolean SQL expression over the model's columns), the
    dbt_utils test of the same name. A row where the expression is null passes, as there. -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
