{#- How the day's traffic was classified, including what nothing matched: the quality
    signal for the application and content libraries. -#}
{{ config(partition_by=['business_date']) }}

with

sessions as (

    select * from {{ ref('int_traffic_sessions_classified') }}

),

final as (

    select
        count(*) as sessions_total,
        count_if(match_method = 'app_id') as sessions_matched_by_app_id,
        count_if(match_method = 'host_suffix') as sessions_matched_by_host_suffix,
        count_if(match_method = 'unmatched') as sessions_unmatched,
        count_if(subscriber_id is null) as sessions_unknown_subscriber,
        coalesce(sum(case when match_method = 'unmatched' then bytes_total end), 0) as bytes_unmatched,
        count_if(match_method = 'unmatched') / nullif(count(*), 0) as unmatched_share,
        business_date

    from sessions
    group by business_date

)

select * from final
