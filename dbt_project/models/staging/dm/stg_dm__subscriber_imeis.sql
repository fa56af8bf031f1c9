with

source as (

    select * from {{ source('dm', 'dm_subscriber_imei') }}

),

renamed as (

    select
        -- ids
        subscriber_id,
        msisdn,
        imei,
        -- dates and timestamps
        first_seen_at,
        last_seen_at,
        -- partition
        dt as business_date

    from source

)

select * from renamed
