{#- The daily per-subscriber aggregate of classified traffic, one partition per day; the
    rolling 7- and 30-day view (fct_subscriber_app_usage) sums these partitions. -#}
{{ config(partition_by=['business_date']) }}

with

sessions as (

    select * from {{ ref('int_traffic_sessions_classified') }}
    where
        subscriber_id is not null
        and app_category is not null

),

final as (

    select
        subscriber_id,
        app_category,
        count(*) as sessions,
        sum(bytes_total) as bytes_total,
        sum(duration_seconds) as duration_seconds,
        business_date

    from sessions
    group by business_date, subscriber_id, app_category

)

select * from final
