{#- Every session of the dates being built, attributed to its subscriber and classified into
    an interest category: by exact application id first, by host suffix second. -#}
with

sessions as (

    select * from {{ ref('stg_gn__traffic_sessions') }}
    where business_date in ({{ date_list('daily_dates') }})

),

subscribers as (

    select * from {{ ref('stg_crm__subscribers') }}
    where business_date in ({{ date_list('daily_dates') }})

),

app_rules as (

    select * from {{ ref('stg_gn__app_rules') }}
    where business_date in ({{ date_list('daily_dates') }})

),

host_matches as (

    select * from {{ ref('int_traffic_hosts_matched_to_content') }}

),

final as (

    select
        -- ids
        subscribers.subscriber_id,
        -- descriptions and codes
        coalesce(app_rules.app_category, host_matches.content_category) as app_category,
        case
            when app_rules.app_id is not null then 'app_id'
            when host_matches.content_category is not null then 'host_suffix'
            else 'unmatched'
        end as match_method,
        -- numerics
        sessions.bytes_up + sessions.bytes_down as bytes_total,
        sessions.duration_seconds,
        -- partition
        sessions.business_date

    from sessions
    left join subscribers
        on
            sessions.msisdn = subscribers.msisdn
            and sessions.business_date = subscribers.business_date
    left join app_rules
        on
            sessions.app_id = app_rules.app_id
            and sessions.business_date = app_rules.business_date
    left join host_matches
        on
            lower(sessions.host) = host_matches.host_name
            and sessions.business_date = host_matches.business_date

)

select * from final
