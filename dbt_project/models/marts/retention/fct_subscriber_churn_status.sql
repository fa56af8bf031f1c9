{#- BI's churn (off-net) status of every subscriber at each month end: the label of the churn
    model. Partitioned by billing_month (the snapshot month); the months of var billing_month_ends are rebuilt. -#}
{{ config(partition_by=['billing_month']) }}

with

churn_statuses as (

    select * from {{ ref('stg_bi__churn_statuses') }}
    where business_date in ({{ date_list('billing_month_ends') }})

),

final as (

    select
        -- ids
        subscriber_id,
        -- descriptions and codes
        churn_status,
        -- booleans
        churn_status = 'churned' as is_churned,
        -- dates
        churn_date,
        business_date as delivered_date,
        date_format(stat_month, 'yyyy-MM') as billing_month

    from churn_statuses

)

select * from final
