with

source as (

    select * from {{ source('bi', 'bi_retention_result') }}

),

renamed as (

    select
        -- ids
        contact_id,
        subscriber_id,
        -- dates and timestamps
        contact_date,
        -- descriptions and codes
        task_code,
        channel_type,
        outcome as retention_outcome,
        -- partition
        dt as business_date

    from source

)

select * from renamed
