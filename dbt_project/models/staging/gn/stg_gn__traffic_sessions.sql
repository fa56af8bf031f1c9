with

source as (

    select * from {{ source('gn', 'gn_traffic') }}

),

renamed as (

    select
        -- ids
        msisdn,
        protocol_id,
        host,
        app_id,
        -- numerics
        bytes_up,
        bytes_down,
        duration_seconds,
        -- dates and timestamps
        session_started_at,
        -- descriptions and codes
        radio_type,
        -- partition
        dt as business_date

    from source

)

select * from renamed
