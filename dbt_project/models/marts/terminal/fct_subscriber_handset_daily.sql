{#- The handset a subscriber used most recently on each day: the IMEI of the day's last
    network attach. Rebuilt for every date in var daily_dates so the look-back of
    fct_handset_change always has its earlier days. -#}
{{ config(partition_by=['business_date']) }}

with

subscriber_imeis as (

    select * from {{ ref('stg_dm__subscriber_imeis') }}
    where business_date in ({{ date_list('daily_dates') }})

),

ranked as (

    select
        subscriber_id,
        imei,
        substr(imei, 1, 8) as tac,
        last_seen_at,
        business_date,
        row_number() over (
            partition by subscriber_id, business_date
            order by last_seen_at desc, imei desc
        ) as recency_rank

    from subscriber_imeis

),

final as (

    select
        subscriber_id,
        imei,
        tac,
        last_seen_at,
        business_date

    from ranked
    where recency_rank = 1

)

select * from final
