{#- Host suffix matching without a pattern cross-join: each distinct host of the day is
    expanded into its suffixes (a.b.example.com -> a.b.example.com, b.example.com,
    example.com, com), the suffixes are equi-joined to the content library, and the longest
    matching suffix wins. Hosts are far fewer than sessions, so this stays cheap. -#}
with

sessions as (

    select * from {{ ref('stg_gn__traffic_sessions') }}
    where
        business_date in ({{ date_list('daily_dates') }})
        and host is not null

),

content_rules as (

    select * from {{ ref('stg_gn__content_rules') }}
    where business_date in ({{ date_list('daily_dates') }})

),

hosts as (

    select distinct
        business_date,
        lower(host) as host_name

    from sessions

),

host_labels as (

    select
        business_date,
        host_name,
        split(host_name, '[.]') as labels

    from hosts

),

host_suffixes as (

    select
        host_labels.business_date,
        host_labels.host_name,
        array_join(
            slice(
                host_labels.labels,
                positions.label_position,
                size(host_labels.labels) - positions.label_position + 1
            ),
            '.'
        ) as host_suffix

    from host_labels
        lateral view explode(sequence(1, size(host_labels.labels))) positions as label_position

),

matches as (

    select
        host_suffixes.business_date,
        host_suffixes.host_name,
        max_by(content_rules.content_category, length(content_rules.host_suffix)) as content_category,
        max_by(content_rules.app_id, length(content_rules.host_suffix)) as content_app_id

    from host_suffixes
    inner join content_rules
        on
            host_suffixes.host_suffix = lower(content_rules.host_suffix)
            and host_suffixes.business_date = content_rules.business_date
    group by host_suffixes.business_date, host_suffixes.host_name

)

select * from matches
