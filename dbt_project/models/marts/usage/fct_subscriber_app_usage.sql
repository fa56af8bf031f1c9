{#- The internet-behaviour view: usage by interest category over the last 7 and 30 days
    ending on the business date, with the category's share of the subscriber's classified
    bytes (the preference share). -#}
{{ config(partition_by=['business_date']) }}

{%- set recent_start = "date_sub(" ~ business_date() ~ ", " ~ (var('app_usage_recent_days') - 1) ~ ")" %}

with

daily_usage as (

    select * from {{ ref('fct_subscriber_app_usage_daily') }}
    where
        business_date between date_sub({{ business_date() }}, {{ var('app_usage_window_days') - 1 }})
        and {{ business_date() }}

),

by_category as (

    select
        subscriber_id,
        app_category,
        sum(case when business_date >= {{ recent_start }} then sessions else 0 end) as sessions_7d,
        sum(case when business_date >= {{ recent_start }} then bytes_total else 0 end) as bytes_7d,
        sum(sessions) as sessions_30d,
        sum(bytes_total) as bytes_30d,
        count(distinct business_date) as active_days_30d

    from daily_usage
    group by subscriber_id, app_category

),

final as (

    select
        subscriber_id,
        app_category,
        sessions_7d,
        bytes_7d,
        sessions_30d,
        bytes_30d,
        active_days_30d,
        bytes_7d / nullif(sum(bytes_7d) over (
            partition by subscriber_id
            rows between unbounded preceding and unbounded following
        ), 0) as share_of_bytes_7d,
        bytes_30d / nullif(sum(bytes_30d) over (
            partition by subscriber_id
            rows between unbounded preceding and unbounded following
        ), 0) as share_of_bytes_30d,
        {{ business_date() }} as business_date

    from by_category

)

select * from final
