with

source as (

    select * from {{ source('crm', 'crm_complaint') }}

),

renamed as (

    select
        -- ids
        complaint_id,
        subscriber_id,
        -- dates and timestamps
        complained_at,
        -- descriptions and codes
        complaint_category,
        channel_type,
        -- partition
        dt as business_date

    from source

)

select * from renamed
