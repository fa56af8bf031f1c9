{#- The results of earlier retention contacts as BI records them, by the date they were
    delivered: what the front desk shows beside each open task. Rebuilt for every date in
    var daily_dates. -#}
{{ config(partition_by=['business_date']) }}

with

retention_results as (

    select * from {{ ref('stg_bi__retention_results') }}
    where business_date in ({{ date_list('daily_dates') }})

),

final as (

    select
        -- ids
        contact_id,
        subscriber_id,
        -- descriptions and codes
        task_code,
        channel_type,
        retention_outcome,
        -- dates
        contact_date,
        business_date

    from retention_results

)

select * from final
